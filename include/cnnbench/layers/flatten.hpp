// cnnbench/layers/flatten.hpp
#pragma once
#include "../layer.hpp"

namespace cnnbench {

/// Flatten: reshapes one sample to a feature vector in C, H, W order (row-major NCHW), as
/// PyTorch's nn.Flatten does. (Keras flattens NHWC in H, W, C order: weights of a following
/// Dense trained in Keras channels_last must be permuted to be used here.)
/// Shape:    {C, H, W} -> {C * H * W, 1, 1}
/// Params:   0
/// FLOPs:    0
struct Flatten {
  static constexpr std::string_view name = "Flatten";
  static constexpr std::string_view key = "flatten";
  template <shape In>
  static constexpr bool accepts = true;
  template <shape In>
  static constexpr shape output_shape{In.size(), 1, 1};
  template <shape In>
  static constexpr std::size_t param_count = 0;
  template <shape In>
  static constexpr std::size_t flops = 0;
};

}  // namespace cnnbench
