// A user's static_assert on a parameter count that is wrong (65,570 is right): the control that
// the compiler evaluates the count, and that a mismatch stops the build.
// Expect: static.assert(ion)? failed
// Expect: param_count_v<models::FashionMnistCnn
#include <cnnbench/models/published.hpp>
using namespace cnnbench;
static_assert(param_count_v<models::FashionMnistCnn, shape{1, 28, 28}> == 65'571);
int main() {}
