// Dropout with rate 1 would drop everything.
// Expect: cnnbench: Dropout: Rate must be in .0, 1.
// Expect: \{16, 1, 1\}
#include <cnnbench/model.hpp>
using namespace cnnbench;
using Net = Sequential<Dense<16>, Dropout<1.0>, Dense<2>>;
static_assert(param_count_v<Net, shape{8}> > 0);
int main() {}
