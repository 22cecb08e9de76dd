// A 30x30 kernel on the 24x24 output of two 3x3 convolutions.
// Expect: cnnbench: Conv: kernel larger than its input
// Expect: Conv<8, 30
// Expect: \{8, 24, 24\}
#include <cnnbench/model.hpp>
using namespace cnnbench;
using Net = Sequential<Conv<8, 3>, ReLU, Conv<8, 3>, ReLU, Conv<8, 30>, Flatten, Dense<10>>;
static_assert(param_count_v<Net, shape{1, 28, 28}> > 0);
int main() {}
