// A model asked about an input with zero channels.
// Expect: cnnbench: layer input is empty
// Expect: \{0, 28, 28\}
#include <cnnbench/model.hpp>
using namespace cnnbench;
using Net = Sequential<Flatten, Dense<10>>;
static_assert(param_count_v<Net, shape{0, 28, 28}> == 10);
int main() {}
