// A consumer of the installed package: a model defined here, checked by the compiler.
#include <cnnbench/cnnbench.hpp>

#include <cstdint>
#include <iostream>

using namespace cnnbench;
using Net = Sequential<ZeroPad<1>, Conv<16, 3>, ReLU, MaxPool<2>,  //
                       ZeroPad<1>, Conv<32, 3>, ReLU, MaxPool<2>,  //
                       ZeroPad<1>, Conv<64, 3>, ReLU, MaxPool<2>,  //
                       Flatten, Dense<72>, ReLU, Dense<10>>;
static_assert(param_count_v<Net, shape{1, 28, 28}> == 65'570);
static_assert(std::is_same_v<bound_layers_t<Net, shape{1, 28, 28}>,
                             bound_layers_t<models::FashionMnistCnn, models::fashion_mnist_input>>);

int main() {
  std::cout << "consumer: " << param_count_v<Net, shape{1, 28, 28}> << " parameters\n";
  // libjpeg-turbo reached through the package's link interface (JPEG::JPEG): a JPEG start marker
  // alone is refused by libjpeg itself.
  const std::uint8_t soi_only[] = {0xFF, 0xD8};
  try {
    decode_image(soi_only, "soi_only.jpg", shape{3, 8, 8});
    std::cout << "consumer: libjpeg accepted 2 bytes\n";
    return 1;
  } catch (const data_error& e) {
    std::cout << "consumer: " << e.what() << "\n";
  }
  std::cout << summary<Net, shape{1, 28, 28}>();
}
