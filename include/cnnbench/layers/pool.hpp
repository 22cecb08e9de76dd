// cnnbench/layers/pool.hpp: MaxPool and AvgPool (valid windows, floor mode), and GlobalAvgPool.
#pragma once
#include "../layer.hpp"

namespace cnnbench {
namespace detail {
/// What MaxPool and AvgPool share: the window arithmetic and the compile-time checks (one
/// definition; the messages name the layer, Max selects which).
template <std::size_t K, std::size_t S, bool Max>
struct pool_base {
  static constexpr std::size_t window = K;
  static constexpr std::size_t stride = S;
  static constexpr bool hyper_ok = K >= 1 && S >= 1;
  template <shape In>
  static constexpr bool fits = K <= In.h && K <= In.w;
  template <shape In>
  static constexpr bool accepts = hyper_ok && fits<In>;
  template <shape In>
  static constexpr shape output_shape{In.c, window_out(In.h, K, S), window_out(In.w, K, S)};
  template <shape In>
  static constexpr std::size_t param_count = 0;
  /// One FLOP (compare or add) per window element per output.
  template <shape In>
  static constexpr std::size_t flops = K * K * output_shape<In>.size();
  template <shape In>
  static consteval void validate() {
    if constexpr (Max) {
      static_assert(hyper_ok, "cnnbench: MaxPool: window and stride must be at least 1");
      static_assert(!hyper_ok || fits<In>,
                    "cnnbench: MaxPool: pooling window larger than its input (K > H or K > W of In): the output would be empty");
    } else {
      static_assert(hyper_ok, "cnnbench: AvgPool: window and stride must be at least 1");
      static_assert(!hyper_ok || fits<In>,
                    "cnnbench: AvgPool: pooling window larger than its input (K > H or K > W of In): the output would be empty");
    }
  }
};
}  // namespace detail

/// MaxPool<K, Stride = K>: maximum over K x K windows, no padding, floor mode
/// (Keras MaxPooling2D(K, Stride), PyTorch MaxPool2d(K, Stride), ceil_mode=False).
/// Shape:    {C, H, W} -> {C, (H - K) / Stride + 1, (W - K) / Stride + 1}
/// Params:   0
/// FLOPs:    K^2 comparisons per output element
/// Requires: K, Stride >= 1; K <= H and K <= W (static_assert "cnnbench: MaxPool: ...").
/// Gradient: flows to the first maximum of each window in row-major order (as PyTorch does).
template <std::size_t K, std::size_t Stride = K>
struct MaxPool : detail::pool_base<K, Stride, true> {
  static constexpr std::string_view name = "MaxPool";
  static constexpr std::string_view key = "max_pool";
};

/// AvgPool<K, Stride = K>: mean over K x K windows, no padding, floor mode
/// (Keras AveragePooling2D(K, Stride), PyTorch AvgPool2d(K, Stride)).
/// Shape:    {C, H, W} -> {C, (H - K) / Stride + 1, (W - K) / Stride + 1}
/// Params:   0
/// FLOPs:    K^2 additions per output element
/// Requires: K, Stride >= 1; K <= H and K <= W (static_assert "cnnbench: AvgPool: ...").
template <std::size_t K, std::size_t Stride = K>
struct AvgPool : detail::pool_base<K, Stride, false> {
  static constexpr std::string_view name = "AvgPool";
  static constexpr std::string_view key = "avg_pool";
};

/// GlobalAvgPool: mean over H and W (Keras GlobalAveragePooling2D, PyTorch AdaptiveAvgPool2d(1) + flatten).
/// Shape:    {C, H, W} -> {C, 1, 1}
/// Params:   0
/// FLOPs:    C * H * W additions
struct GlobalAvgPool {
  static constexpr std::string_view name = "GlobalAvgPool";
  static constexpr std::string_view key = "global_avg_pool";
  template <shape In>
  static constexpr bool accepts = true;
  template <shape In>
  static constexpr shape output_shape{In.c, 1, 1};
  template <shape In>
  static constexpr std::size_t param_count = 0;
  template <shape In>
  static constexpr std::size_t flops = In.size();
};

}  // namespace cnnbench
