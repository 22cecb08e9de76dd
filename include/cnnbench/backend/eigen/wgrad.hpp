// cnnbench/backend/eigen/wgrad.hpp: the weight gradient of a stride-1 convolution by shifted windows,
// without im2col, on the zero-padded input, by one of two register-blocked kernels:
//  - positions in the vector lanes (backward_weights, below): dot products of dY rows with windows of
//    the padded input;
//  - input channels in the lanes (backward_weights_channels, at the end): the input in blocks of
//    `lanes` channels (NCHW -> N C/lanes H W lanes, as oneDNN's nChw16c), each dY value broadcast
//    against the vectors of several taps; no horizontal sums, no padded columns in the work.
// conv.hpp's rule (dw_method) chooses per layer. Both add dL/dw ([f, c, k, k] row-major) and dL/db
// into the caller's arrays for NCHW x {c, h, w} and dY {f, oh, ow} per sample, neither throws nor
// allocates (the caller passes workspace_floats(n) or channel_workspace_floats(n) floats), and both
// are deterministic for a given geometry and slice of samples.
//
// POSITIONS IN LANES.
// For a stride-1 k x k correlation with zero padding, pad the input to hp x wp = (oh + k - 1) x
// (ow + k - 1) per channel (Xp) and write dY on the same row length wp, zero in its columns ow .. wp
// (dYw). Position p = oy * wp + ox of dYw then meets the input value of tap (ky, kx) at p + ky * wp + kx
// of Xp's plane, so for every tap the weight gradient is a dot product of two contiguous rows:
//   dW[f][c][ky][kx] += sum over samples and p of  dYw[f][p] * Xp[c][p + ky * wp + kx]
// (the zero columns of dYw cancel the products that wrap into the next row). That is a GEMM
// dW [F x C k k] += dYw [F x L] * B^T where B's rows are shifted windows of Xp: nothing is copied
// k * k times (im2col writes and the GEMM packs C k k x L floats per sample; here the copies are the
// input once and dY once). The kernel holds a block of FR x CR dot products in vector registers,
// each vector summing `lanes` positions, and adds their lanes (simd::reduce_add, a fixed order) into dW
// once per pass (geometry::pass_samples samples x pass_positions positions). Work: 2 F C k k L FLOPs
// per sample with L = oh * wp rounded up to the vector width, (wp / ow) times the direct
// convolution's (S2's 32 x 32 layers: 34/32, S3's 15 x 15: 17/15).
//
// Float32 error: each dW element is the same sum of products as direct convolution's, in another
// order (per-lane partial sums, then pairwise across lanes), so no larger than im2col + GEMM's;
// measured against float64 in tests/unit/wgrad.cpp. Deterministic: the order depends only on the
// geometry and the samples the caller passes (a thread's slice), not on timing. Nothing here throws or
// allocates: the caller passes geometry::workspace_floats(n) floats of scratch (conv.hpp sizes the
// runner's per-thread workspace with it). Non-finite inputs: a padded column multiplies 0 by the value
// that wraps in from the next row, so an Inf there gives NaN where direct convolution would give Inf.
#pragma once
#include <algorithm>
#include <cstddef>

#include "simd.hpp"

