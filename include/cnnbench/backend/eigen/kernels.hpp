// cnnbench/backend/eigen/kernels.hpp: forward and backward of every layer on the CPU (implementation
// detail of exec::eigen_cpu).
//
// kernel<L, In> is specialised per layer template. Each thread of the policy's team calls a kernel
// for its own contiguous slice of the batch: the buffers point at the first sample of that slice
// (NCHW, float32; sample b of the slice is x + b * In.size()) and [b0, b1) are rows of the slice
// (the runner passes 0 and the slice's length). ctx.first is the slice's first sample in the whole
// batch (dropout masks are drawn per element of the whole batch, so they do not depend on the split).
//   forward(ctx, x, y, b0, b1, w)                  y = layer(x), training or inference mode (ctx.training)
//   backward(ctx, x, y, dy, dx, b0, b1, w, dw)      dx = dL/dx (dx == nullptr: not needed, first layer);
//                                                  dw += dL/dw for these samples (the thread's partial)
//   workspace_floats(rows)                          scratch the kernel needs per thread, in floats
// w / dw point at the layer's parameters in the contiguous buffer (weight then bias).
// Convolutions are im2col + GEMM (gemm.hpp) over groups of samples; everything else is loops whose
// bounds are compile-time constants.
#pragma once
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "../../layers.hpp"
#include "../../random.hpp"
#include "../../sequential.hpp"
#include "gemm.hpp"
#include "thread_pool.hpp"

namespace cnnbench::backend::eigen {

/// What a kernel call knows besides its buffers.
struct context {
  int thread = 0;             ///< this thread's index in the team
  int threads = 1;            ///< team size
  std::size_t batch = 0;      ///< samples in the whole batch (all threads)
  std::size_t first = 0;      ///< index in the whole batch of the sample the buffers point at
  bool training = false;      ///< dropout active, BatchNorm on batch statistics
  std::uint64_t seed = 0;     ///< the runner's seed (dropout masks)
  std::uint64_t step = 0;     ///< training step counter (dropout masks)
  std::size_t layer = 0;      ///< index of the layer in the flattened model
  float* workspace = nullptr; ///< this thread's scratch (workspace_floats of the largest layer)
  float* state = nullptr;     ///< the layer's state (BatchNorm running mean, then variance)
  thread_pool* team = nullptr;
};

template <class T>
inline constexpr bool dependent_false = false;

/// A kernel that needs the team size and batch capacity before use has prepare(threads, capacity).
template <class K>
concept has_prepare = requires(K& k) { k.prepare(1, std::size_t{1}); };

/// No kernel: a compile error naming the policy (DESIGN §4).
template <class L, shape In>
struct kernel {
  static_assert(dependent_false<L>,
                "cnnbench: no kernel for this layer under exec::eigen_cpu (specialise "
                "cnnbench::backend::eigen::kernel<Layer, In> in backend/eigen/)");
};

namespace detail {
/// Copies n floats.
inline void copy(const float* src, float* dst, std::size_t n) noexcept { std::memcpy(dst, src, n * sizeof(float)); }
}  // namespace detail

// ---- ZeroPad ---------------------------------------------------------------------------------
template <std::size_t P, shape In>
struct kernel<ZeroPad<P>, In> {
  static constexpr shape Out = ZeroPad<P>::template output_shape<In>;
  static constexpr std::size_t workspace_floats(std::size_t) { return 0; }
  void forward(const context&, const float* x, float* y, std::size_t b0, std::size_t b1, const float*) {
    for (std::size_t b = b0; b < b1; ++b)
      for (std::size_t c = 0; c < In.c; ++c) {
        const float* src = x + b * In.size() + c * In.h * In.w;
        float* dst = y + b * Out.size() + c * Out.h * Out.w;
        std::fill(dst, dst + P * Out.w, 0.0f);
        for (std::size_t i = 0; i < In.h; ++i) {
          float* row = dst + (i + P) * Out.w;
          std::fill(row, row + P, 0.0f);
          detail::copy(src + i * In.w, row + P, In.w);
          std::fill(row + P + In.w, row + Out.w, 0.0f);
        }
        std::fill(dst + (P + In.h) * Out.w, dst + Out.h * Out.w, 0.0f);
      }
  }
  void backward(const context&, const float*, const float*, const float* dy, float* dx, std::size_t b0, std::size_t b1,
                const float*, float*) {
    if (!dx) return;
    for (std::size_t b = b0; b < b1; ++b)
      for (std::size_t c = 0; c < In.c; ++c)
        for (std::size_t i = 0; i < In.h; ++i)
          detail::copy(dy + b * Out.size() + c * Out.h * Out.w + (i + P) * Out.w + P, dx + b * In.size() + (c * In.h + i) * In.w,
                       In.w);
  }
};

// ---- Conv -------------------------------------------------------------------------------------
template <std::size_t F, std::size_t K, std::size_t S, padding Pad, shape In>
struct kernel<Conv<F, K, S, Pad>, In> {
  using L = Conv<F, K, S, Pad>;
  static constexpr shape Out = L::template output_shape<In>;
  static constexpr std::size_t HW = Out.h * Out.w;
  static constexpr std::size_t CKK = In.c * K * K;
  static constexpr std::size_t PT = L::template pad_top<In>;
  static constexpr std::size_t PL = L::template pad_left<In>;
  static constexpr bool pointwise = K == 1 && S == 1 && PT == 0 && PL == 0;  // 1x1: the input is its own im2col
  /// Samples per GEMM: enough columns (>= 1024) for an efficient product, im2col buffer <= 4M floats.
  static constexpr std::size_t group = std::max<std::size_t>(
      1, std::min<std::size_t>((1024 + HW - 1) / HW, (std::size_t{1} << 22) / std::max<std::size_t>(1, CKK * HW)));

