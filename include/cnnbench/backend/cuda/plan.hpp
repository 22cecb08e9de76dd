// cnnbench/backend/cuda/plan.hpp: how each convolution and pooling layer maps onto cuDNN and the
// policy's own kernels -- pure compile-time arithmetic on the layer's hyper-parameters and input
// shape, no CUDA call, so that tests/gpu/cuda_host.cpp checks it on any machine.
//
// CONVOLUTION. cuDNN pads symmetrically (one pad_h for top and bottom, one pad_w for left and
// right). Conv<..., same> follows TensorFlow: total padding max((out - 1) * S + K - in, 0) with
// floor(total / 2) before and the rest after, so top != bottom whenever the total is odd (every even
// kernel at stride 1, and odd kernels at some strides and sizes: K = 3, S = 2 on 32 pixels pads 0
// before and 1 after). Such a layer gets an explicit zero-padding step (kernel cnb_pad2d) into a
// {C, H + top + bottom, W + left + right} buffer, then an unpadded cuDNN convolution; its input
// gradient is that of the padded buffer cropped back (cnb_crop2d). Symmetric padding (valid, and
// "same" with an even total) is handed to cuDNN directly.
//
// POOLING. MaxPool, AvgPool and GlobalAvgPool run on the policy's kernels, not cuDNN: cuDNN does not
// document which element of a window with several equal maxima receives the gradient
// (CUDNN_POOLING_MAX_DETERMINISTIC promises determinism, not the first maximum), while PyTorch and
// eigen_cpu give it to the FIRST maximum in row-major order. The forward pass records that index;
// the backward pass gathers, for each input element, the gradients of the windows that chose it
// (no atomics: deterministic also for overlapping windows, S < K). The plan records the output
// size, whether windows overlap, how many windows can cover one input, and the uncovered margin
// (floor mode: rows and columns past the last window get zero gradient).
#pragma once
#include <cstddef>

#include "../../layers.hpp"
#include "../../shape.hpp"

namespace cnnbench::backend::cuda {

/// How one Conv layer runs (all sizes per sample).
struct conv_plan {
  // the layer
  std::size_t channels = 0, height = 0, width = 0;  ///< input {C, H, W}
  std::size_t filters = 0, kernel = 0, stride = 1;
  std::size_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;  ///< the layer's padding
  std::size_t out_h = 0, out_w = 0;                                      ///< the layer's output extent
  // how it runs
  bool explicit_padding = false;  ///< uneven padding: cnb_pad2d first, cuDNN without padding
  std::size_t padded_h = 0, padded_w = 0;        ///< the input cuDNN reads (= height, width without explicit padding)
  std::size_t cudnn_pad_h = 0, cudnn_pad_w = 0;  ///< symmetric padding given to cuDNN