namespace cnnbench::backend::eigen::wgrad {

/// Register block: FR output channels x CR (input channel, tap) rows; FR * CR + FR + 1 vector
/// registers (32 with AVX-512, 16 with AVX2 and SSE).
#if defined(__AVX512F__)
inline constexpr std::size_t FR = 4, CR = 6;
#else
inline constexpr std::size_t FR = 2, CR = 6;
#endif

/// Register block of the channels-in-lanes kernel (backward_weights_channels): CF output channels x
/// CT taps, each a vector of `lanes` input channels; CF * CT + CF + 1 vector registers (31 of 32 with
/// AVX-512: all nine taps of a 3 x 3 kernel for 3 output channels; 15 of 16 with AVX2 and SSE).
#if defined(__AVX512F__)
inline constexpr std::size_t CF = 3, CT = 9;
#else
inline constexpr std::size_t CF = 2, CT = 6;
#endif
/// Positions the channels-in-lanes kernel sums in registers before it adds them to its float partial
/// sums (bounds the length of a float32 summation chain; about 1% of its loads and stores).
inline constexpr std::size_t flush_positions = 256;

/// How a Conv kernel computes dL/dw (conv.hpp's rule chooses per layer): im2col + GEMM, shifted
/// windows with positions in the vector lanes (backward_weights), or with input channels in the lanes
/// (backward_weights_channels).
enum class method { im2col, windows, channels };

/// The geometry of one stride-1 k x k correlation: input {c, h, w} per sample, f output channels,
/// output {oh, ow} (oh = h + pt + pb - k + 1), zero padding pt above and pl left of the input.
struct geometry {
  std::size_t c = 0, h = 0, w = 0;  ///< input channels, height, width
  std::size_t f = 0;                ///< output channels
  std::size_t k = 0;                ///< kernel height and width
  std::size_t oh = 0, ow = 0;       ///< output height, width
  std::size_t pt = 0, pl = 0;       ///< zero padding above and left of the input
  /// Padded input width and height (the row length of Xp and dYw).
  [[nodiscard]] constexpr std::size_t wp() const noexcept { return ow + k - 1; }
  [[nodiscard]] constexpr std::size_t hp() const noexcept { return oh + k - 1; }
  /// Floats of one channel of Xp.
  [[nodiscard]] constexpr std::size_t plane() const noexcept { return hp() * wp(); }
  /// The dot products' length per sample: oh * wp rounded up to the vector width.
  [[nodiscard]] constexpr std::size_t length() const noexcept {
    return (oh * wp() + simd::lanes - 1) / simd::lanes * simd::lanes;
  }
  /// Rows of dW per output channel: c * k * k.
  [[nodiscard]] constexpr std::size_t rows() const noexcept { return c * k * k; }
  /// Floats of Xp and dYw per sample.
  [[nodiscard]] constexpr std::size_t sample_floats() const noexcept { return f * length() + c * plane(); }
  /// Samples per block: Xp and dYw of a block within 256K floats (1 MiB, half of a 2 MiB L2), at least 1.
  [[nodiscard]] constexpr std::size_t group() const noexcept {
    return std::max<std::size_t>(1, (std::size_t{1} << 18) / std::max<std::size_t>(1, sample_floats()));
  }
  /// Positions per pass when one sample is larger than the block budget (else the whole length).
  [[nodiscard]] constexpr std::size_t segment() const noexcept {
    if (sample_floats() <= (std::size_t{1} << 18)) return length();
    const std::size_t s = (std::size_t{1} << 18) / std::max<std::size_t>(1, f + c) / simd::lanes * simd::lanes;
    return std::clamp<std::size_t>(s, simd::lanes, length());
  }
  // backward_weights' loops: for each block of group() samples and segment of positions, for each FR
  // output channels, for every (channel, tap) row: the FR dY rows of a pass (FR x samples x positions
  // floats) are re-read for every row block, so a pass keeps them within l1_floats (24 KiB, half of a
  // 48 KiB L1d) when it can; the windows of Xp stream from L2. Measured against the block-wide pass
  // (rows outer, dY rows from L2) on S2's and S3's layers: 1.05-1.2x (README, Performance).
  /// Floats of dY rows one pass of backward_weights aims to keep in L1.
  static constexpr std::size_t l1_floats = 6144;
  /// Samples per pass of backward_weights (of a block of group() samples).
  [[nodiscard]] constexpr std::size_t pass_samples() const noexcept {
    if (segment() < length()) return 1;
    return std::clamp<std::size_t>(l1_floats / (FR * length()), 1, group());
  }
  /// Positions per pass of backward_weights: the whole length, or segment()'s positions cut to
  /// l1_floats / FR (at least one vector) when a sample is larger than a block.
  [[nodiscard]] constexpr std::size_t pass_positions() const noexcept {
    if (segment() == length()) return length();
    return std::clamp<std::size_t>(l1_floats / FR / simd::lanes * simd::lanes, simd::lanes, segment());
  }
  /// Scratch floats for a slice of `samples` samples: one block of Xp and dYw, plus k + lanes zeroed
  /// floats after dYw. (The last channel's windows read up to k + lanes - 3 floats past Xp, into dYw:
  /// finite values that meet dYw's zero columns; the slack keeps the buffer's end out of reach.)
  [[nodiscard]] constexpr std::size_t workspace_floats(std::size_t samples) const noexcept {
    return std::min(group(), std::max<std::size_t>(samples, 1)) * sample_floats() + k + simd::lanes;
  }

