// cnnbench/layers/dense.hpp
#pragma once
#include "../layer.hpp"

namespace cnnbench {

/// Dense<Units, Bias = with_bias>: fully connected, y = W x + b, or y = W x with no_bias (Keras
/// Dense(use_bias=...), PyTorch Linear(bias=...)). No activation:
/// add ReLU etc. as a separate layer. The last Dense of a classifier produces logits.
/// Shape:    {In, 1, 1} -> {Units, 1, 1}
/// Params:   weight Units*In ([out, in], PyTorch's layout) + bias Units; no_bias: the weight only
/// FLOPs:    2 * In * Units per sample, with or without bias (bias adds are not counted)
/// Requires: Units >= 1; a flat input (H == W == 1), i.e. put Flatten before Dense
///           (static_assert "cnnbench: Dense: ...").
template <std::size_t Units, bias Bias = bias::with_bias>
struct Dense {
  static constexpr std::string_view name = "Dense";
  static constexpr std::string_view key = "dense";
  static constexpr std::size_t units = Units;
  static constexpr bias bias_mode = Bias;
  static constexpr bool has_bias = Bias == bias::with_bias;

  template <shape In>
  static constexpr bool accepts = Units >= 1 && In.flat();
  template <shape In>
  static consteval void validate() {
    static_assert(Units >= 1, "cnnbench: Dense: Units must be at least 1 (zero units)");
    static_assert(In.flat(), "cnnbench: Dense: input is not flat (H or W of In is not 1); insert Flatten before Dense");
  }
  template <shape In>
  static constexpr shape output_shape{Units, 1, 1};
  template <shape In>
  static constexpr auto params = detail::weight_and_bias<has_bias>(
      tensor_spec{"weight", param_role::weight, {Units, In.c, 0, 0}, 2, In.c, Units}, Units);
  template <shape In>
  static constexpr std::size_t param_count = Units * In.c + (has_bias ? Units : 0);
  template <shape In>
  static constexpr std::size_t flops = 2 * In.c * Units;
};

}  // namespace cnnbench
