// cnnbench/backend/eigen/pool.hpp: MaxPool, AvgPool and GlobalAvgPool under exec::eigen_cpu (see kernel.hpp for the kernel interface).
#pragma once
#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>

#include "../../layers/pool.hpp"
#include "kernel.hpp"
#include "simd.hpp"

namespace cnnbench::backend::eigen {

/// MaxPool. The gradient goes to the first maximum of each window in row-major order (PyTorch's
/// choice); backward finds it again by comparing the input with the stored output, branch-free
/// (arithmetic masks), so neither direction has a data-dependent branch and no index is stored.
template <std::size_t K, std::size_t S, shape In>
struct kernel<MaxPool<K, S>, In> {
  static constexpr shape Out = MaxPool<K, S>::template output_shape<In>;
  /// backward applies the backward of an in-place ReLU before it when ctx.relu_mask (runner_base.hpp's
  /// relu_backward_fused): dL/dx only where x (the ReLU's output) > 0, else +0, as ReLU's dx = y > 0 ?
  /// dy : 0; with tiling windows one test per window (only its maximum gets a gradient), else per input.
  static constexpr bool masks_relu = true;
  static constexpr std::size_t workspace_floats(std::size_t) { return 0; }
  void forward(const context&, const float* x, float* y, std::size_t n, const float*) {
    for (std::size_t b = 0; b < n; ++b)
      for (std::size_t c = 0; c < In.c; ++c) {
        const float* src = x + b * In.size() + c * In.h * In.w;
        float* dst = y + b * Out.size() + c * Out.h * Out.w;
        if constexpr (K == 2 && S == 2) {
          // The published models' pool: one loop over an output row with the window written out, which
          // GCC vectorises (even/odd permutes); the generic loops below it does not. Same maxima (max
          // is exact), 2.8x faster on S5's 222 x 222 rows, level on S2's and S3's (standalone, one thread).
          for (std::size_t oy = 0; oy < Out.h; ++oy) {
            const float* r0 = src + 2 * oy * In.w;
            const float* r1 = r0 + In.w;
            float* d = dst + oy * Out.w;
            for (std::size_t ox = 0; ox < Out.w; ++ox)
              d[ox] = std::max(std::max(r0[2 * ox], r0[2 * ox + 1]), std::max(r1[2 * ox], r1[2 * ox + 1]));
          }
          continue;
        }
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
  void backward(const context& ctx, const float* x, const float* y, const float* dy, float* dx, std::size_t n,
                const float*, float*) {
    if (!dx) return;
    if constexpr (S == K) {
      if (ctx.relu_mask) backward_tiled<true>(x, y, dy, dx, n);
      else backward_tiled<false>(x, y, dy, dx, n);
      return;
    }
    const bool relu = ctx.relu_mask;
    std::fill(dx, dx + n * In.size(), 0.0f);
    for (std::size_t b = 0; b < n; ++b)
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
                if (relu) hv[ox] = simd::keep_if(xs[ox] > 0.0f, hv[ox]);  // ReLU's df per input: +0, never -0
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

  // Windows that tile the input (stride = size, the published models' pools): every input is in at
  // most one window, so each is written once (no zero-fill of the covered part, no accumulation),
  // window by window: the first x == max in row-major order gets dy, the others 0, chosen with bit
  // masks (no branch on the data). Measured (bm_layers, S1, alternating): max_pool_1 backward 0.6-0.7
  // ms per step instead of 1.6-2.0 (one thread), 0.3-0.4 instead of 0.9-1.0 (two); backward()'s row
  // passes remain for overlapping windows.
  // Relu: the ReLU before the pool, fused (see masks_relu): a window whose maximum is not > 0 passes 0.
  template <bool Relu>
  static void backward_tiled(const float* x, const float* y, const float* dy, float* dx, std::size_t n) {
    constexpr bool covered = Out.h * S == In.h && Out.w * S == In.w;
    for (std::size_t b = 0; b < n; ++b)
      for (std::size_t c = 0; c < In.c; ++c) {
        const float* src = x + b * In.size() + c * In.h * In.w;
        const float* out = y + b * Out.size() + c * Out.h * Out.w;
        const float* g = dy + b * Out.size() + c * Out.h * Out.w;
        float* d = dx + b * In.size() + c * In.h * In.w;
        if constexpr (!covered) std::fill(d, d + In.h * In.w, 0.0f);  // the rows/columns no window covers
        for (std::size_t oy = 0; oy < Out.h; ++oy)
          for (std::size_t ox = 0; ox < Out.w; ++ox) {
            const float m = out[oy * Out.w + ox];
            std::uint32_t gv = std::bit_cast<std::uint32_t>(g[oy * Out.w + ox]);
            if constexpr (Relu) gv &= 0u - static_cast<std::uint32_t>(m > 0.0f);  // +0 where m <= 0 (or NaN)
            std::uint32_t free = ~0u;
            const std::size_t o = oy * S * In.w + ox * S;
            for (std::size_t ky = 0; ky < K; ++ky)
              for (std::size_t kx = 0; kx < K; ++kx) {
                const std::size_t i = o + ky * In.w + kx;
                const std::uint32_t hit = (0u - static_cast<std::uint32_t>(src[i] == m)) & free;
                d[i] = std::bit_cast<float>(gv & hit);
                free &= ~hit;
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
  void forward(const context&, const float* x, float* y, std::size_t n, const float*) {
    for (std::size_t b = 0; b < n; ++b)
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
  void backward(const context&, const float*, const float*, const float* dy, float* dx, std::size_t n,
                const float*, float*) {
    if (!dx) return;
    std::fill(dx, dx + n * In.size(), 0.0f);
    for (std::size_t b = 0; b < n; ++b)
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
  void forward(const context&, const float* x, float* y, std::size_t n, const float*) {
    for (std::size_t b = 0; b < n; ++b)
      for (std::size_t c = 0; c < In.c; ++c) {
        const float* src = x + b * In.size() + c * HW;
        float s = 0;
        for (std::size_t p = 0; p < HW; ++p) s += src[p];
        y[b * In.c + c] = s / static_cast<float>(HW);
      }
  }
  void backward(const context&, const float*, const float*, const float* dy, float* dx, std::size_t n,
                const float*, float*) {
    if (!dx) return;
    for (std::size_t b = 0; b < n; ++b)
      for (std::size_t c = 0; c < In.c; ++c) {
        const float v = dy[b * In.c + c] / static_cast<float>(HW);
        std::fill(dx + b * In.size() + c * HW, dx + b * In.size() + (c + 1) * HW, v);
      }
  }
};

}  // namespace cnnbench::backend::eigen
