// A Dense layer with zero units.
// Expect: cnnbench: Dense: Units must be at least 1
// Expect: Dense<0>
// Expect: \{784, 1, 1\}
#include <cnnbench/model.hpp>
using namespace cnnbench;
using Net = Sequential<Flatten, Dense<0>, ReLU, Dense<10>>;
static_assert(param_count_v<Net, shape{1, 28, 28}> > 0);
int main() {}
