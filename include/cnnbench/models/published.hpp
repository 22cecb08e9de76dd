// cnnbench/models/published.hpp: every model of the public framework comparisons cnnbench
// reproduces, written once as types. Layout NCHW; parameter counts are PyTorch/Keras counts
// (weights + biases) and are static_asserted below and in tests/static/.
//
// Each model comes with its input shape, `<Model>_input` style constants in namespace models,
// and ends in logits (no Softmax): the losses of cnnbench take logits, which avoids the
// double-softmax defect one of the write-ups had (the S3 write-up's "tensorflow" row).
#pragma once
#include <cstddef>
#include <type_traits>

#include "../model.hpp"

namespace cnnbench::models {

// ---- S1. Fashion-MNIST CNN, "Comparison Flux, Pytorch and Tensorflow 2.0" -------------------
/// [ZeroPad 1 -> Conv 3x3 -> ReLU -> MaxPool 2] x 3 with 16, 32, 64 filters (28 -> 14 -> 7 -> 3),
/// Flatten 576 -> Dense 72 -> ReLU -> Dense 10. 65,570 parameters; per layer 160, 4,640, 18,496,
/// 41,544, 730 (the Keras summary of the write-up). Input 1x28x28.
/// (The write-up's PyTorch code applied ReLU to the logits too; that defect is not reproduced.)
using FashionMnistCnn = Sequential<                    //
    ZeroPad<1>, Conv<16, 3>, ReLU, MaxPool<2>,         //
    ZeroPad<1>, Conv<32, 3>, ReLU, MaxPool<2>,         //
    ZeroPad<1>, Conv<64, 3>, ReLU, MaxPool<2>,         //
    Flatten, Dense<72>, ReLU, Dense<10>>;
inline constexpr shape fashion_mnist_input{1, 28, 28};

// ---- S2. VGG-style CNN on CIFAR-10, the "Rosetta Stone" of frameworks --------------------------
/// Conv 50 same -> ReLU -> Conv 50 same -> ReLU -> MaxPool 2 -> Dropout .25 -> Conv 100 same -> ReLU ->
/// Conv 100 same -> ReLU -> MaxPool 2 -> Dropout .25 -> Flatten 6400 -> Dense 512 -> ReLU -> Dropout .5 ->
/// Dense 10. 3,441,592 parameters; per layer 1,400, 22,550, 45,100, 90,100, 3,277,312, 5,130.
/// Input 3x32x32.
using Cifar10VggRosetta = Sequential<                                          //
    Conv<50, 3, 1, same>, ReLU, Conv<50, 3, 1, same>, ReLU, MaxPool<2>, Dropout<0.25>,    //
    Conv<100, 3, 1, same>, ReLU, Conv<100, 3, 1, same>, ReLU, MaxPool<2>, Dropout<0.25>,  //
    Flatten, Dense<512>, ReLU, Dropout<0.5>, Dense<10>>;
inline constexpr shape cifar10_input{3, 32, 32};

// ---- S3. Keras' cifar10_cnn example, "compare different nn lib" ------------------------------
/// Conv 32 same -> ReLU -> Conv 32 valid -> ReLU -> MaxPool 2 -> Dropout .25 -> Conv 64 same -> ReLU ->
/// Conv 64 valid -> ReLU -> MaxPool 2 -> Dropout .25 -> Flatten 2304 -> Dense 512 -> ReLU -> Dense 10.
/// 1,250,858 parameters; per layer 896, 9,248, 18,496, 36,928, 1,180,160, 5,130 (the Keras summary of
/// the write-up, which has no dropout after Dense 512). Input 3x32x32.
using KerasCifar10Cnn = Sequential<                                                 //
    Conv<32, 3, 1, same>, ReLU, Conv<32, 3>, ReLU, MaxPool<2>, Dropout<0.25>,  //
    Conv<64, 3, 1, same>, ReLU, Conv<64, 3>, ReLU, MaxPool<2>, Dropout<0.25>,  //
    Flatten, Dense<512>, ReLU, Dense<10>>;

// ---- S4. LeNet on MNIST, "Tensorflow-VS-MXNet-Benchmark" ------------------------------------
/// LeNet as coded in the write-up: Conv 6 5x5 -> ReLU -> AvgPool 2 -> Conv 16 3x3 -> ReLU -> AvgPool 2 ->
/// Flatten 400 -> Dense 120 -> ReLU -> Dense 84 -> ReLU -> Dense 10. 60,170 parameters. Input 1x28x28.
using LeNetTfMxnet = Sequential<                      //
    Conv<6, 5>, ReLU, AvgPool<2>,                     //
    Conv<16, 3>, ReLU, AvgPool<2>,                    //
    Flatten, Dense<120>, ReLU, Dense<84>, ReLU, Dense<10>>;
inline constexpr shape mnist_input{1, 28, 28};

/// Classic LeNet-5 as in "Dive into Deep Learning" §7.6 (the Gluon guide the write-up cites):
/// Conv 6 5x5 pad 2 -> Sigmoid -> AvgPool 2 -> Conv 16 5x5 -> Sigmoid -> AvgPool 2 -> Flatten 400 ->
/// Dense 120 -> Sigmoid -> Dense 84 -> Sigmoid -> Dense 10. 61,706 parameters. Input 1x28x28.
using LeNet5 = Sequential<                            //
    ZeroPad<2>, Conv<6, 5>, Sigmoid, AvgPool<2>,      //
    Conv<16, 5>, Sigmoid, AvgPool<2>,                 //
    Flatten, Dense<120>, Sigmoid, Dense<84>, Sigmoid, Dense<10>>;

// ---- S5. Cats vs dogs at 224x224, "Pytorch vs TensorFlow" -----------------------------------
/// The three conv blocks of the write-up (32 / 64 / 128 filters, 3x3, stride 1, no padding, ReLU,
/// MaxPool 2: 224 -> 222 -> 111 -> 109 -> 54 -> 52 -> 26). The head is unstated in the write-up; ours
/// is the common one of the Keras and PyTorch tutorials it follows: Flatten 86,528 -> Dense 128 ->
/// ReLU -> Dense 2 (two logits, softmax cross-entropy). 11,169,218 parameters. Input 3x224x224.
using CatsVsDogsConvBlocks = Sequential<                  //
    Conv<32, 3>, ReLU, MaxPool<2>,                        //
    Conv<64, 3>, ReLU, MaxPool<2>,                        //
    Conv<128, 3>, ReLU, MaxPool<2>>;
using CatsVsDogsCnn = Sequential<CatsVsDogsConvBlocks, Flatten, Dense<128>, ReLU, Dense<2>>;
/// The same with a single-logit head (Dense 1, for binary cross-entropy with logits, i.e. Keras'
/// Dense(1, sigmoid) + binary_crossentropy). 11,169,089 parameters.
using CatsVsDogsCnnBinary = Sequential<CatsVsDogsConvBlocks, Flatten, Dense<128>, ReLU, Dense<1>>;
inline constexpr shape cats_vs_dogs_input{3, 224, 224};

// ---- ResNet-18 for CIFAR-10 (kuangliu/pytorch-cifar, models/resnet.py) -------------------------
/// A basic block (He et al. 2016): Conv 3x3 stride S -> BatchNorm -> ReLU -> Conv 3x3 -> BatchNorm, plus
/// the shortcut, then ReLU. Convolutions have no bias (the BatchNorm shifts). The shortcut is the
/// identity, or, where the stride is not 1 or the channels change (Project), a 1x1 Conv stride S
/// (no bias) + BatchNorm. PyTorch pads every 3x3 conv by 1 on each side: `same` for stride 1, and
/// ZeroPad<1> + valid for stride 2 (there `same` would pad (0, 1), as TensorFlow does: the same shapes,
/// another computation).
template <std::size_t Filters, std::size_t Stride, bool Project>
using ResNetBasicBlock = Sequential<
    Residual<std::conditional_t<Stride == 1, Conv<Filters, 3, 1, same, no_bias>,
                                Sequential<ZeroPad<1>, Conv<Filters, 3, Stride, valid, no_bias>>>,
             BatchNorm<>, ReLU, Conv<Filters, 3, 1, same, no_bias>, BatchNorm<>,
             std::conditional_t<Project, Shortcut<Conv<Filters, 1, Stride, valid, no_bias>, BatchNorm<>>, Shortcut<>>>,
    ReLU>;
/// ResNet-18 as trained on CIFAR-10 in kuangliu/pytorch-cifar: stem Conv 64 3x3 pad 1 (no bias) ->
/// BatchNorm -> ReLU (no max-pool); 4 stages of 2 basic blocks, 64 / 128 / 256 / 512 filters, strides
/// 1 / 2 / 2 / 2 (32 -> 32 -> 16 -> 8 -> 4), a projection shortcut in the first block of stages 2-4;
/// GlobalAvgPool 512 -> Dense 10. 11,173,962 parameters (PyTorch's sum of numel()), 9,600 BatchNorm
/// running statistics. Input 3x32x32. Each block is one Residual leaf layer (plus its ReLU).
using ResNet18CifarStage1 = Sequential<ResNetBasicBlock<64, 1, false>, ResNetBasicBlock<64, 1, false>>;
using ResNet18CifarStage2 = Sequential<ResNetBasicBlock<128, 2, true>, ResNetBasicBlock<128, 1, false>>;
using ResNet18CifarStage3 = Sequential<ResNetBasicBlock<256, 2, true>, ResNetBasicBlock<256, 1, false>>;
using ResNet18CifarStage4 = Sequential<ResNetBasicBlock<512, 2, true>, ResNetBasicBlock<512, 1, false>>;
using ResNet18Cifar = Sequential<                      //
    Conv<64, 3, 1, same, no_bias>, BatchNorm<>, ReLU,  //
    ResNet18CifarStage1, ResNet18CifarStage2, ResNet18CifarStage3, ResNet18CifarStage4,  //
    GlobalAvgPool, Dense<10>>;

}  // namespace cnnbench::models