  static constexpr std::size_t workspace_floats(std::size_t rows) {
    const std::size_t g = std::min(group, std::max<std::size_t>(rows, 1));
    return 2 * CKK * g * HW + F * g * HW;
  }

  // col[r][g * HW + p], r = (c * K + ky) * K + kx: the input patch values under each output position.
  static void im2col(const float* x, std::size_t s, std::size_t g_count, float* col) {
    const std::size_t ld = g_count * HW;
    for (std::size_t c = 0; c < In.c; ++c)
      for (std::size_t ky = 0; ky < K; ++ky)
        for (std::size_t kx = 0; kx < K; ++kx) {
          float* row = col + ((c * K + ky) * K + kx) * ld;
          for (std::size_t g = 0; g < g_count; ++g) {
            const float* src = x + (s + g) * In.size() + c * In.h * In.w;
            float* dst = row + g * HW;
            for (std::size_t oy = 0; oy < Out.h; ++oy) {
              const std::ptrdiff_t iy = static_cast<std::ptrdiff_t>(oy * S + ky) - static_cast<std::ptrdiff_t>(PT);
              float* d = dst + oy * Out.w;
              if (iy < 0 || iy >= static_cast<std::ptrdiff_t>(In.h)) {
                std::fill(d, d + Out.w, 0.0f);
                continue;
              }
              const float* srow = src + iy * In.w;
              if constexpr (S == 1) {
                // valid ox: 0 <= ox + kx - PL < W
                const std::ptrdiff_t lo = std::max<std::ptrdiff_t>(0, static_cast<std::ptrdiff_t>(PL) - static_cast<std::ptrdiff_t>(kx));
                const std::ptrdiff_t hi = std::min<std::ptrdiff_t>(
                    Out.w, static_cast<std::ptrdiff_t>(In.w + PL) - static_cast<std::ptrdiff_t>(kx));
                std::fill(d, d + lo, 0.0f);
                if (hi > lo) detail::copy(srow + lo + kx - PL, d + lo, static_cast<std::size_t>(hi - lo));
                std::fill(d + std::max(lo, hi), d + Out.w, 0.0f);
              } else {
                for (std::size_t ox = 0; ox < Out.w; ++ox) {
                  const std::ptrdiff_t ix = static_cast<std::ptrdiff_t>(ox * S + kx) - static_cast<std::ptrdiff_t>(PL);
                  d[ox] = (ix >= 0 && ix < static_cast<std::ptrdiff_t>(In.w)) ? srow[ix] : 0.0f;
                }
              }
            }
          }
        }
  }
  // dx += col2im(dcol) for samples s .. s + g_count.
  static void col2im(const float* dcol, std::size_t s, std::size_t g_count, float* dx) {
    const std::size_t ld = g_count * HW;
    for (std::size_t c = 0; c < In.c; ++c)
      for (std::size_t ky = 0; ky < K; ++ky)
        for (std::size_t kx = 0; kx < K; ++kx) {
          const float* row = dcol + ((c * K + ky) * K + kx) * ld;
          for (std::size_t g = 0; g < g_count; ++g) {
            float* dst = dx + (s + g) * In.size() + c * In.h * In.w;
            const float* src = row + g * HW;
            for (std::size_t oy = 0; oy < Out.h; ++oy) {
              const std::ptrdiff_t iy = static_cast<std::ptrdiff_t>(oy * S + ky) - static_cast<std::ptrdiff_t>(PT);
              if (iy < 0 || iy >= static_cast<std::ptrdiff_t>(In.h)) continue;
              float* drow = dst + iy * In.w;
              const float* s_ = src + oy * Out.w;
              if constexpr (S == 1) {
                const std::ptrdiff_t lo = std::max<std::ptrdiff_t>(0, static_cast<std::ptrdiff_t>(PL) - static_cast<std::ptrdiff_t>(kx));
                const std::ptrdiff_t hi = std::min<std::ptrdiff_t>(
                    Out.w, static_cast<std::ptrdiff_t>(In.w + PL) - static_cast<std::ptrdiff_t>(kx));
                float* d = drow + kx - PL;
                for (std::ptrdiff_t ox = lo; ox < hi; ++ox) d[ox] += s_[ox];
              } else {
                for (std::size_t ox = 0; ox < Out.w; ++ox) {
                  const std::ptrdiff_t ix = static_cast<std::ptrdiff_t>(ox * S + kx) - static_cast<std::ptrdiff_t>(PL);
                  if (ix >= 0 && ix < static_cast<std::ptrdiff_t>(In.w)) drow[ix] += s_[ox];
                }
              }
            }
          }
        }
  }

