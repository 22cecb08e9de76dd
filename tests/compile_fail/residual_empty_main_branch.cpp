// A Residual with only a shortcut.
// Expect: cnnbench: Residual: the main branch is empty
#include <cnnbench/model.hpp>
using namespace cnnbench;
using Net = Sequential<Conv<8, 3>, Residual<Shortcut<Conv<8, 1>>>, Flatten, Dense<10>>;
static_assert(param_count_v<Net, shape{3, 8, 8}> > 0);
int main() {}
