// cnnbench/backend/eigen/conv.hpp: Conv under exec::eigen_cpu (see kernel.hpp for the kernel interface):
// forward and dL/dx by Winograd F(2x2, 3x3) (winograd.hpp) for large 3x3 stride-1 layers (the rule:
// use_winograd), else by im2col + GEMM (gemm.hpp) over groups of samples; dL/dw of stride-1 layers by
// shifted windows, with positions or input channels in the vector lanes (wgrad.hpp; the rule:
// dw_method), else by im2col + GEMM.
#pragma once
#include <algorithm>
#include <cstddef>

#include "gemm.hpp"
#include "wgrad.hpp"
#include "winograd.hpp"
#include "../../layers/conv.hpp"
#include "kernel.hpp"

namespace cnnbench::backend::eigen {

template <std::size_t F, std::size_t K, std::size_t S, padding Pad, bias B, shape In>
struct kernel<Conv<F, K, S, Pad, B>, In> {
  using L = Conv<F, K, S, Pad, B>;
  static constexpr shape Out = L::template output_shape<In>;
  static constexpr std::size_t HW = Out.h * Out.w;
  static constexpr std::size_t CKK = In.c * K * K;
  static constexpr std::size_t PT = L::template pad_top<In>;
  static constexpr std::size_t PL = L::template pad_left<In>;
  static constexpr bool pointwise = K == 1 && S == 1 && PT == 0 && PL == 0;  // 1x1: the input is its own im2col
  /// backward needs x and dY only: a ReLU after it may overwrite its output (runner_base.hpp).
  static constexpr bool backward_reads_output = false;
  /// forward applies a following in-place ReLU when ctx.relu (runner_base.hpp's relu_fused): in the
  /// Winograd output transform, or with the bias after the GEMM.
  static constexpr bool fuses_relu = true;
  /// backward applies the backward of an in-place ReLU before it when ctx.relu_mask (runner_base.hpp's
  /// relu_backward_fused): dL/dx only where x (the ReLU's output) > 0, in the Winograd output transform
  /// or after col2im / the 1 x 1 GEMM, per group of samples.
  static constexpr bool masks_relu = true;
  /// Samples per GEMM: at least 256 columns (one sample when its output has >= 256 positions), but an
  /// im2col block of at most 256K floats (1 MiB: half of a 2 MiB L2, so the block is still in cache when
  /// the GEMM packs it). Measured on S1-S3 (bm_train, one thread): larger groups (>= 1024 or 4096
  /// columns, blocks up to 16 MiB) were 10-25% slower per train step.
  static constexpr std::size_t group = std::max<std::size_t>(
      1, std::min<std::size_t>((256 + HW - 1) / HW, (std::size_t{1} << 18) / std::max<std::size_t>(1, CKK * HW)));

