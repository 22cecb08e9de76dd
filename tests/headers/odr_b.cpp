#include <cnnbench/cnnbench.hpp>
#include <cnnbench/models/published.hpp>
int odr_a();
int main() { return odr_a() == 61'706 ? 0 : 1; }