  void forward(const context& ctx, const float* x, float* y, std::size_t b0, std::size_t b1, const float* w) {
    const float* bias = w + F * CKK;
    for (std::size_t s = b0; s < b1; s += group) {
      const std::size_t g_count = std::min(group, b1 - s);
      const std::size_t ld = g_count * HW;
      if (g_count == 1) {
        // One sample: the GEMM writes the sample's [F, HW] block directly.
        const float* col = x + s * In.size();
        if constexpr (!pointwise) {
          im2col(x, s, 1, ctx.workspace);
          col = ctx.workspace;
        }
        float* out = y + s * Out.size();
        gemm(F, HW, CKK, w, CKK, false, col, HW, false, out, HW, false);
        for (std::size_t f = 0; f < F; ++f)
          for (std::size_t p = 0; p < HW; ++p) out[f * HW + p] += bias[f];
        continue;
      }
      float* col = ctx.workspace;
      float* tmp = ctx.workspace + CKK * ld;
      im2col(x, s, g_count, col);
      gemm(F, ld, CKK, w, CKK, false, col, ld, false, tmp, ld, false);
      for (std::size_t g = 0; g < g_count; ++g) {
        float* out = y + (s + g) * Out.size();
        for (std::size_t f = 0; f < F; ++f) {
          const float* src = tmp + f * ld + g * HW;
          float* dst = out + f * HW;
          for (std::size_t p = 0; p < HW; ++p) dst[p] = src[p] + bias[f];
        }
      }
    }
  }

