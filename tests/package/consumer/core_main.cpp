// A consumer of cnnbench::core alone: the compile-time model algebra, standard library only.
#include <cnnbench/model.hpp>
#include <cnnbench/models/published.hpp>

#include <iostream>

#if __has_include(<Eigen/Core>)
#error "cnnbench::core put Eigen on the include path"
#endif

using namespace cnnbench;
using Net = Sequential<ZeroPad<1>, Conv<16, 3>, ReLU, MaxPool<2>,  //
                       ZeroPad<1>, Conv<32, 3>, ReLU, MaxPool<2>,  //
                       ZeroPad<1>, Conv<64, 3>, ReLU, MaxPool<2>,  //
                       Flatten, Dense<72>, ReLU, Dense<10>>;
static_assert(param_count_v<Net, shape{1, 28, 28}> == 65'570);
static_assert(std::is_same_v<bound_layers_t<Net, shape{1, 28, 28}>,
                             bound_layers_t<models::FashionMnistCnn, models::fashion_mnist_input>>);

int main() {
  std::cout << "consumer (core): " << param_count_v<Net, shape{1, 28, 28}> << " parameters\n";
  std::cout << summary<Net, shape{1, 28, 28}>();
}
