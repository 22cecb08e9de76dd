// A convolution with zero filters.
// Expect: cnnbench: Conv: Filters must be at least 1
// Expect: Conv<0, 3
// Expect: \{1, 28, 28\}
#include <cnnbench/model.hpp>
using namespace cnnbench;
using Net = Sequential<Conv<0, 3>, ReLU, Flatten, Dense<10>>;
static_assert(param_count_v<Net, shape{1, 28, 28}> > 0);
int main() {}