  // The channels-in-lanes layout (backward_weights_channels): Xc[block][y][x][lane], the input's
  // channels in blocks of `lanes` (the last block zero-filled beyond c), zero-padded to hp x wp.
  /// Channel blocks: c / lanes rounded up.
  [[nodiscard]] constexpr std::size_t channel_blocks() const noexcept { return (c + simd::lanes - 1) / simd::lanes; }
  /// Floats of Xc per sample.
  [[nodiscard]] constexpr std::size_t channel_floats() const noexcept { return channel_blocks() * plane() * simd::lanes; }
  /// Samples per block of the channels-in-lanes kernel: Xc and dY of a block within 256K floats (1
  /// MiB), at least 1 (a larger sample is one block: the kernel streams it, nothing is cut).
  [[nodiscard]] constexpr std::size_t channel_group() const noexcept {
    return std::max<std::size_t>(1, (std::size_t{1} << 18) / std::max<std::size_t>(1, channel_floats() + f * oh * ow));
  }
  /// Scratch floats of backward_weights_channels for a slice of `samples` samples: Xc of one block.
  [[nodiscard]] constexpr std::size_t channel_workspace_floats(std::size_t samples) const noexcept {
    return std::min(channel_group(), std::max<std::size_t>(samples, 1)) * channel_floats();
  }
};

namespace detail {
/// The sum of p[0 .. n) in double (dL/db per sample and channel: its error does not grow with n), in 8
/// independent partial sums combined pairwise: a fixed order (deterministic), and 8 additions in
/// flight instead of one chain of n dependent additions (measured: the chain was 35% of the weight
/// gradient of S3's 3-channel conv_1).
inline double sum_double(const float* p, std::size_t n) noexcept {
  double a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (std::size_t l = 0; l < 8; ++l) a[l] += static_cast<double>(p[i + l]);
  for (std::size_t l = 0; i < n; ++i, ++l) a[l] += static_cast<double>(p[i]);
  return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

/// dw[i * ldw + j] += sum over s < samples, p < len of a[s * sa + i * lda + p] * b[s * sb + boff[j] + p],
/// i < R, j < C; len a multiple of simd::lanes. Not inlined on purpose: inlined into its caller, GCC 12
/// spilled the accumulators to the stack (measured 2.5x slower on S2's conv_2 shape).
template <std::size_t R, std::size_t C>
[[gnu::noinline]] inline void block(const float* a, std::size_t lda, const float* b, const std::size_t* boff, std::size_t sa,
                  std::size_t sb, std::size_t samples, std::size_t len, float* dw, std::size_t ldw) {
  using simd::vec;
  vec acc[R][C];
  for (std::size_t i = 0; i < R; ++i)
    for (std::size_t j = 0; j < C; ++j) acc[i][j] = vec{};
  for (std::size_t s = 0; s < samples; ++s) {
    const float* as = a + s * sa;
    const float* bs[C];
    for (std::size_t j = 0; j < C; ++j) bs[j] = b + s * sb + boff[j];
    for (std::size_t p = 0; p < len; p += simd::lanes) {
      vec av[R];
      for (std::size_t i = 0; i < R; ++i) av[i] = simd::load<vec>(as + i * lda + p);
      for (std::size_t j = 0; j < C; ++j) {
        const vec bv = simd::load<vec>(bs[j] + p);
        for (std::size_t i = 0; i < R; ++i) acc[i][j] = simd::fma(av[i], bv, acc[i][j]);
      }
    }
  }
  for (std::size_t i = 0; i < R; ++i)
    for (std::size_t j = 0; j < C; ++j) dw[i * ldw + j] += simd::reduce_add(acc[i][j]);
}

/// block<r, c> for a tail block of r <= R rows and c <= C columns.
template <std::size_t R, std::size_t C>
inline void any_block(std::size_t r, std::size_t c, const float* a, std::size_t lda, const float* b,
                      const std::size_t* boff, std::size_t sa, std::size_t sb, std::size_t samples, std::size_t len,
                      float* dw, std::size_t ldw) {
  if constexpr (R > 1)
    if (r < R) return any_block<R - 1, C>(r, c, a, lda, b, boff, sa, sb, samples, len, dw, ldw);
  if constexpr (C > 1)
    if (c < C) return any_block<R, C - 1>(r, c, a, lda, b, boff, sa, sb, samples, len, dw, ldw);
  block<R, C>(a, lda, b, boff, sa, sb, samples, len, dw, ldw);
}

/// out[(i * C + j) * lanes + l] = sum over s < samples, oy < oh, ox < ow of
///   dy[s * ss + i * fs + oy * ow + ox] * xc[s * xs + (oy * wp + ox) * lanes + toff[j] + l],
/// i < R output channels, j < C taps, l < lanes input channels: the channels-in-lanes kernel. Each
/// position broadcasts R values of dY and loads C vectors of Xc. The registers hold at most
/// flush_positions positions (whole rows) before they are added to `out`. Not inlined (as block).
template <std::size_t R, std::size_t C>
[[gnu::noinline]] inline void channel_block(const float* dy, std::size_t fs, std::size_t ss, const float* xc,
                                            std::size_t xs, const std::size_t* toff, std::size_t samples,
                                            std::size_t oh, std::size_t ow, std::size_t wp, float* out) {
  using simd::vec;
  constexpr std::size_t W = simd::lanes;
  vec acc[R][C];
  for (std::size_t i = 0; i < R; ++i)
    for (std::size_t j = 0; j < C; ++j) {
      acc[i][j] = vec{};
      simd::store(out + (i * C + j) * W, vec{});
    }
  std::size_t held = 0;  // positions in acc since the last flush
  for (std::size_t s = 0; s < samples; ++s)
    for (std::size_t oy = 0; oy < oh; ++oy) {
      const float* d = dy + s * ss + oy * ow;
      const float* xr = xc + s * xs + oy * wp * W;
      for (std::size_t ox = 0; ox < ow; ++ox) {
        vec bc[R];
        for (std::size_t i = 0; i < R; ++i) bc[i] = simd::broadcast(d[i * fs + ox]);
        const float* xp = xr + ox * W;
        for (std::size_t j = 0; j < C; ++j) {
          const vec xv = simd::load<vec>(xp + toff[j]);
          for (std::size_t i = 0; i < R; ++i) acc[i][j] = simd::fma(bc[i], xv, acc[i][j]);
        }
      }
      held += ow;
      if (held >= flush_positions || (s + 1 == samples && oy + 1 == oh)) {
        for (std::size_t i = 0; i < R; ++i)
          for (std::size_t j = 0; j < C; ++j) {
            simd::store(out + (i * C + j) * W, simd::load<vec>(out + (i * C + j) * W) + acc[i][j]);
            acc[i][j] = vec{};
          }
        held = 0;
      }
    }
}

/// channel_block<r, c> for a tail block of r <= R output channels and c <= C taps.
template <std::size_t R, std::size_t C>
inline void any_channel_block(std::size_t r, std::size_t c, const float* dy, std::size_t fs, std::size_t ss,
                              const float* xc, std::size_t xs, const std::size_t* toff, std::size_t samples,
                              std::size_t oh, std::size_t ow, std::size_t wp, float* out) {
  if constexpr (R > 1)
    if (r < R) return any_channel_block<R - 1, C>(r, c, dy, fs, ss, xc, xs, toff, samples, oh, ow, wp, out);
  if constexpr (C > 1)
    if (c < C) return any_channel_block<R, C - 1>(r, c, dy, fs, ss, xc, xs, toff, samples, oh, ow, wp, out);
  channel_block<R, C>(dy, fs, ss, xc, xs, toff, samples, oh, ow, wp, out);
}
}  // namespace detail

/// Xp and dYw of samples x[0 .. count) (NCHW, x: {c, h, w}, dy: {f, oh, ow} per sample) into `ws`
/// (layout: Xp of each sample, then dYw of each sample, then the zeroed slack); db[o] += the sum of dY's
/// channel o (detail::sum_double per sample) when db is not null.
inline void prepare_block(const geometry& g, const float* x, const float* dy, std::size_t count, float* db,
                          float* ws) {
  const std::size_t wp = g.wp(), plane = g.plane(), L = g.length();
  float* xp = ws;
  for (std::size_t s = 0; s < count; ++s)
    for (std::size_t ch = 0; ch < g.c; ++ch) {
      float* dst = xp + (s * g.c + ch) * plane;
      const float* src = x + (s * g.c + ch) * g.h * g.w;
      std::fill(dst, dst + g.pt * wp, 0.0f);
      for (std::size_t y = 0; y < g.h && g.pt + y < g.hp(); ++y) {
        float* row = dst + (g.pt + y) * wp;
        const std::size_t cols = std::min(g.w, wp - g.pl);
        std::fill(row, row + g.pl, 0.0f);
        std::copy(src + y * g.w, src + y * g.w + cols, row + g.pl);
        std::fill(row + g.pl + cols, row + wp, 0.0f);
      }
      const std::size_t filled = std::min(g.hp(), g.pt + g.h);
      std::fill(dst + filled * wp, dst + plane, 0.0f);
    }
  float* dyw = xp + count * g.c * plane;
  std::fill(dyw + count * g.f * L, dyw + count * g.f * L + g.k + simd::lanes, 0.0f);  // the slack
  for (std::size_t s = 0; s < count; ++s)
    for (std::size_t o = 0; o < g.f; ++o) {
      float* dst = dyw + (s * g.f + o) * L;
      const float* src = dy + (s * g.f + o) * g.oh * g.ow;
      for (std::size_t y = 0; y < g.oh; ++y) {
        float* row = dst + y * wp;
        std::copy(src + y * g.ow, src + (y + 1) * g.ow, row);
        std::fill(row + g.ow, row + wp, 0.0f);
      }
      std::fill(dst + g.oh * wp, dst + L, 0.0f);
      if (db) db[o] += static_cast<float>(detail::sum_double(src, g.oh * g.ow));
    }
}

/// dw[o][ch][ky][kx] += dL/dw ([f, c, k, k] row-major) and, when db is not null, db[o] += dL/db over the
/// n samples x (NCHW {c, h, w} each) with output gradients dy ({f, oh, ow} each). `ws`:
/// g.workspace_floats(n) floats.
inline void backward_weights(const geometry& g, const float* x, const float* dy, std::size_t n, float* dw, float* db,
                             float* ws) {
  const std::size_t L = g.length(), plane = g.plane(), rows = g.rows(), kk = g.k * g.k;
  const std::size_t group = g.group(), ps = g.pass_samples(), seg = g.pass_positions();
  for (std::size_t s0 = 0; s0 < n; s0 += group) {
    const std::size_t count = std::min(group, n - s0);
    prepare_block(g, x + s0 * g.c * g.h * g.w, dy + s0 * g.f * g.oh * g.ow, count, db, ws);
    const float* xp = ws;
    const float* dyw = ws + count * g.c * plane;
    for (std::size_t s1 = 0; s1 < count; s1 += ps) {  // passes: samples x positions (l1_floats)
      const std::size_t pc = std::min(ps, count - s1);
      const float* xs = xp + s1 * g.c * plane;
      const float* ds = dyw + s1 * g.f * L;
      for (std::size_t p0 = 0; p0 < L; p0 += seg) {
        const std::size_t len = std::min(seg, L - p0);
        for (std::size_t o0 = 0; o0 < g.f; o0 += FR)
          for (std::size_t r0 = 0; r0 < rows; r0 += CR) {  // B rows: (channel, tap), shifted windows of Xp
            const std::size_t cr = std::min(CR, rows - r0);
            std::size_t boff[CR];
            for (std::size_t j = 0; j < cr; ++j) {
              const std::size_t r = r0 + j, ch = r / kk, tap = r % kk;
              boff[j] = ch * plane + (tap / g.k) * g.wp() + tap % g.k;
            }
            detail::any_block<FR, CR>(std::min(FR, g.f - o0), cr, ds + o0 * L + p0, L, xs + p0, boff, g.f * L,
                                      g.c * plane, pc, len, dw + o0 * rows + r0, rows);
          }
      }
    }
  }
}

/// Xc (geometry's channels-in-lanes layout) of samples x[0 .. count) into xc (count *
/// g.channel_floats() floats).
inline void prepare_channels(const geometry& g, const float* x, std::size_t count, float* xc) {
  constexpr std::size_t W = simd::lanes;
  const std::size_t wp = g.wp(), per = g.channel_floats();
  std::fill(xc, xc + count * per, 0.0f);
  const std::size_t rows = std::min(g.h, g.hp() - std::min(g.hp(), g.pt)), cols = std::min(g.w, wp - std::min(wp, g.pl));
  for (std::size_t s = 0; s < count; ++s)
    for (std::size_t ch = 0; ch < g.c; ++ch) {
      float* dst = xc + s * per + (ch / W) * g.plane() * W + ch % W;
      const float* src = x + (s * g.c + ch) * g.h * g.w;
      for (std::size_t y = 0; y < rows; ++y) {
        float* row = dst + ((g.pt + y) * wp + g.pl) * W;
        for (std::size_t q = 0; q < cols; ++q) row[q * W] = src[y * g.w + q];
      }
    }
}

/// As backward_weights (dw[o][ch][ky][kx] += dL/dw, db[o] += dL/db when db is not null, over the n
/// samples), by the channels-in-lanes kernel: the input in channel blocks of `lanes` (Xc), each
/// position's dY broadcast against CT taps' vectors of Xc, CF output channels at a time. No padded
/// columns and no rounding of the positions (the work is the direct convolution's), but the last
/// channel block computes lanes - c % lanes channels it discards. `ws`: g.channel_workspace_floats(n)
/// floats. dY is read where it is (nothing copied); dL/db is summed in double per sample.
/// Float32 error: each dW element sums at most flush_positions products (whole rows) in a register,
/// then adds those partial sums in order: the same products as direct convolution in another order.
inline void backward_weights_channels(const geometry& g, const float* x, const float* dy, std::size_t n, float* dw,
                                      float* db, float* ws) {
  constexpr std::size_t W = simd::lanes;
  const std::size_t kk = g.k * g.k, rows = g.rows(), hw = g.oh * g.ow, group = g.channel_group();
  std::size_t toff[CT];
  alignas(64) float out[CF * CT * W];
  for (std::size_t s0 = 0; s0 < n; s0 += group) {
    const std::size_t count = std::min(group, n - s0);
    prepare_channels(g, x + s0 * g.c * g.h * g.w, count, ws);
    const float* dys = dy + s0 * g.f * hw;
    if (db)
      for (std::size_t s = 0; s < count; ++s)
        for (std::size_t o = 0; o < g.f; ++o) {
          db[o] += static_cast<float>(detail::sum_double(dys + (s * g.f + o) * hw, hw));
        }
    for (std::size_t b = 0; b < g.channel_blocks(); ++b) {
      const std::size_t lanes_used = std::min(W, g.c - b * W);
      for (std::size_t t0 = 0; t0 < kk; t0 += CT) {
        const std::size_t tc = std::min(CT, kk - t0);
        for (std::size_t j = 0; j < tc; ++j) toff[j] = (((t0 + j) / g.k) * g.wp() + (t0 + j) % g.k) * W;
        for (std::size_t o0 = 0; o0 < g.f; o0 += CF) {
          const std::size_t fr = std::min(CF, g.f - o0);
          detail::any_channel_block<CF, CT>(fr, tc, dys + o0 * hw, hw, g.f * hw, ws + b * g.plane() * W,
                                            g.channel_floats(), toff, count, g.oh, g.ow, g.wp(), out);
          for (std::size_t i = 0; i < fr; ++i)
            for (std::size_t j = 0; j < tc; ++j)
              for (std::size_t l = 0; l < lanes_used; ++l)
                dw[(o0 + i) * rows + (b * W + l) * kk + t0 + j] += out[(i * tc + j) * W + l];
        }
      }
    }
  }
}

}  // namespace cnnbench::backend::eigen::wgrad
