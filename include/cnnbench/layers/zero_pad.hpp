// cnnbench/layers/zero_pad.hpp
#pragma once
#include "../layer.hpp"

namespace cnnbench {

/// ZeroPad<P>: pads H and W with P zeros on every side (Keras ZeroPadding2D(P), PyTorch ZeroPad2d(P)).
/// Shape:    {C, H, W} -> {C, H + 2P, W + 2P}
/// Params:   0
/// FLOPs:    0
/// Requires: nothing (P = 0 is the identity).
/// Asymmetric padding (top != bottom) is not offered yet; Conv<..., same> covers the common case.
template <std::size_t P>
struct ZeroPad {
  static constexpr std::string_view name = "ZeroPad";
  static constexpr std::string_view key = "zero_pad";
  static constexpr std::size_t pad = P;

  template <shape In>
  static constexpr bool accepts = true;
  template <shape In>
  static constexpr shape output_shape{In.c, In.h + 2 * P, In.w + 2 * P};
  template <shape In>
  static constexpr std::size_t param_count = 0;
  template <shape In>
  static constexpr std::size_t flops = 0;
};

}  // namespace cnnbench
