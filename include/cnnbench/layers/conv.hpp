// cnnbench/layers/conv.hpp
#pragma once
#include "../layer.hpp"

namespace cnnbench {

/// Conv<Filters, Kernel, Stride = 1, Padding = valid, Bias = with_bias>: 2-D cross-correlation with a
/// square Kernel x Kernel window, square Stride, and a bias per filter unless Bias is no_bias
/// (Keras Conv2D(use_bias=...), PyTorch Conv2d(bias=...)).
/// Shape:    valid: {C, H, W} -> {Filters, (H - Kernel) / Stride + 1, (W - Kernel) / Stride + 1}
///           same:  {C, H, W} -> {Filters, ceil(H / Stride), ceil(W / Stride)}, zero padding split
///                  as TensorFlow does (see `padding` in shape.hpp)
/// Params:   weight Filters*C*Kernel*Kernel (OIHW) + bias Filters; no_bias: the weight only
///           (tensors "weight", "bias"; no_bias has no "bias" tensor)
/// FLOPs:    2 * Filters * C * Kernel^2 * H_out * W_out per sample, with or without bias (bias adds
///           are not counted)
/// Requires: Filters, Kernel, Stride >= 1; valid: Kernel <= H and Kernel <= W
///           (static_assert "cnnbench: Conv: ...").
/// Rectangular kernels and strides, dilation and groups are not offered yet.
template <std::size_t Filters, std::size_t Kernel, std::size_t Stride = 1, padding Padding = padding::valid,
          bias Bias = bias::with_bias>
struct Conv {
  static constexpr std::string_view name = "Conv";
  static constexpr std::string_view key = "conv";
  static constexpr std::size_t filters = Filters;
  static constexpr std::size_t kernel = Kernel;
  static constexpr std::size_t stride = Stride;
  static constexpr padding pad_mode = Padding;
  static constexpr bias bias_mode = Bias;
  static constexpr bool has_bias = Bias == bias::with_bias;

  static constexpr bool hyper_ok = Filters >= 1 && Kernel >= 1 && Stride >= 1;
  template <shape In>
  static constexpr bool fits = Padding == padding::same || (Kernel <= In.h && Kernel <= In.w);
  template <shape In>
  static constexpr bool accepts = hyper_ok && fits<In>;

  template <shape In>
  static consteval void validate() {
    static_assert(Filters >= 1, "cnnbench: Conv: Filters must be at least 1 (zero filters)");
    static_assert(Kernel >= 1, "cnnbench: Conv: Kernel must be at least 1");
    static_assert(Stride >= 1, "cnnbench: Conv: Stride must be at least 1");
    static_assert(fits<In>, "cnnbench: Conv: kernel larger than its input (Kernel > H or Kernel > W of In; "
                            "pad the input with ZeroPad or use padding 'same')");
  }

  /// Zero padding before (top/left) and after (bottom/right), per axis; 0 for valid.
  template <shape In>
  static constexpr std::size_t pad_top = Padding == padding::same ? detail::same_pad_total(In.h, Kernel, Stride) / 2 : 0;
  template <shape In>
  static constexpr std::size_t pad_left = Padding == padding::same ? detail::same_pad_total(In.w, Kernel, Stride) / 2 : 0;
  template <shape In>
  static constexpr std::size_t pad_bottom =
      Padding == padding::same ? detail::same_pad_total(In.h, Kernel, Stride) - pad_top<In> : 0;
  template <shape In>
  static constexpr std::size_t pad_right =
      Padding == padding::same ? detail::same_pad_total(In.w, Kernel, Stride) - pad_left<In> : 0;

  template <shape In>
  static constexpr shape output_shape =
      Padding == padding::same
          ? shape{Filters, detail::same_out(In.h, Stride), detail::same_out(In.w, Stride)}
          : shape{Filters, detail::window_out(In.h, Kernel, Stride), detail::window_out(In.w, Kernel, Stride)};

  template <shape In>
  static constexpr auto params = detail::weight_and_bias<has_bias>(
      tensor_spec{"weight", param_role::weight, {Filters, In.c, Kernel, Kernel}, 4, In.c * Kernel * Kernel,
                  Filters * Kernel * Kernel},
      Filters);
  template <shape In>
  static constexpr std::size_t param_count = Filters * In.c * Kernel * Kernel + (has_bias ? Filters : 0);
  template <shape In>
  static constexpr std::size_t flops =
      2 * Filters * In.c * Kernel * Kernel * output_shape<In>.h * output_shape<In>.w;
};

}  // namespace cnnbench