  void backward(const context& ctx, const float* x, const float*, const float* dy, float* dx, std::size_t b0,
                std::size_t b1, const float* w, float* dw) {
    float* dbias = dw + F * CKK;
    for (std::size_t s = b0; s < b1; s += group) {
      const std::size_t g_count = std::min(group, b1 - s);
      const std::size_t ld = g_count * HW;
      float* col = ctx.workspace;                  // CKK x ld
      float* dcol = ctx.workspace + CKK * ld;      // CKK x ld
      float* dyg = ctx.workspace + 2 * CKK * ld;   // F x ld
      const float* dyp = dy + s * Out.size();
      if (g_count > 1) {
        for (std::size_t g = 0; g < g_count; ++g)
          for (std::size_t f = 0; f < F; ++f) detail::copy(dy + (s + g) * Out.size() + f * HW, dyg + f * ld + g * HW, HW);
        dyp = dyg;
      }
      for (std::size_t f = 0; f < F; ++f) {
        float acc = 0;
        for (std::size_t p = 0; p < ld; ++p) acc += dyp[f * ld + p];
        dbias[f] += acc;
      }
      const float* colp = x + s * In.size();
      if (!pointwise || g_count > 1) {
        im2col(x, s, g_count, col);
        colp = col;
      }
      gemm(F, CKK, ld, dyp, ld, false, colp, ld, true, dw, CKK, true);  // dW += dY * col^T
      if (!dx) continue;
      if constexpr (pointwise) {
        if (g_count == 1) {
          gemm(CKK, HW, F, w, CKK, true, dyp, HW, false, dx + s * In.size(), HW, false);
          continue;
        }
      }
      gemm(CKK, ld, F, w, CKK, true, dyp, ld, false, dcol, ld, false);  // dcol = W^T * dY
      std::fill(dx + s * In.size(), dx + (s + g_count) * In.size(), 0.0f);
      col2im(dcol, s, g_count, dx);
    }
  }
};

// ---- MaxPool / AvgPool --------------------------------------------------------------------------
/// MaxPool. The gradient goes to the first maximum of each window in row-major order (PyTorch's
/// choice); backward finds it again by comparing the input with the stored output, branch-free
/// (arithmetic masks), so neither direction has a data-dependent branch and no index is stored.
template <std::size_t K, std::size_t S, shape In>
struct kernel<MaxPool<K, S>, In> {
  static constexpr shape Out = MaxPool<K, S>::template output_shape<In>;
  static constexpr std::size_t workspace_floats(std::size_t) { return 0; }
  void forward(const context&, const float* x, float* y, std::size_t b0, std::size_t b1, const float*) {
    for (std::size_t b = b0; b < b1; ++b)
      for (std::size_t c = 0; c < In.c; ++c) {
        const float* src = x + b * In.size() + c * In.h * In.w;
        float* dst = y + b * Out.size() + c * Out.h * Out.w;
        for (std::size_t oy = 0; oy < Out.h; ++oy)
          for (std::size_t ox = 0; ox < Out.w; ++ox) {
            const float* win = src + oy * S * In.w + ox * S;
            float m = win[0];
            for (std::size_t ky = 0; ky < K; ++ky)
              for (std::size_t kx = 0; kx < K; ++kx) m = std::max(m, win[ky * In.w + kx]);
            dst[oy * Out.w + ox] = m;
          }
      }
  }
  // For each window position (ky, kx) in row-major order, one pass over the outputs of a row:
  // hit = (x == max) * free, free -= hit. The passes over contiguous outputs vectorise (at -O3).
  void backward(const context&, const float* x, const float* y, const float* dy, float* dx, std::size_t b0, std::size_t b1,
                const float*, float*) {
    if (!dx) return;
    std::fill(dx + b0 * In.size(), dx + b1 * In.size(), 0.0f);
    for (std::size_t b = b0; b < b1; ++b)
      for (std::size_t c = 0; c < In.c; ++c) {
        const float* src = x + b * In.size() + c * In.h * In.w;
        const float* out = y + b * Out.size() + c * Out.h * Out.w;
        const float* g = dy + b * Out.size() + c * Out.h * Out.w;
        float* d = dx + b * In.size() + c * In.h * In.w;
        for (std::size_t oy = 0; oy < Out.h; ++oy) {
          float free[Out.w];
          std::fill(free, free + Out.w, 1.0f);
          const float* m = out + oy * Out.w;
          const float* gv = g + oy * Out.w;
          for (std::size_t ky = 0; ky < K; ++ky)
            for (std::size_t kx = 0; kx < K; ++kx) {
              const float* xr = src + (oy * S + ky) * In.w + kx;
              float* dr = d + (oy * S + ky) * In.w + kx;
              // Three simple loops (gather, arithmetic on contiguous rows, scatter) vectorise where
              // one fused strided loop does not.
              float xs[Out.w], hv[Out.w];
              for (std::size_t ox = 0; ox < Out.w; ++ox) xs[ox] = xr[ox * S];
              for (std::size_t ox = 0; ox < Out.w; ++ox) {
                // hit = free if x is the maximum, else 0, as a bit mask: no branch on the data
                // (a float ?: compiles to a jump, mispredicted half the time on real activations).
                const std::uint32_t mask = 0u - static_cast<std::uint32_t>(xs[ox] == m[ox]);
                const float hit = std::bit_cast<float>(std::bit_cast<std::uint32_t>(free[ox]) & mask);
                free[ox] -= hit;
                hv[ox] = hit * gv[ox];
              }
              if constexpr (S >= K) {  // windows do not overlap: each input is written once
                for (std::size_t ox = 0; ox < Out.w; ++ox) dr[ox * S] = hv[ox];
              } else {
                for (std::size_t ox = 0; ox < Out.w; ++ox) dr[ox * S] += hv[ox];
              }
            }
        }
      }
  }
};

template <std::size_t K, std::size_t S, shape In>
struct kernel<AvgPool<K, S>, In> {
  static constexpr shape Out = AvgPool<K, S>::template output_shape<In>;
  static constexpr float inv = 1.0f / static_cast<float>(K * K);
  static constexpr std::size_t workspace_floats(std::size_t) { return 0; }
  void forward(const context&, const float* x, float* y, std::size_t b0, std::size_t b1, const float*) {
    for (std::size_t b = b0; b < b1; ++b)
      for (std::size_t c = 0; c < In.c; ++c) {
        const float* src = x + b * In.size() + c * In.h * In.w;
        float* dst = y + b * Out.size() + c * Out.h * Out.w;
        for (std::size_t oy = 0; oy < Out.h; ++oy)
          for (std::size_t ox = 0; ox < Out.w; ++ox) {
            const float* win = src + oy * S * In.w + ox * S;
            float s = 0;
            for (std::size_t ky = 0; ky < K; ++ky)
              for (std::size_t kx = 0; kx < K; ++kx) s += win[ky * In.w + kx];
            dst[oy * Out.w + ox] = s * inv;
          }
      }
  }
  void backward(const context&, const float*, const float*, const float* dy, float* dx, std::size_t b0, std::size_t b1,
                const float*, float*) {
    if (!dx) return;
    std::fill(dx + b0 * In.size(), dx + b1 * In.size(), 0.0f);
    for (std::size_t b = b0; b < b1; ++b)
      for (std::size_t c = 0; c < In.c; ++c) {
        const float* g = dy + b * Out.size() + c * Out.h * Out.w;
        float* d = dx + b * In.size() + c * In.h * In.w;
        for (std::size_t oy = 0; oy < Out.h; ++oy)
          for (std::size_t ox = 0; ox < Out.w; ++ox) {
            const float v = g[oy * Out.w + ox] * inv;
            float* win = d + oy * S * In.w + ox * S;
            for (std::size_t ky = 0; ky < K; ++ky)
              for (std::size_t kx = 0; kx < K; ++kx) win[ky * In.w + kx] += v;
          }
      }
  }
};

template <shape In>
struct kernel<GlobalAvgPool, In> {
  static constexpr std::size_t HW = In.h * In.w;
  static constexpr std::size_t workspace_floats(std::size_t) { return 0; }
  void forward(const context&, const float* x, float* y, std::size_t b0, std::size_t b1, const float*) {
    for (std::size_t b = b0; b < b1; ++b)
      for (std::size_t c = 0; c < In.c; ++c) {
        const float* src = x + b * In.size() + c * HW;
        float s = 0;
        for (std::size_t p = 0; p < HW; ++p) s += src[p];
        y[b * In.c + c] = s / static_cast<float>(HW);
      }
  }
  void backward(const context&, const float*, const float*, const float* dy, float* dx, std::size_t b0, std::size_t b1,
                const float*, float*) {
    if (!dx) return;
    for (std::size_t b = b0; b < b1; ++b)
      for (std::size_t c = 0; c < In.c; ++c) {
        const float v = dy[b * In.c + c] / static_cast<float>(HW);
        std::fill(dx + b * In.size() + c * HW, dx + b * In.size() + (c + 1) * HW, v);
      }
  }
};

// ---- element-wise ------------------------------------------------------------------------------
namespace detail {
/// Shared shape of the element-wise kernels: F(x) forward, G(x, y, dy) backward.
template <shape In, class Derived>
struct pointwise_kernel {
  static constexpr std::size_t workspace_floats(std::size_t) { return 0; }
  void forward(const context&, const float* x, float* y, std::size_t b0, std::size_t b1, const float*) {
    const std::size_t n = (b1 - b0) * In.size();
    x += b0 * In.size();
    y += b0 * In.size();
    for (std::size_t i = 0; i < n; ++i) y[i] = Derived::f(x[i]);
  }
  void backward(const context&, const float* x, const float* y, const float* dy, float* dx, std::size_t b0, std::size_t b1,
                const float*, float*) {
    if (!dx) return;
    const std::size_t o = b0 * In.size(), n = (b1 - b0) * In.size();
    for (std::size_t i = 0; i < n; ++i) dx[o + i] = Derived::df(x[o + i], y[o + i], dy[o + i]);
  }
};
}  // namespace detail

template <shape In>
struct kernel<ReLU, In> : detail::pointwise_kernel<In, kernel<ReLU, In>> {
  static float f(float x) noexcept { return x > 0.0f ? x : 0.0f; }
  static float df(float, float y, float dy) noexcept { return y > 0.0f ? dy : 0.0f; }
};
template <shape In>
struct kernel<Sigmoid, In> : detail::pointwise_kernel<In, kernel<Sigmoid, In>> {
  static float f(float x) noexcept { return 1.0f / (1.0f + std::exp(-x)); }
  static float df(float, float y, float dy) noexcept { return dy * y * (1.0f - y); }
};
template <shape In>
struct kernel<Tanh, In> : detail::pointwise_kernel<In, kernel<Tanh, In>> {
  static float f(float x) noexcept { return std::tanh(x); }
  static float df(float, float y, float dy) noexcept { return dy * (1.0f - y * y); }
};

template <shape In>
struct kernel<Softmax, In> {
  static constexpr std::size_t HW = In.h * In.w;
  static constexpr std::size_t workspace_floats(std::size_t) { return 0; }
  void forward(const context&, const float* x, float* y, std::size_t b0, std::size_t b1, const float*) {
    for (std::size_t b = b0; b < b1; ++b)
      for (std::size_t p = 0; p < HW; ++p) {
        const float* src = x + b * In.size() + p;
        float* dst = y + b * In.size() + p;
        float m = src[0];
        for (std::size_t c = 1; c < In.c; ++c) m = std::max(m, src[c * HW]);
        float s = 0;
        for (std::size_t c = 0; c < In.c; ++c) s += (dst[c * HW] = std::exp(src[c * HW] - m));
        for (std::size_t c = 0; c < In.c; ++c) dst[c * HW] /= s;
      }
  }
  void backward(const context&, const float*, const float* y, const float* dy, float* dx, std::size_t b0, std::size_t b1,
                const float*, float*) {
    if (!dx) return;
    for (std::size_t b = b0; b < b1; ++b)
      for (std::size_t p = 0; p < HW; ++p) {
        const std::size_t o = b * In.size() + p;
        float dot = 0;
        for (std::size_t c = 0; c < In.c; ++c) dot += dy[o + c * HW] * y[o + c * HW];
        for (std::size_t c = 0; c < In.c; ++c) dx[o + c * HW] = y[o + c * HW] * (dy[o + c * HW] - dot);
      }
  }
};

/// Dropout: element e of the whole batch (e = sample * size + i) is kept when the 32-bit draw
/// u_e = bits [32 (e mod 2), 32 (e mod 2) + 32) of rng(seed ^ 0xd50bd0d5, (step << 12) + layer).at(e / 2)
/// satisfies u_e >= floor(rate * 2^32): the same mask whatever the thread count, recomputed in
/// backward instead of stored.
template <real Rate, shape In>
struct kernel<Dropout<Rate>, In> {
  static constexpr double rate = Rate.value();
  static constexpr float scale = rate < 1.0 ? static_cast<float>(1.0 / (1.0 - rate)) : 0.0f;
  static constexpr std::uint64_t threshold = static_cast<std::uint64_t>(rate * 4294967296.0);
  static constexpr std::size_t workspace_floats(std::size_t) { return 0; }
  static rng stream(const context& ctx) noexcept { return rng(ctx.seed ^ 0xd50bd0d5ull, (ctx.step << 12) + ctx.layer); }
  /// out[k] = keep(g + k) ? in[k] * scale : 0 for k < n, e = g + k the element's index in the whole batch.
  static void apply(const rng& r, std::size_t g, const float* in, float* out, std::size_t n) noexcept {
    std::size_t k = 0;
    if (g % 2 == 1 && n > 0) {  // odd start: the high half of the pair
      out[0] = (r.at(g / 2) >> 32) >= threshold ? in[0] * scale : 0.0f;
      k = 1;
    }
    for (; k + 1 < n; k += 2) {
      const std::uint64_t bits = r.at((g + k) / 2);
      out[k] = (bits & 0xffffffffull) >= threshold ? in[k] * scale : 0.0f;
      out[k + 1] = (bits >> 32) >= threshold ? in[k + 1] * scale : 0.0f;
    }
    if (k < n) out[k] = (r.at((g + k) / 2) & 0xffffffffull) >= threshold ? in[k] * scale : 0.0f;
  }
  void forward(const context& ctx, const float* x, float* y, std::size_t b0, std::size_t b1, const float*) {
    const std::size_t o = b0 * In.size(), n = (b1 - b0) * In.size();
    if (!ctx.training || rate == 0.0) {
      detail::copy(x + o, y + o, n);
      return;
    }
    apply(stream(ctx), ctx.first * In.size() + o, x + o, y + o, n);
  }
  void backward(const context& ctx, const float*, const float*, const float* dy, float* dx, std::size_t b0, std::size_t b1,
                const float*, float*) {
    if (!dx) return;
    const std::size_t o = b0 * In.size(), n = (b1 - b0) * In.size();
    if (!ctx.training || rate == 0.0) {
      detail::copy(dy + o, dx + o, n);
      return;
    }
    apply(stream(ctx), ctx.first * In.size() + o, dy + o, dx + o, n);
  }
};

template <shape In>
struct kernel<Flatten, In> {
  static constexpr std::size_t workspace_floats(std::size_t) { return 0; }
  void forward(const context&, const float* x, float* y, std::size_t b0, std::size_t b1, const float*) {
    detail::copy(x + b0 * In.size(), y + b0 * In.size(), (b1 - b0) * In.size());
  }
  void backward(const context&, const float*, const float*, const float* dy, float* dx, std::size_t b0, std::size_t b1,
                const float*, float*) {
    if (dx) detail::copy(dy + b0 * In.size(), dx + b0 * In.size(), (b1 - b0) * In.size());
  }
};

// ---- Dense -------------------------------------------------------------------------------------
template <std::size_t U, shape In>
struct kernel<Dense<U>, In> {
  static constexpr std::size_t I = In.c;
  static constexpr std::size_t workspace_floats(std::size_t) { return 0; }
  void forward(const context&, const float* x, float* y, std::size_t b0, std::size_t b1, const float* w) {
    const std::size_t rows = b1 - b0;
    gemm(rows, U, I, x + b0 * I, I, false, w, I, true, y + b0 * U, U, false);  // Y = X W^T
    const float* bias = w + U * I;
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t u = 0; u < U; ++u) y[(b0 + r) * U + u] += bias[u];
  }
  void backward(const context&, const float* x, const float*, const float* dy, float* dx, std::size_t b0, std::size_t b1,
                const float* w, float* dw) {
    const std::size_t rows = b1 - b0;
    gemm(U, I, rows, dy + b0 * U, U, true, x + b0 * I, I, false, dw, I, true);  // dW += dY^T X
    float* dbias = dw + U * I;
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t u = 0; u < U; ++u) dbias[u] += dy[(b0 + r) * U + u];
    if (dx) gemm(rows, I, U, dy + b0 * U, U, false, w, I, false, dx + b0 * I, I, false);  // dX = dY W
  }
};

