// Two translation units that include everything: a non-inline definition in a header would be a
// duplicate symbol at link time.
#include <cnnbench/bench.hpp>
#include <cnnbench/cnnbench.hpp>
#include <cnnbench/io/npy.hpp>
#include <cnnbench/models/published.hpp>
int odr_a() { return static_cast<int>(cnnbench::param_count_v<cnnbench::models::LeNet5, cnnbench::models::mnist_input>); }
