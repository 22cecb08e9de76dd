// A Residual whose main branch doubles the channels and halves the size, with an identity shortcut.
// Expect: cnnbench: Residual: the main branch's output shape differs from the shortcut's
// Expect: residual_output_shapes<cnnbench::shape\{16, 4, 4\}, cnnbench::shape\{8, 8, 8\}>
#include <cnnbench/model.hpp>
using namespace cnnbench;
using Net = Sequential<Conv<8, 3, 1, same>, Residual<Conv<16, 3, 2, same, no_bias>, BatchNorm<>>, ReLU, Flatten, Dense<10>>;
static_assert(param_count_v<Net, shape{3, 8, 8}> > 0);
int main() {}
