// Something that is not a layer in a model.
// Expect: cnnbench: not a layer
#include <cnnbench/model.hpp>
using namespace cnnbench;
struct NotALayer {};
using Net = Sequential<Flatten, NotALayer, Dense<2>>;
static_assert(param_count_v<Net, shape{1, 4, 4}> > 0);
int main() {}