  /// The algorithm rule: Winograd F(2x2, 3x3) for the forward pass and dL/dx of 3x3 stride-1
  /// convolutions with at least 3 input and 32 output channels and outputs of at least 12 x 12; im2col +
  /// GEMM for every other layer, and for the weight gradients (see below). Measured with
  /// bench/bm_layers at one thread, alternating builds (README, Performance): with Winograd's 16
  /// products as GEMMs, forward and dL/dx 1.3-2.1x faster than im2col on every such layer of S2 and S3
  /// with >= 32 input channels (32 x 32, 16 x 16, 15 x 15 and 13 x 13 outputs, 32-100 channels), and
  /// 1.2-1.6x slower on S1's layers; with the blocked kernel (winograd::blocked) a further 1.1-1.4x on
  /// those layers, and now also faster on the RGB input layers (3 channels: S2's and S3's conv_1
  /// forward 1.32x, two runs of 3-4 alternating rounds) and on S1's conv_2 (16 channels, 14 x 14: forward
  /// 1.14-1.33x). S1's conv_3 (7 x 7 outputs) stays im2col: the 2x2 tiles waste more of a small output.
  static constexpr bool use_winograd = K == 3 && S == 1 && In.c >= 3 && F >= 32 && Out.h >= 12 && Out.w >= 12;
  /// Weight gradients never use Winograd: its dL/dw sums transformed products up to 16x larger than the
  /// direct ones (|B^T d B| <= 4 max |d|, |A dY A^T| <= 4 max |dY|) before G^T dU G cancels them, so
  /// components near zero carry a larger absolute error; RMSprop, whose step does not shrink with the
  /// gradient, turns that into weight differences: with it on S3's conv_3 the PyTorch oracle
  /// (tests/oracle) measured 1.6e-4 from float64 PyTorch after 3 steps (bound 1e-4; im2col: 3.0e-5,
  /// float32 PyTorch: 3.4e-5). winograd::conv::backward_weights stays tested (tests/unit/winograd.cpp)
  /// for a rule that can prove it keeps the bounds.
  static constexpr wgrad::geometry wgeom{In.c, In.h, In.w, F, K, Out.h, Out.w, PT, PL};
  /// The weight-gradient rule (wgrad.hpp's two kernels compute the same products as direct
  /// convolution, without im2col), for stride-1 layers with a kernel larger than 1 x 1:
  ///  1. channels in lanes (wgrad::backward_weights_channels) when the input channels fill whole
  ///     vectors (c a multiple of simd::lanes: 16 with AVX-512) and the shifted windows' padded rows
  ///     would cost more than 1.1x the output positions (small outputs);
  ///  2. else shifted windows with positions in lanes (wgrad::backward_weights) when those rows cost at
  ///     most 1.2x the output positions (wgrad's length() = oh * (ow + k - 1) rounded up to the vector
  ///     width) and there are at least 27 (input channel, tap) rows;
  ///  3. else im2col + GEMM (1 x 1 and strided layers too: a 1 x 1 layer's input is its own im2col).
  /// Measured with bench/bm_layers at one thread, alternating builds, medians of dL/dw per step (README,
  /// Performance). Shifted windows against im2col: 1.2-2.0x faster on S2's conv_1, conv_2 and conv_4
  /// and S3's conv_1 and conv_2 (1.06-1.08x the direct convolution's work), 0.92-1.09x at 1.13-1.14x,
  /// slower on S3's conv_4 (13 x 13 outputs: 1.23x the work, 0.95x) and S1's conv_3 (7 x 7: 1.31x,
  /// 0.83x). With fewer than 27 rows copying dY to the padded rows costs more than the products save
  /// (S1's conv_1, one channel: 1.5 ms against im2col's 1.2). Channels in lanes, 5 rounds against the
  /// build before: S3's conv_3 21.5 -> 16.9 ms, conv_4 31.7 -> 23.1 (was im2col), S1's conv_2 2.9 ->
  /// 2.1, conv_3 2.4 -> 1.8 (was im2col); on S3's conv_2 (30 x 30, windows' work 1.07x) it was slower
  /// than shifted windows in the model (33.6 against 28.8 ms, 4 rounds) though level alone, hence the
  /// 1.1x condition; S2's 50 and 100 channels do not fill 16-float vectors.
  static constexpr wgrad::method dw_method =
      S != 1 || K == 1                                             ? wgrad::method::im2col
      : In.c % simd::lanes == 0 && wgeom.length() * 10 > HW * 11 ? wgrad::method::channels
      : CKK >= 27 && wgeom.length() * 5 <= HW * 6                  ? wgrad::method::windows
                                                                   : wgrad::method::im2col;
  /// dL/dw without im2col (either wgrad.hpp kernel).
  static constexpr bool use_wgrad = dw_method != wgrad::method::im2col;
  static constexpr winograd::conv wino = winograd::conv::make(winograd::geometry{In.c, In.h, In.w, Out.h, Out.w, PT, PL}, F);

  static constexpr std::size_t workspace_floats(std::size_t rows) {
    const std::size_t g = std::min(group, std::max<std::size_t>(rows, 1));
    // backward without dL/dw needs no im2col block (col), only dcol and the regrouped dY
    const std::size_t im2col_floats = (use_wgrad ? 1 : 2) * CKK * g * HW + F * g * HW;
    std::size_t floats = im2col_floats;
    if constexpr (dw_method == wgrad::method::windows) floats = std::max(floats, wgeom.workspace_floats(rows));
    if constexpr (dw_method == wgrad::method::channels) floats = std::max(floats, wgeom.channel_workspace_floats(rows));
    if constexpr (use_winograd) floats = std::max(floats, wino.workspace_floats(rows));
    return floats;
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
                if (hi > lo) copy(srow + lo + kx - PL, d + lo, static_cast<std::size_t>(hi - lo));
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

  void forward(const context& ctx, const float* x, float* y, std::size_t n, const float* w) {
    const float* bias = nullptr;
    if constexpr (L::has_bias) bias = w + tensor_offset<L, In>(param_role::bias);
    if constexpr (use_winograd) {
      wino.forward(w, bias, x, n, y, ctx.workspace, ctx.relu);
      return;
    }
    for (std::size_t s = 0; s < n; s += group) {
      const std::size_t g_count = std::min(group, n - s);
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
        if (L::has_bias || ctx.relu)
          for (std::size_t f = 0; f < F; ++f) epilogue(out + f * HW, out + f * HW, bias, f, ctx.relu);
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
          if (L::has_bias || ctx.relu) epilogue(src, dst, bias, f, ctx.relu);
          else copy(src, dst, HW);
        }
      }
    }
  }

