#include <cnnbench/bench.hpp>
#include <cnnbench/cnnbench.hpp>
#include <cnnbench/io/npy.hpp>
#include <cnnbench/models/published.hpp>
int odr_a();
int main() { return odr_a() == 61'706 ? 0 : 1; }