// ---- BatchNorm ---------------------------------------------------------------------------------
/// Training: statistics over the whole batch (N, H, W), gathered from every thread's partial sums
/// (double precision) through the team's barrier, combined in thread order (deterministic).
template <real Eps, real Momentum, shape In>
struct kernel<BatchNorm<Eps, Momentum>, In> {
  static constexpr std::size_t C = In.c, HW = In.h * In.w;
  static constexpr double eps = Eps.value(), momentum = Momentum.value();
  static constexpr std::size_t workspace_floats(std::size_t) { return 0; }
  std::vector<double> partial;  // [threads][C][2]: each thread's sums, combined after a barrier
  std::vector<float> mean, invstd, k1, k2;

  /// Called by the runner before the team uses the kernel.
  void prepare(int threads, std::size_t) {
    partial.assign(static_cast<std::size_t>(threads) * C * 2, 0.0);
    mean.assign(C, 0.0f);
    invstd.assign(C, 1.0f);
    k1.assign(C, 0.0f);
    k2.assign(C, 0.0f);
  }

  void forward(const context& ctx, const float* x, float* y, std::size_t b0, std::size_t b1, const float* w) {
    const float* gamma = w;
    const float* beta = w + C;
    float* rmean = ctx.state;
    float* rvar = ctx.state + C;
    if (!ctx.training) {
      for (std::size_t b = b0; b < b1; ++b)
        for (std::size_t c = 0; c < C; ++c) {
          const float a = gamma[c] / std::sqrt(rvar[c] + static_cast<float>(eps));
          const float s = beta[c] - a * rmean[c];
          const float* src = x + b * In.size() + c * HW;
          float* dst = y + b * In.size() + c * HW;
          for (std::size_t p = 0; p < HW; ++p) dst[p] = a * src[p] + s;
        }
      return;
    }
    double* mine = partial.data() + static_cast<std::size_t>(ctx.thread) * C * 2;
    for (std::size_t c = 0; c < C; ++c) {
      double s = 0, q = 0;
      for (std::size_t b = b0; b < b1; ++b) {
        const float* src = x + b * In.size() + c * HW;
        for (std::size_t p = 0; p < HW; ++p) {
          s += src[p];
          q += static_cast<double>(src[p]) * src[p];
        }
      }
      mine[2 * c] = s;
      mine[2 * c + 1] = q;
    }
    ctx.team->barrier();
    const double m = static_cast<double>(ctx.batch * HW);
    if (ctx.thread == 0) {
      for (std::size_t c = 0; c < C; ++c) {
        double s = 0, q = 0;
        for (int t = 0; t < ctx.threads; ++t) {
          s += partial[(static_cast<std::size_t>(t) * C + c) * 2];
          q += partial[(static_cast<std::size_t>(t) * C + c) * 2 + 1];
        }
        const double mu = s / m;
        const double var = std::max(0.0, q / m - mu * mu);  // biased, for normalisation
        mean[c] = static_cast<float>(mu);
        invstd[c] = static_cast<float>(1.0 / std::sqrt(var + eps));
        rmean[c] = static_cast<float>((1.0 - momentum) * rmean[c] + momentum * mu);
        rvar[c] = static_cast<float>((1.0 - momentum) * rvar[c] + momentum * var * m / (m - 1.0));  // unbiased
      }
    }
    ctx.team->barrier();
    for (std::size_t b = b0; b < b1; ++b)
      for (std::size_t c = 0; c < C; ++c) {
        const float a = gamma[c] * invstd[c], s = beta[c] - a * mean[c];
        const float* src = x + b * In.size() + c * HW;
        float* dst = y + b * In.size() + c * HW;
        for (std::size_t p = 0; p < HW; ++p) dst[p] = a * src[p] + s;
      }
  }

