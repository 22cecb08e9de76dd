// Five 2x2 poolings halve 16x16 down to 1x1; the fifth (layer index 4) would leave nothing.
// Expect: cnnbench: MaxPool: .*the output would be empty
// Expect: check<4
// Expect: \{1, 1, 1\}
#include <cnnbench/model.hpp>
using namespace cnnbench;
using Block = Sequential<MaxPool<2>, MaxPool<2>>;
using Net = Sequential<Block, Block, MaxPool<2>, Flatten, Dense<10>>;
static_assert(flops_v<Net, shape{1, 16, 16}> > 0);
int main() {}
