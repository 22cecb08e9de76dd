// cnnbench/layers/activation.hpp: element-wise activations and Softmax.
// All keep the shape: {C, H, W} -> {C, H, W}, have no parameters, and accept any shape.
// FLOPs: one per element for ReLU/Sigmoid/Tanh (a transcendental function counted as one
// operation, as ptflops and fvcore do); three per element for Softmax (exp, sum, divide).
#pragma once
#include "../layer.hpp"

namespace cnnbench {

/// ReLU: y = max(x, 0). Gradient at x = 0 is 0 (PyTorch and TensorFlow agree).
struct ReLU : detail::elementwise_layer<1> {
  static constexpr std::string_view name = "ReLU";
  static constexpr std::string_view key = "relu";
};

/// Sigmoid: y = 1 / (1 + exp(-x)).
struct Sigmoid : detail::elementwise_layer<1> {
  static constexpr std::string_view name = "Sigmoid";
  static constexpr std::string_view key = "sigmoid";
};

/// Tanh: y = tanh(x).
struct Tanh : detail::elementwise_layer<1> {
  static constexpr std::string_view name = "Tanh";
  static constexpr std::string_view key = "tanh";
};

/// Softmax over the channel axis at each (h, w) position: y_c = exp(x_c) / sum_k exp(x_k)
/// (PyTorch nn.Softmax(dim=1) on NCHW; Keras Softmax(axis=-1) on NHWC). For a flat {n,1,1}
/// input this is the usual softmax over n classes. Do not end a model that is trained with
/// softmax_cross_entropy with Softmax: that loss takes logits and applies softmax itself.
struct Softmax : detail::elementwise_layer<3> {
  static constexpr std::string_view name = "Softmax";
  static constexpr std::string_view key = "softmax";
};

}  // namespace cnnbench
