// Dense directly after a convolution, without Flatten.
// Expect: cnnbench: Dense: input is not flat
// Expect: Dense<10>
// Expect: \{4, 6, 6\}
#include <cnnbench/model.hpp>
using namespace cnnbench;
using Net = Sequential<Conv<4, 3>, ReLU, Dense<10>>;
static_assert(output_shape_v<Net, shape{1, 8, 8}> == shape{10});
int main() {}