namespace cnnbench::models {
/// A published model bundled with its input shape and id: what a protocol names (one entity, not a
/// type here and a constant there). net: the model type; input: {C, H, W}; id: as in the README's table.
template <class Net, shape In>
struct model_bundle {
  using net = Net;
  static constexpr shape input = In;
  static constexpr std::size_t param_count = param_count_v<Net, In>;
};
using s1 = model_bundle<FashionMnistCnn, fashion_mnist_input>;          ///< Fashion-MNIST CNN, 1x28x28
using s2 = model_bundle<Cifar10VggRosetta, cifar10_input>;               ///< CIFAR-10 VGG ("Rosetta Stone"), 3x32x32
using s3 = model_bundle<KerasCifar10Cnn, cifar10_input>;                 ///< Keras cifar10_cnn, 3x32x32
using s4 = model_bundle<LeNetTfMxnet, mnist_input>;                      ///< LeNet as coded in TF-vs-MXNet, 1x28x28
using s4_classic = model_bundle<LeNet5, mnist_input>;                    ///< LeNet-5 (d2l), 1x28x28
using s5 = model_bundle<CatsVsDogsCnn, cats_vs_dogs_input>;              ///< cats vs dogs, 2 logits, 3x224x224
using s5_binary = model_bundle<CatsVsDogsCnnBinary, cats_vs_dogs_input>; ///< cats vs dogs, 1 logit, 3x224x224
using resnet18_cifar = model_bundle<ResNet18Cifar, cifar10_input>;       ///< ResNet-18 for CIFAR-10, 3x32x32

// The published totals, proven by the compiler wherever this header is included.
static_assert(param_count_v<FashionMnistCnn, fashion_mnist_input> == 65'570);
static_assert(param_count_v<Cifar10VggRosetta, cifar10_input> == 3'441'592);
static_assert(param_count_v<KerasCifar10Cnn, cifar10_input> == 1'250'858);
static_assert(param_count_v<LeNetTfMxnet, mnist_input> == 60'170);
static_assert(param_count_v<LeNet5, mnist_input> == 61'706);
static_assert(param_count_v<CatsVsDogsCnn, cats_vs_dogs_input> == 11'169'218);
static_assert(param_count_v<CatsVsDogsCnnBinary, cats_vs_dogs_input> == 11'169'089);
static_assert(param_count_v<ResNet18Cifar, cifar10_input> == 11'173'962);
static_assert(state_count_v<ResNet18Cifar, cifar10_input> == 9'600);
}  // namespace cnnbench::models
