// Control: the same flags compile a valid model (so the failures above are the models' own).
// Expect-success
#include <cnnbench/models/published.hpp>
using namespace cnnbench;
using Net = Sequential<Conv<8, 3>, ReLU, Conv<8, 3>, ReLU, MaxPool<2>, Flatten, Dense<10>>;
static_assert(param_count_v<Net, shape{1, 28, 28}> == 80 + 584 + 8 * 12 * 12 * 10 + 10);
int main() {}