  void backward(const context& ctx, const float* x, const float*, const float* dy, float* dx, std::size_t b0, std::size_t b1,
                const float* w, float* dw) {
    const float* gamma = w;
    if (!ctx.training) {  // statistics are constants: an affine map per channel
      const float* rmean = ctx.state;
      const float* rvar = ctx.state + C;
      for (std::size_t c = 0; c < C; ++c) {
        const float is = 1.0f / std::sqrt(rvar[c] + static_cast<float>(eps));
        float sdy = 0, sdyx = 0;
        for (std::size_t b = b0; b < b1; ++b)
          for (std::size_t p = 0; p < HW; ++p) {
            const std::size_t i = b * In.size() + c * HW + p;
            sdy += dy[i];
            sdyx += dy[i] * (x[i] - rmean[c]) * is;
            if (dx) dx[i] = dy[i] * gamma[c] * is;
          }
        dw[c] += sdyx;
        dw[C + c] += sdy;
      }
      return;
    }
    double* mine = partial.data() + static_cast<std::size_t>(ctx.thread) * C * 2;
    for (std::size_t c = 0; c < C; ++c) {
      double sdy = 0, sdyx = 0;
      for (std::size_t b = b0; b < b1; ++b) {
        const float* src = x + b * In.size() + c * HW;
        const float* g = dy + b * In.size() + c * HW;
        for (std::size_t p = 0; p < HW; ++p) {
          sdy += g[p];
          sdyx += static_cast<double>(g[p]) * (src[p] - mean[c]) * invstd[c];
        }
      }
      mine[2 * c] = sdy;
      mine[2 * c + 1] = sdyx;
    }
    ctx.team->barrier();
    const double m = static_cast<double>(ctx.batch * HW);
    if (ctx.thread == 0) {
      for (std::size_t c = 0; c < C; ++c) {
        double sdy = 0, sdyx = 0;
        for (int t = 0; t < ctx.threads; ++t) {
          sdy += partial[(static_cast<std::size_t>(t) * C + c) * 2];
          sdyx += partial[(static_cast<std::size_t>(t) * C + c) * 2 + 1];
        }
        dw[c] += static_cast<float>(sdyx);     // dgamma
        dw[C + c] += static_cast<float>(sdy);  // dbeta
        k1[c] = static_cast<float>(sdy / m);
        k2[c] = static_cast<float>(sdyx / m);
      }
    }
    ctx.team->barrier();  // k1, k2 ready
    if (!dx) return;
    for (std::size_t b = b0; b < b1; ++b)
      for (std::size_t c = 0; c < C; ++c) {
        const float a = gamma[c] * invstd[c];
        const float* src = x + b * In.size() + c * HW;
        const float* g = dy + b * In.size() + c * HW;
        float* d = dx + b * In.size() + c * HW;
        for (std::size_t p = 0; p < HW; ++p) {
          const float xhat = (src[p] - mean[c]) * invstd[c];
          d[p] = a * (g[p] - k1[c] - xhat * k2[c]);
        }
      }
  }
};

}  // namespace cnnbench::backend::eigen
