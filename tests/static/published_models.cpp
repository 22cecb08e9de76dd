// Every published model of SEEDS.md, checked by the compiler: total and per-layer parameter
// counts, output shapes. If this file compiles, these facts hold; the TEST_CASE only makes the
// result visible in the test report.
#include <cnnbench/models/published.hpp>

#include <algorithm>
#include <array>

#include "../support/catch.hpp"

using namespace cnnbench;
using namespace cnnbench::models;

namespace {
// The parameter counts of the layers that have parameters, in order.
template <class Net, shape In, std::size_t K>
constexpr bool layer_params_are(const std::array<std::size_t, K>& expected) {
  constexpr auto s = summary<Net, In>();
  std::size_t k = 0;
  for (const auto& r : s.rows) {
    if (r.params == 0) continue;
    if (k >= K || r.params != expected[k]) return false;
    ++k;
  }
  return k == K;
}
template <class List, std::size_t I>
using at_t_of = detail::at_t<I, List>;
}  // namespace

// S1 Fashion-MNIST CNN: 65,570 = 160 + 4,640 + 18,496 + 41,544 + 730.
static_assert(param_count_v<FashionMnistCnn, fashion_mnist_input> == 65'570);
static_assert(layer_params_are<FashionMnistCnn, fashion_mnist_input>(std::array<std::size_t, 5>{160, 4'640, 18'496, 41'544, 730}));
static_assert(layer_shapes_v<FashionMnistCnn, fashion_mnist_input>[4] == shape{16, 14, 14});
static_assert(layer_shapes_v<FashionMnistCnn, fashion_mnist_input>[12] == shape{64, 3, 3});
static_assert(layer_shapes_v<FashionMnistCnn, fashion_mnist_input>[13] == shape{576});
static_assert(output_shape_v<FashionMnistCnn, fashion_mnist_input> == shape{10});

// S2 VGG-style CIFAR-10 CNN: 3,441,592.
static_assert(param_count_v<Cifar10VggRosetta, cifar10_input> == 3'441'592);
static_assert(layer_params_are<Cifar10VggRosetta, cifar10_input>(
    std::array<std::size_t, 6>{1'400, 22'550, 45'100, 90'100, 3'277'312, 5'130}));
static_assert(layer_shapes_v<Cifar10VggRosetta, cifar10_input>[13] == shape{6400});
static_assert(output_shape_v<Cifar10VggRosetta, cifar10_input> == shape{10});

// S3 Keras cifar10_cnn: 1,250,858.
static_assert(param_count_v<KerasCifar10Cnn, cifar10_input> == 1'250'858);
static_assert(layer_params_are<KerasCifar10Cnn, cifar10_input>(
    std::array<std::size_t, 6>{896, 9'248, 18'496, 36'928, 1'180'160, 5'130}));
static_assert(layer_shapes_v<KerasCifar10Cnn, cifar10_input>[4] == shape{32, 30, 30});
static_assert(layer_shapes_v<KerasCifar10Cnn, cifar10_input>[11] == shape{64, 6, 6});
static_assert(layer_shapes_v<KerasCifar10Cnn, cifar10_input>[13] == shape{2304});

// S4 LeNet as coded (60,170) and classic LeNet-5 (61,706).
static_assert(param_count_v<LeNetTfMxnet, mnist_input> == 60'170);
static_assert(layer_params_are<LeNetTfMxnet, mnist_input>(std::array<std::size_t, 5>{156, 880, 48'120, 10'164, 850}));
static_assert(layer_shapes_v<LeNetTfMxnet, mnist_input>[7] == shape{400});
static_assert(param_count_v<LeNet5, mnist_input> == 61'706);
static_assert(layer_params_are<LeNet5, mnist_input>(std::array<std::size_t, 5>{156, 2'416, 48'120, 10'164, 850}));
static_assert(layer_shapes_v<LeNet5, mnist_input>[2] == shape{6, 28, 28});

// S5 cats vs dogs: 224 -> 222 -> 111 -> 109 -> 54 -> 52 -> 26, head Dense 128 -> Dense 2 (or 1).
static_assert(layer_shapes_v<CatsVsDogsCnn, cats_vs_dogs_input>[1] == shape{32, 222, 222});
static_assert(layer_shapes_v<CatsVsDogsCnn, cats_vs_dogs_input>[3] == shape{32, 111, 111});
static_assert(layer_shapes_v<CatsVsDogsCnn, cats_vs_dogs_input>[4] == shape{64, 109, 109});
static_assert(layer_shapes_v<CatsVsDogsCnn, cats_vs_dogs_input>[6] == shape{64, 54, 54});
static_assert(layer_shapes_v<CatsVsDogsCnn, cats_vs_dogs_input>[7] == shape{128, 52, 52});
static_assert(layer_shapes_v<CatsVsDogsCnn, cats_vs_dogs_input>[9] == shape{128, 26, 26});
static_assert(layer_shapes_v<CatsVsDogsCnn, cats_vs_dogs_input>[10] == shape{86'528});
static_assert(param_count_v<CatsVsDogsCnn, cats_vs_dogs_input> == 896 + 18'496 + 73'856 + 11'075'712 + 258);
static_assert(param_count_v<CatsVsDogsCnn, cats_vs_dogs_input> == 11'169'218);
static_assert(param_count_v<CatsVsDogsCnnBinary, cats_vs_dogs_input> == 11'169'089);
static_assert(layer_count_v<CatsVsDogsCnn, cats_vs_dogs_input> == 13);  // the nested block is flattened

// ResNet-18 for CIFAR-10 (kuangliu/pytorch-cifar): 11,173,962 = stem 1,728 + 128, stages 147,968 +
// 525,568 + 2,099,712 + 8,393,728, head 5,130; 9,600 running statistics (= 2 * BatchNorm channels).
static_assert(param_count_v<ResNet18Cifar, cifar10_input> == 11'173'962);
static_assert(state_count_v<ResNet18Cifar, cifar10_input> == 9'600);
static_assert(param_count_v<ResNet18Cifar, cifar10_input> ==
              1'728 + 128 + 147'968 + 525'568 + 2'099'712 + 8'393'728 + 5'130);
// stage 1, 64 filters at 32x32: two blocks of 2 * (64*64*9 + 2*64), identity shortcuts
static_assert(param_count_v<ResNet18CifarStage1, shape{64, 32, 32}> == 2 * 2 * (36'864 + 128));
// stage 2: 128*64*9 + 256 + 128*128*9 + 256 + projection 128*64 + 256, then 2 * (128*128*9 + 256)
static_assert(param_count_v<ResNet18CifarStage2, shape{64, 32, 32}> == 73'728 + 147'456 + 8'192 + 3 * 256 + 2 * (147'456 + 256));
static_assert(param_count_v<ResNet18CifarStage3, shape{128, 16, 16}> == 2'099'712);
static_assert(param_count_v<ResNet18CifarStage4, shape{256, 8, 8}> == 8'393'728);
static_assert(output_shape_v<ResNet18CifarStage1, shape{64, 32, 32}> == shape{64, 32, 32});
static_assert(output_shape_v<ResNet18CifarStage2, shape{64, 32, 32}> == shape{128, 16, 16});
static_assert(output_shape_v<ResNet18CifarStage3, shape{128, 16, 16}> == shape{256, 8, 8});
static_assert(output_shape_v<ResNet18CifarStage4, shape{256, 8, 8}> == shape{512, 4, 4});
static_assert(output_shape_v<ResNet18Cifar, cifar10_input> == shape{10});
// stem (Conv, BatchNorm, ReLU), 8 x (Residual, ReLU), GlobalAvgPool, Dense
static_assert(layer_count_v<ResNet18Cifar, cifar10_input> == 21);
static_assert(layer_params_are<ResNet18Cifar, cifar10_input>(std::array<std::size_t, 11>{
    1'728, 128, 73'984, 73'984, 230'144, 295'424, 919'040, 1'180'672, 3'673'088, 4'720'640, 5'130}));
static_assert(layer_shapes_v<ResNet18Cifar, cifar10_input>[20] == shape{512});  // after GlobalAvgPool
// the first block of stage 2 has a projection shortcut, the second the identity
using Stage2Block1 = at_t_of<bound_layers_t<ResNet18Cifar, cifar10_input>, 7>;
static_assert(!Stage2Block1::layer::identity_shortcut && Stage2Block1::in == shape{64, 32, 32});
static_assert(Stage2Block1::layer::shortcut_param_offsets<Stage2Block1::in> ==
              std::array<std::size_t, 3>{221'696, 221'696 + 8'192, 230'144});
static_assert(at_t_of<bound_layers_t<ResNet18Cifar, cifar10_input>, 9>::layer::identity_shortcut);

TEST_CASE("published models: parameter counts and shapes hold at compile time", "[static][models]") {
  STATIC_REQUIRE(param_count_v<FashionMnistCnn, fashion_mnist_input> == 65'570);
  STATIC_REQUIRE(param_count_v<Cifar10VggRosetta, cifar10_input> == 3'441'592);
  STATIC_REQUIRE(param_count_v<KerasCifar10Cnn, cifar10_input> == 1'250'858);
  STATIC_REQUIRE(param_count_v<LeNetTfMxnet, mnist_input> == 60'170);
  STATIC_REQUIRE(param_count_v<LeNet5, mnist_input> == 61'706);
  STATIC_REQUIRE(param_count_v<CatsVsDogsCnn, cats_vs_dogs_input> == 11'169'218);
  STATIC_REQUIRE(param_count_v<ResNet18Cifar, cifar10_input> == 11'173'962);
}
