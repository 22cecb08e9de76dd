// A 5x5 average-pooling window on a 4x4 input, as the only layer.
// Expect: cnnbench: AvgPool: pooling window larger than its input
// Expect: AvgPool<5
// Expect: \{3, 4, 4\}
#include <cnnbench/model.hpp>
using namespace cnnbench;
static_assert(output_shape_v<AvgPool<5>, shape{3, 4, 4}>.c == 3);
int main() {}
