// An 8x8 max-pooling window on a 6x6 feature map.
// Expect: cnnbench: MaxPool: pooling window larger than its input
// Expect: MaxPool<8
// Expect: \{4, 6, 6\}
#include <cnnbench/model.hpp>
using namespace cnnbench;
using Net = Sequential<Conv<4, 3>, ReLU, MaxPool<8>, Flatten, Dense<2>>;
static_assert(param_count_v<Net, shape{1, 8, 8}> > 0);
int main() {}