  void backward(const context& ctx, const float* x, const float*, const float* dy, float* dx, std::size_t n,
                const float* w, float* dw) {
    float* dbias = nullptr;
    if constexpr (L::has_bias) dbias = dw + tensor_offset<L, In>(param_role::bias);
    if constexpr (use_wgrad) {
      ctx.phase(profile_phase::backward_weights);
      if constexpr (dw_method == wgrad::method::channels)
        wgrad::backward_weights_channels(wgeom, x, dy, n, dw, dbias, ctx.workspace);
      else
        wgrad::backward_weights(wgeom, x, dy, n, dw, dbias, ctx.workspace);
      ctx.phase(profile_phase::backward_data);
      if (!dx) return;
      if constexpr (use_winograd) wino.backward_data(w, dy, n, dx, ctx.workspace, ctx.relu_mask ? x : nullptr);
      else backward_im2col(ctx, x, dy, dx, n, w, nullptr, nullptr);  // dL/dx only
      return;
    }
    backward_im2col(ctx, x, dy, dx, n, w, dw, dbias);
  }

 private:
  // dst[p] = src[p] + bias[f] (no bias: + 0 is skipped), then max(0, .) when relu (ReLU's own f), p < HW.
  static void epilogue(const float* src, float* dst, const float* bias, std::size_t f, bool relu) {
    const float b = L::has_bias ? bias[f] : 0.0f;
    if (relu) {
      for (std::size_t p = 0; p < HW; ++p) {
        const float v = L::has_bias ? src[p] + b : src[p];
        dst[p] = v > 0.0f ? v : 0.0f;
      }
    } else {
      for (std::size_t p = 0; p < HW; ++p) dst[p] = src[p] + b;
    }
  }
  // dL/dx (dx not null) and dL/dw, dL/db (dw not null) by im2col + GEMM.
  void backward_im2col(const context& ctx, const float* x, const float* dy, float* dx, std::size_t n, const float* w,
                       float* dw, float* dbias) {
    for (std::size_t s = 0; s < n; s += group) {
      const std::size_t g_count = std::min(group, n - s);
      const std::size_t ld = g_count * HW;
      float* dcol = ctx.workspace;                               // CKK x ld
      float* dyg = ctx.workspace + CKK * ld;                     // F x ld
      float* col = dw ? ctx.workspace + CKK * ld + F * ld : nullptr;  // CKK x ld
      const float* dyp = dy + s * Out.size();
      if (dw) ctx.phase(profile_phase::backward_weights);  // dY regrouping, dbias, im2col, the dW GEMM
      if (g_count > 1) {
        for (std::size_t g = 0; g < g_count; ++g)
          for (std::size_t f = 0; f < F; ++f) copy(dy + (s + g) * Out.size() + f * HW, dyg + f * ld + g * HW, HW);
        dyp = dyg;
      }
      if (dw) {
        if constexpr (L::has_bias)
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
        ctx.phase(profile_phase::backward_data);  // the dX GEMM and col2im (and the phase the kernel ends in)
      }
      if (!dx) continue;
      if constexpr (pointwise) {
        if (g_count == 1) {
          gemm(CKK, HW, F, w, CKK, true, dyp, HW, false, dx + s * In.size(), HW, false);
          if (ctx.relu_mask) simd::mask_relu(x + s * In.size(), dx + s * In.size(), In.size());
          continue;
        }
      }
      gemm(CKK, ld, F, w, CKK, true, dyp, ld, false, dcol, ld, false);  // dcol = W^T * dY
      std::fill(dx + s * In.size(), dx + (s + g_count) * In.size(), 0.0f);
      col2im(dcol, s, g_count, dx);
      if (ctx.relu_mask) simd::mask_relu(x + s * In.size(), dx + s * In.size(), g_count * In.size());
    }
  }
};

}  // namespace cnnbench::backend::eigen