  /// Output extent of the cuDNN convolution as configured (cuDNN's formula with dilation 1).
  constexpr std::size_t cudnn_out_h() const noexcept { return (padded_h + 2 * cudnn_pad_h - kernel) / stride + 1; }
  constexpr std::size_t cudnn_out_w() const noexcept { return (padded_w + 2 * cudnn_pad_w - kernel) / stride + 1; }
  /// True when what cuDNN computes has the layer's output shape.
  constexpr bool consistent() const noexcept {
    return padded_h + 2 * cudnn_pad_h >= kernel && padded_w + 2 * cudnn_pad_w >= kernel && cudnn_out_h() == out_h &&
           cudnn_out_w() == out_w;
  }
  /// Floats of the explicitly padded input per sample (0 without explicit padding).
  constexpr std::size_t padded_size() const noexcept { return explicit_padding ? channels * padded_h * padded_w : 0; }
};

/// The plan of a convolution of `filters` K x K filters, stride S, on input `in`, with the given padding.
constexpr conv_plan make_conv_plan(shape in, std::size_t filters, std::size_t kernel, std::size_t stride, std::size_t pad_top,
                                   std::size_t pad_bottom, std::size_t pad_left, std::size_t pad_right) noexcept {
  conv_plan p;
  p.channels = in.c;
  p.height = in.h;
  p.width = in.w;
  p.filters = filters;
  p.kernel = kernel;
  p.stride = stride;
  p.pad_top = pad_top;
  p.pad_bottom = pad_bottom;
  p.pad_left = pad_left;
  p.pad_right = pad_right;
  const std::size_t h = in.h + pad_top + pad_bottom, w = in.w + pad_left + pad_right;
  p.out_h = h >= kernel && stride > 0 ? (h - kernel) / stride + 1 : 0;
  p.out_w = w >= kernel && stride > 0 ? (w - kernel) / stride + 1 : 0;
  p.explicit_padding = pad_top != pad_bottom || pad_left != pad_right;
  if (p.explicit_padding) {
    p.padded_h = h;
    p.padded_w = w;
  } else {
    p.padded_h = in.h;
    p.padded_w = in.w;
    p.cudnn_pad_h = pad_top;
    p.cudnn_pad_w = pad_left;
  }
  return p;
}

/// The plan of layer Conv<F, K, S, Pad> on input In.
template <class L, shape In>
inline constexpr conv_plan conv_plan_of =
    make_conv_plan(In, L::filters, L::kernel, L::stride, L::template pad_top<In>, L::template pad_bottom<In>,
                   L::template pad_left<In>, L::template pad_right<In>);

/// The pooling layers' kinds.
enum class pool_kind { max, average, global_average };

/// How one pooling layer runs (policy kernels, see the banner).
struct pool_plan {
  pool_kind kind = pool_kind::max;
  std::size_t channels = 0, height = 0, width = 0;  ///< input {C, H, W}
  std::size_t window = 0, stride = 1;               ///< global_average: the whole H x W plane
  std::size_t out_h = 0, out_w = 0;
  bool overlapping = false;                     ///< windows share inputs (stride < window)
  std::size_t max_windows_per_input = 0;        ///< most windows one input element can belong to
  std::size_t uncovered_rows = 0, uncovered_cols = 0;  ///< bottom rows / right columns in no window
  bool records_argmax = false;                  ///< forward (training) stores the first maximum's index
};

/// Windows of size k, stride s, along an axis of n outputs: at most this many contain one input.
constexpr std::size_t windows_per_input(std::size_t k, std::size_t s, std::size_t outputs) noexcept {
  const std::size_t w = (k + s - 1) / s;
  return w < outputs ? w : outputs;
}

constexpr pool_plan make_pool_plan(pool_kind kind, shape in, std::size_t window, std::size_t stride) noexcept {
  pool_plan p;
  p.kind = kind;
  p.channels = in.c;
  p.height = in.h;
  p.width = in.w;
  if (kind == pool_kind::global_average) {
    window = in.h > in.w ? in.h : in.w;
    p.window = window;
    p.stride = 1;
    p.out_h = p.out_w = 1;
    p.max_windows_per_input = 1;
    return p;
  }
  p.window = window;
  p.stride = stride;
  p.out_h = cnnbench::detail::window_out(in.h, window, stride);
  p.out_w = cnnbench::detail::window_out(in.w, window, stride);
  p.overlapping = stride < window;
  p.max_windows_per_input = windows_per_input(window, stride, p.out_h) * windows_per_input(window, stride, p.out_w);
  p.uncovered_rows = p.out_h ? in.h - ((p.out_h - 1) * stride + window) : in.h;
  p.uncovered_cols = p.out_w ? in.w - ((p.out_w - 1) * stride + window) : in.w;
  p.records_argmax = kind == pool_kind::max;
  return p;
}

template <class L, shape In>
struct pool_plan_for;
template <std::size_t K, std::size_t S, shape In>
struct pool_plan_for<MaxPool<K, S>, In> {
  static constexpr pool_plan value = make_pool_plan(pool_kind::max, In, K, S);
};
template <std::size_t K, std::size_t S, shape In>
struct pool_plan_for<AvgPool<K, S>, In> {
  static constexpr pool_plan value = make_pool_plan(pool_kind::average, In, K, S);
};
template <shape In>
struct pool_plan_for<GlobalAvgPool, In> {
  static constexpr pool_plan value = make_pool_plan(pool_kind::global_average, In, 0, 1);
};
/// The plan of pooling layer L on input In.
template <class L, shape In>
inline constexpr pool_plan pool_plan_of = pool_plan_for<L, In>::value;

}  // namespace cnnbench::backend::cuda
