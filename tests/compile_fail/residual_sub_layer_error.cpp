// An impossible layer inside a Residual's branch still gives that layer's own message.
// Expect: cnnbench: Conv: kernel larger than its input
// Expect: Conv<8, 9
// Expect: \{8, 4, 4\}
#include <cnnbench/model.hpp>
using namespace cnnbench;
using Net = Sequential<Conv<8, 3, 2>, Residual<ReLU, Shortcut<Conv<8, 9>>>, Flatten, Dense<10>>;
static_assert(param_count_v<Net, shape{3, 9, 9}> > 0);
int main() {}
