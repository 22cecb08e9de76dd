// cnnbench/backend/eigen/winograd.hpp: 3x3 stride-1 convolution by Winograd's minimal filtering
// algorithm F(2x2, 3x3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", CVPR 2016,
// arXiv:1509.09308): forward and backward-data by blocks of tiles that stay in cache, with a
// register-blocked kernel for the 16 products (namespace blocked), backward-weights as 16 GEMMs (gemm.hpp).
//
// Each 2x2 output tile y of one channel pair is  y = A^T [ (G g G^T) (.) (B^T d B) ] A,  d the 4x4 input
// patch under the tile (zero outside the image: the layer's padding), g the 3x3 filter, (.) the
// element-wise product; summing over input channels turns the 16 element-wise products into 16
// matrix products M[xi] = U[xi] V[xi] (xi = 0..15, the position in the 4x4 transformed tile):
//   U[xi]  [Cout x Cin]    transformed filters  G g G^T
//   V[xi]  [Cin x N]       transformed input tiles  B^T d B, one column per tile (N = samples x tiles)
//   M[xi]  [Cout x N]      transformed outputs, then y = A^T M A per tile (cropped at the border)
// Backward-data is the same algorithm on dY with the filters rotated by 180 degrees, input and output
// channels swapped and padding K - 1 - pad (a "full" correlation); backward-weights differentiates the
// forward formula: dU[xi] = sum over tiles of dM[xi] V[xi]^T with dM = A dY A^T, and dg = G^T dU G.
// Multiplications per output: 16/4 = 4 instead of 9 (2.25x fewer) plus the transforms (additions only,
// and the factors 1/2 of G). All matrices are row-major float32; the transforms are vector loops over
// consecutive tiles (GCC/Clang vector extensions, simd.hpp). Geometry is a run-time struct on purpose:
// one instantiation for every layer shape (compile time); the products dominate the run time.
//
// Float32 error: the transforms add a few roundings per element (coefficients 0, +-1, +-1/2, exact in
// binary); measured against float64 in tests/unit/winograd.cpp per layer shape of S1-S3 (the
// README's Correctness section has the figures: relative to the largest value, no larger than direct
// float32 convolution's). The weight gradient's components near zero are less accurate than direct
// convolution's (conv.hpp says why eigen_cpu does not use it). Results do not
// depend on the thread count beyond what the batch split does (each thread transforms its own
// samples; weight gradients are per-thread partials the runner adds in a fixed order), so reruns are
// bit-identical.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstring>

#include "gemm.hpp"
#include "simd.hpp"

namespace cnnbench::backend::eigen::winograd {

/// The geometry of one stride-1 3x3 correlation: input {c, h, w} per sample, output {oh, ow} per
/// sample and output channel, zero padding pt (top) and pl (left) (input row = output row + ky - pt).
/// Tiles: th() rows of tw() tiles per sample, tile (ty, tx) is GEMM column q = ty * tw() + tx of its
/// sample; the transforms work on parity planes (see transform_input) with vectorised loops.
struct geometry {
  std::size_t c = 0, h = 0, w = 0;  ///< input channels, height, width
  std::size_t oh = 0, ow = 0;       ///< output height, width
  std::size_t pt = 0, pl = 0;       ///< zero padding above and left of the input
  [[nodiscard]] constexpr std::size_t th() const noexcept { return (oh + 1) / 2; }  ///< tile rows
  [[nodiscard]] constexpr std::size_t tw() const noexcept { return (ow + 1) / 2; }  ///< tiles per row
  /// Row stride of the input's parity planes (a tile row reads tw() + 1 columns of each).
  [[nodiscard]] constexpr std::size_t stride() const noexcept { return tw() + 1; }
  /// GEMM columns per sample.
  [[nodiscard]] constexpr std::size_t tiles() const noexcept { return th() * tw(); }
  /// Floats of scratch a transform needs: four parity planes of (th + 1) x stride floats (+ 1).
  [[nodiscard]] constexpr std::size_t plane_floats() const noexcept { return 4 * ((th() + 1) * stride() + 1); }
};

/// The geometry of backward-data for a forward geometry `g` with `f` output channels: the input is dY
/// {f, oh, ow}, the output dX {c, h, w}, padding 2 - pad (the full correlation with rotated filters).
[[nodiscard]] constexpr geometry backward_data_geometry(const geometry& g, std::size_t f) noexcept {
  return geometry{f, g.oh, g.ow, g.h, g.w, 2 - g.pt, 2 - g.pl};
}

/// U[(xi * cout + o) * cin + i] = (G g G^T)[xi] for the filter g = w[(o * cin + i) * 9 ..] (forward,
/// w in the layer's [F, C, 3, 3] layout with cout = F, cin = C), or, with `rotate`, for the filter of
/// backward-data: g'[ky][kx] = w[(i * cout + o) * 9 + (2 - ky) * 3 + (2 - kx)] (w still [F, C, 3, 3],
/// now cout = C and cin = F). G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]].
inline void transform_filters(const float* w, std::size_t cout, std::size_t cin, bool rotate, float* U) {
  for (std::size_t o = 0; o < cout; ++o)
    for (std::size_t i = 0; i < cin; ++i) {
      float g[3][3];
      const float* src = rotate ? w + (i * cout + o) * 9 : w + (o * cin + i) * 9;
      for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b) g[a][b] = rotate ? src[(2 - a) * 3 + (2 - b)] : src[a * 3 + b];
      float t[4][3];  // G g
      for (int b = 0; b < 3; ++b) {
        t[0][b] = g[0][b];
        t[1][b] = 0.5f * (g[0][b] + g[1][b] + g[2][b]);
        t[2][b] = 0.5f * (g[0][b] - g[1][b] + g[2][b]);
        t[3][b] = g[2][b];
      }
      for (int a = 0; a < 4; ++a) {  // (G g) G^T
        const float u[4] = {t[a][0], 0.5f * (t[a][0] + t[a][1] + t[a][2]), 0.5f * (t[a][0] - t[a][1] + t[a][2]),
                            t[a][2]};
        for (int b = 0; b < 4; ++b) U[((static_cast<std::size_t>(a) * 4 + b) * cout + o) * cin + i] = u[b];
      }
    }
}

/// dw[(o * cin + i) * 9 + a * 3 + b] += (G^T dU G)[a][b], dU[(xi * cout + o) * cin + i] (forward layout:
/// cout = F, cin = C). The adjoint of transform_filters without rotation.
inline void accumulate_filter_gradient(const float* dU, std::size_t cout, std::size_t cin, float* dw) {
  for (std::size_t o = 0; o < cout; ++o)
    for (std::size_t i = 0; i < cin; ++i) {
      float u[4][4];
      for (int a = 0; a < 4; ++a)
        for (int b = 0; b < 4; ++b) u[a][b] = dU[((static_cast<std::size_t>(a) * 4 + b) * cout + o) * cin + i];
      float h[3][4];  // G^T dU
      for (int b = 0; b < 4; ++b) {
        h[0][b] = u[0][b] + 0.5f * (u[1][b] + u[2][b]);
        h[1][b] = 0.5f * (u[1][b] - u[2][b]);
        h[2][b] = 0.5f * (u[1][b] + u[2][b]) + u[3][b];
      }
      float* d = dw + (o * cin + i) * 9;
      for (int a = 0; a < 3; ++a) {  // (G^T dU) G
        d[a * 3 + 0] += h[a][0] + 0.5f * (h[a][1] + h[a][2]);
        d[a * 3 + 1] += 0.5f * (h[a][1] - h[a][2]);
        d[a * 3 + 2] += 0.5f * (h[a][1] + h[a][2]) + h[a][3];
      }
    }
}

namespace detail {
// The input transform is written once for a scalar and for a vector of `lanes` consecutive tiles
// (GCC vector extensions, as wide as the instruction set the build targets): GCC does not
// auto-vectorise its 16 loads and 16 stores per tile.
using simd::lanes;
using simd::vector_of;
using simd::load;
using simd::store;

/// Calls fn(v, q) for q = 0 .. count - 1 in steps: full vectors of `lanes` tiles, then one vector
/// of 8 and one of 4 where they fit, then single floats (v: a value of the vector or float type
/// the step uses, for its type only).
template <class Fn>
[[gnu::always_inline]] inline void for_tiles(std::size_t count, Fn&& fn) {
  std::size_t q = 0;
  for (; q + lanes <= count; q += lanes) fn(typename vector_of<lanes>::type{}, q);
  if constexpr (lanes >= 16) {
    if (q + 8 <= count) {
      fn(typename vector_of<8>::type{}, q);
      q += 8;
    }
  }
  if constexpr (lanes >= 8) {
    if (q + 4 <= count) {
      fn(typename vector_of<4>::type{}, q);
      q += 4;
    }
  }
  for (; q < count; ++q) fn(0.0f, q);
}

/// v[xi][o ..] = (B^T d B)[xi] from the 4x4 patch values d[i][j] (row i, column j) of a vector of
/// tiles (T = vec) or of one tile (T = float). B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]].
template <class T>
[[gnu::always_inline]] inline void input_transform(const T (&d)[4][4], float* const* v, std::size_t o) {
  // t = B^T d (down the columns), then v = t B (along the rows)
  T t[4][4];
  for (int j = 0; j < 4; ++j) {
    t[0][j] = d[0][j] - d[2][j];
    t[1][j] = d[1][j] + d[2][j];
    t[2][j] = d[2][j] - d[1][j];
    t[3][j] = d[1][j] - d[3][j];
  }
  for (int i = 0; i < 4; ++i) {
    store(v[4 * i] + o, T(t[i][0] - t[i][2]));
    store(v[4 * i + 1] + o, T(t[i][1] + t[i][2]));
    store(v[4 * i + 2] + o, T(t[i][2] - t[i][1]));
    store(v[4 * i + 3] + o, T(t[i][1] - t[i][3]));
  }
}

/// v[xi][q ..] = (B^T d B)[xi] for the tiles q .. q + lanes (T = vec) or q (T = float) of the parity
/// planes (see transform_input).
template <class T>
[[gnu::always_inline]] inline void input_tiles(const float* p00, const float* p01, const float* p10, const float* p11,
                                               std::size_t R, std::size_t q, float* const* v) {
  // d[i][j], i = row 2ty + i, j = column 2tx + j
  const T d[4][4] = {{load<T>(p00 + q), load<T>(p01 + q), load<T>(p00 + q + 1), load<T>(p01 + q + 1)},
                     {load<T>(p10 + q), load<T>(p11 + q), load<T>(p10 + q + 1), load<T>(p11 + q + 1)},
                     {load<T>(p00 + q + R), load<T>(p01 + q + R), load<T>(p00 + q + R + 1), load<T>(p01 + q + R + 1)},
                     {load<T>(p10 + q + R), load<T>(p11 + q + R), load<T>(p10 + q + R + 1), load<T>(p11 + q + R + 1)}};
  input_transform(d, v, q);
}

/// m[xi][q ..] = (A dY A^T)[xi] for the tiles q .. of the dY parity planes (see transform_output_gradient).
template <class T>
[[gnu::always_inline]] inline void output_gradient_tiles(const float* d00, const float* d01, const float* d10,
                                                         const float* d11, std::size_t q, float* const* m) {
  const T a0 = load<T>(d00 + q), a1 = load<T>(d01 + q), b0 = load<T>(d10 + q), b1 = load<T>(d11 + q);
  // e = A dY (4 x 2), A = [[1, 0], [1, 1], [1, -1], [0, -1]]; then e A^T per row
  const T e[4][2] = {{a0, a1}, {a0 + b0, a1 + b1}, {a0 - b0, a1 - b1}, {-b0, -b1}};
  for (int i = 0; i < 4; ++i) {
    store(m[4 * i] + q, e[i][0]);
    store(m[4 * i + 1] + q, T(e[i][0] + e[i][1]));
    store(m[4 * i + 2] + q, T(e[i][0] - e[i][1]));
    store(m[4 * i + 3] + q, T(-e[i][1]));
  }
}
}  // namespace detail

/// V[(xi * g.c + c) * ldv + s * (ty1 - ty0) * g.tw() + q] = (B^T d B)[xi] for samples s < count of x
/// (NCHW, sample stride g.c * g.h * g.w) and the tiles of tile rows ty0 <= ty < ty1, q = (ty - ty0) *
/// g.tw() + tx; d is the 4x4 input patch of output tile (ty, tx): zero-padded input rows 2 ty .. 2 ty
/// + 3, columns 2 tx .. 2 tx + 3. B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]].
/// The zero-padded input rows 2 ty0 .. 2 ty1 + 1 are first split into four parity planes
/// P_ab[r][k] = padded[2 (ty0 + r) + a][2k + b] (row stride g.stride()); rows 2ty + i and columns
/// 2tx + j of a tile are then the offsets q', q' + 1, q' + stride, q' + stride + 1 of those planes.
/// `planes`: g.plane_floats() floats.
inline void transform_input(const geometry& g, const float* x, std::size_t count, std::size_t ty0, std::size_t ty1,
                            float* V, std::size_t ldv, float* planes) {
  const std::size_t tw = g.tw(), R = g.stride(), rows = ty1 - ty0, Tc = rows * tw, plane = (rows + 1) * R + 1;
  float* p00 = planes;  // even rows, even columns
  float* p01 = planes + plane;
  float* p10 = planes + 2 * plane;
  float* p11 = planes + 3 * plane;
  const std::size_t y_lo = 2 * ty0, y_hi = 2 * ty1 + 2;  // padded rows used
  for (std::size_t s = 0; s < count; ++s)
    for (std::size_t c = 0; c < g.c; ++c) {
      const float* xc = x + (s * g.c + c) * g.h * g.w;
      std::fill(planes, planes + 4 * plane, 0.0f);
      const std::size_t iy_lo = y_lo > g.pt ? y_lo - g.pt : 0;
      for (std::size_t iy = iy_lo; iy < g.h; ++iy) {
        const std::size_t y = iy + g.pt;  // padded row
        if (y >= y_hi) break;
        float* pe = ((y & 1) ? p10 : p00) + ((y - y_lo) / 2) * R;
        float* po = ((y & 1) ? p11 : p01) + ((y - y_lo) / 2) * R;
        // padded column xp = ix + pl goes to pe[xp / 2] (even xp) or po[xp / 2] (odd xp), xp < 2 R
        const float* src = xc + iy * g.w;
        const std::size_t w = std::min(g.w, 2 * R - std::min(2 * R, g.pl));
        float* dst_a = (g.pl & 1) ? po : pe;  // where ix = 0, 2, 4, .. go
        float* dst_b = (g.pl & 1) ? pe : po;  // where ix = 1, 3, 5, .. go
        const std::size_t base_a = g.pl / 2, base_b = (g.pl + 1) / 2;
        for (std::size_t k = 0; 2 * k < w; ++k) dst_a[base_a + k] = src[2 * k];
        for (std::size_t k = 0; 2 * k + 1 < w; ++k) dst_b[base_b + k] = src[2 * k + 1];
      }
      for (std::size_t r = 0; r < rows; ++r) {
        float* vr[16];
        for (std::size_t xi = 0; xi < 16; ++xi) vr[xi] = V + (xi * g.c + c) * ldv + s * Tc + r * tw;
        const std::size_t r0 = r * R;
        detail::for_tiles(tw, [&](auto lane, std::size_t tx) {
          detail::input_tiles<decltype(lane)>(p00 + r0, p01 + r0, p10 + r0, p11 + r0, R, tx, vr);
        });
      }
    }
}

/// dM[(xi * cout + o) * ldm + s * (ty1 - ty0) * g.tw() + q] = (A dY A^T)[xi] for the 2x2 tiles of
/// tile rows ty0 .. ty1 of dY (NCHW, cout x g.oh x g.ow per sample; zero beyond the output). The
/// adjoint of transform_output. `planes`: g.plane_floats() floats.
inline void transform_output_gradient(const geometry& g, std::size_t cout, const float* dy, std::size_t count,
                                      std::size_t ty0, std::size_t ty1, float* dM, std::size_t ldm, float* planes) {
  const std::size_t R = g.tw(), Tc = (ty1 - ty0) * g.tw(), oy_hi = std::min(2 * ty1, g.oh);
  float* __restrict d00 = planes;
  float* __restrict d01 = planes + Tc;
  float* __restrict d10 = planes + 2 * Tc;
  float* __restrict d11 = planes + 3 * Tc;
  for (std::size_t s = 0; s < count; ++s)
    for (std::size_t o = 0; o < cout; ++o) {
      std::fill(planes, planes + 4 * Tc, 0.0f);
      const float* dyo = dy + (s * cout + o) * g.oh * g.ow;
      for (std::size_t oy = 2 * ty0; oy < oy_hi; ++oy) {
        float* __restrict e = ((oy & 1) ? d10 : d00) + (oy / 2 - ty0) * R;
        float* __restrict od = ((oy & 1) ? d11 : d01) + (oy / 2 - ty0) * R;
        const float* __restrict row = dyo + oy * g.ow;
        for (std::size_t k = 0; k < g.ow / 2; ++k) {
          e[k] = row[2 * k];
          od[k] = row[2 * k + 1];
        }
        if (g.ow & 1) e[g.ow / 2] = row[g.ow - 1];
      }
      float* m[16];
      for (std::size_t xi = 0; xi < 16; ++xi) m[xi] = dM + (xi * cout + o) * ldm + s * Tc;
      detail::for_tiles(Tc, [&](auto lane, std::size_t q) {
        detail::output_gradient_tiles<decltype(lane)>(d00, d01, d10, d11, q, m);
      });
    }
}

/// Floats of scratch forward() and weight_gradient() need for `count` samples of `rows` tile rows:
/// V, M (or dM) and the parity planes.
[[nodiscard]] constexpr std::size_t block_floats(const geometry& g, std::size_t cout, std::size_t count,
                                                 std::size_t rows) noexcept {
  return 16 * (g.c + cout) * count * rows * g.tw() + g.plane_floats();
}

/// dU[xi] (cout x g.c) += sum over the tiles (rows ty0 .. ty1) of `count` samples of dM[xi] V[xi]^T:
/// the filter gradient in the transformed domain (accumulate_filter_gradient turns it into dW);
/// ws: block_floats(g, cout, count, ty1 - ty0).
inline void weight_gradient(const geometry& g, std::size_t cout, const float* x, const float* dy, std::size_t count,
                            std::size_t ty0, std::size_t ty1, float* dU, float* ws) {
  const std::size_t n = count * (ty1 - ty0) * g.tw();
  float* V = ws;
  float* dM = V + 16 * g.c * n;
  float* planes = dM + 16 * cout * n;
  transform_input(g, x, count, ty0, ty1, V, n, planes);
  transform_output_gradient(g, cout, dy, count, ty0, ty1, dM, n, planes);
  for (std::size_t xi = 0; xi < 16; ++xi)
    gemm(static_cast<Eigen::Index>(cout), static_cast<Eigen::Index>(g.c), static_cast<Eigen::Index>(n),
         dM + xi * cout * n, static_cast<Eigen::Index>(n), false, V + xi * g.c * n, static_cast<Eigen::Index>(n), true,
         dU + xi * cout * g.c, static_cast<Eigen::Index>(g.c), true);
}

/// Forward and backward-data by blocks of tiles that stay in cache (conv::forward, conv::backward_data).
///
/// Computing all 16 products V[xi] (C x tiles) and M[xi] (F x tiles) of a whole block with a GEMM
/// writes and reads both through the L2 cache, 4x the input and 4x the output (this machine stores
/// to L2 at 20-30 GB/s): the transforms took 30-45% of the layer's time. Here, per sample and band
/// of tile rows:
///  1. fill_planes: the padded input rows of the band, every channel, as 8 planes with one float per
///     tile: plane (a, b, sh)[r * tw + k] = padded[2 (ty0 + r) + a][2 k + b + 2 sh] (row parity a,
///     column parity b, shifted sh columns pairs), so that the 16 values of tile q (r = q / tw, k = q %
///     tw) are at the same flat index q (+ tw for the patch's rows 2 and 3) of the 8 planes, and a
///     vector of consecutive tiles runs over tile rows without gaps;
///  2. for each block of `tiles_per_block` (2 vectors) consecutive tiles: the input transform of every
///     channel into V[xi][c][t] (16 x C x 2 vectors), then for each group of `rows_per_block` output
///     channels the 16 products M[xi] = U[xi] V[xi] in registers (gemm_block: rows x 2 vectors of
///     accumulators, U broadcast, V streamed) and at once the output transform of those channels into
///     4 output planes (one per position in the 2x2 tile);
///  3. write_output: the 4 planes interleaved into the output rows.
/// A block's last vector may run past the band's tiles: those lanes read the planes' slack (zeroed)
/// and write columns of V, M and the output planes that are never read. Each output is the same
/// arithmetic as the GEMM formulation (the sums over input channels in channel order), so the error
/// is the same (tests/unit/winograd.cpp). Measured against the GEMM formulation (one thread, S2/S3
/// layer shapes, alternating, medians): README, Performance.
namespace blocked {
using simd::lanes;
using simd::load;
using simd::store;
using simd::vec;

/// Tiles per block: two vectors.
inline constexpr std::size_t tiles_per_block = 2 * lanes;
/// Output channels per register block: rows_per_block x 2 vectors of accumulators (24 of AVX-512's
/// 32 registers; 12 of AVX2's or SSE's 16).
#if defined(__AVX512F__)
inline constexpr std::size_t rows_per_block = 12;
#else
inline constexpr std::size_t rows_per_block = 6;
#endif

/// Floats from one V[xi] to the next: C x tiles_per_block plus one cache line (16 rows 4 KiB apart
/// would share one L1 set).
[[nodiscard]] constexpr std::size_t v_stride(std::size_t c) noexcept { return c * tiles_per_block + 16; }

/// The layout of one band of `rows` tile rows of geometry g with `cout` output channels.
struct band {
  std::size_t rows = 0;   ///< tile rows
  std::size_t tiles = 0;  ///< rows x tw
  std::size_t ps = 0;     ///< floats per input plane: (rows + 1) x tw, a vector of slack, off 4 KiB multiples
  std::size_t os = 0;     ///< floats per output plane: tiles + a block of slack, off 4 KiB multiples
  [[nodiscard]] static constexpr band make(const geometry& g, std::size_t rows) noexcept {
    band b{rows, rows * g.tw(), (rows + 1) * g.tw() + lanes, rows * g.tw() + tiles_per_block};
    if (b.ps % 64 == 0) b.ps += 16;  // channels' planes a multiple of 4 KiB apart share L1 sets
    if (b.os % 64 == 0) b.os += 16;
    return b;
  }
  /// Floats of fill_planes' row buffer.
  [[nodiscard]] static constexpr std::size_t row_floats(const geometry& g) noexcept {
    return 4 * (g.tw() / lanes + 2) * lanes;
  }
  /// Floats of scratch for one band: the input planes (+ zeroed tail), V, one register block's M,
  /// the output planes and the row buffer.
  [[nodiscard]] static constexpr std::size_t floats(const geometry& g, std::size_t cout, std::size_t rows) noexcept {
    const band b = make(g, rows);
    return 8 * g.c * b.ps + tiles_per_block + 16 * v_stride(g.c) + 16 * rows_per_block * tiles_per_block +
           4 * cout * b.os + row_floats(g);
  }
  /// Tile rows per band: all of them if the band's scratch is at most `limit` floats, else halved
  /// until it is (or one row).
  [[nodiscard]] static constexpr std::size_t rows_for(const geometry& g, std::size_t cout, std::size_t limit) noexcept {
    std::size_t r = std::max<std::size_t>(g.th(), 1);
    while (r > 1 && floats(g, cout, r) > limit) r = (r + 1) / 2;
    return r;
  }
};

/// The 8 planes of every channel of one sample x for the band's tile rows ty0 ..; rowbuf:
/// band::row_floats(g) floats. Plane rows are written with whole vectors (the overrun lands in the
/// next row, written after, or in the slack).
inline void fill_planes(const geometry& g, const band& bd, const float* x, std::size_t ty0, float* in, float* rowbuf) {
  const std::size_t tw = g.tw(), chunks = tw / lanes + 1;  // chunks x lanes plane columns cover tw + 1
  float* even = rowbuf;                // padded columns 0, 2, 4, ..
  float* odd = even + chunks * lanes;  // padded columns 1, 3, 5, ..
  float* row = odd + chunks * lanes;   // the padded row (2 chunks x lanes floats; zero where no input)
  std::fill(row, row + 2 * chunks * lanes, 0.0f);
  const std::size_t n = std::min(g.w, 2 * chunks * lanes - std::min(2 * chunks * lanes, g.pl));
  const std::size_t used = (bd.rows + 1) * tw;
  for (std::size_t c = 0; c < g.c; ++c) {
    const float* xc = x + c * g.h * g.w;
    float* pc = in + c * 8 * bd.ps;
    for (std::size_t p = 0; p < 8; ++p) std::fill(pc + p * bd.ps + used, pc + (p + 1) * bd.ps, 0.0f);
    for (std::size_t yy = 0; yy < 2 * bd.rows + 2; ++yy) {
      const std::size_t y = 2 * ty0 + yy;  // padded row
      float* base = pc + (yy & 1) * 4 * bd.ps + (yy >> 1) * tw;
      if (y < g.pt || y - g.pt >= g.h) {
        for (std::size_t p = 0; p < 4; ++p)
          for (std::size_t k0 = 0; k0 < tw; k0 += lanes) store(base + p * bd.ps + k0, vec{});
        continue;
      }
      std::memcpy(row + g.pl, xc + (y - g.pt) * g.w, n * sizeof(float));
      for (std::size_t k0 = 0; k0 < chunks * lanes; k0 += lanes)
#pragma GCC unroll 16
        for (std::size_t k = 0; k < lanes; ++k) {
          even[k0 + k] = row[2 * (k0 + k)];
          odd[k0 + k] = row[2 * (k0 + k) + 1];
        }
      for (std::size_t k0 = 0; k0 < tw; k0 += lanes) {
        store(base + k0, load<vec>(even + k0));                 // b 0, sh 0
        store(base + bd.ps + k0, load<vec>(even + k0 + 1));     // b 0, sh 1
        store(base + 2 * bd.ps + k0, load<vec>(odd + k0));      // b 1, sh 0
        store(base + 3 * bd.ps + k0, load<vec>(odd + k0 + 1));  // b 1, sh 1
      }
    }
  }
}

/// v[xi][o ..] = (B^T d B)[xi] for the `lanes` tiles q .. of one channel's planes p (stride ps).
[[gnu::always_inline]] inline void input_vector(const float* p, std::size_t ps, std::size_t tw, std::size_t q,
                                                float* const* v, std::size_t o) {
  // plane (a, b, sh) is p + ((a * 2 + b) * 2 + sh) * ps; the patch's rows 2 and 3 are one tile row down (+ tw)
  const float *P00 = p + q, *S00 = p + ps + q, *P01 = p + 2 * ps + q, *S01 = p + 3 * ps + q;
  const float *P10 = p + 4 * ps + q, *S10 = p + 5 * ps + q, *P11 = p + 6 * ps + q, *S11 = p + 7 * ps + q;
  const vec d[4][4] = {{load<vec>(P00), load<vec>(P01), load<vec>(S00), load<vec>(S01)},
                       {load<vec>(P10), load<vec>(P11), load<vec>(S10), load<vec>(S11)},
                       {load<vec>(P00 + tw), load<vec>(P01 + tw), load<vec>(S00 + tw), load<vec>(S01 + tw)},
                       {load<vec>(P10 + tw), load<vec>(P11 + tw), load<vec>(S10 + tw), load<vec>(S11 + tw)}};
  detail::input_transform(d, v, o);
}

/// Floats of pack_filters' output for cout x cin filters.
[[nodiscard]] constexpr std::size_t packed_floats(std::size_t cout, std::size_t cin) noexcept {
  return 16 * ((cout + rows_per_block - 1) / rows_per_block) * rows_per_block * cin;
}
/// Up[((xi * blocks + ob) * cin + i) * rows_per_block + r] = U[(xi * cout + ob * rows_per_block + r) * cin + i]
/// (zero past cout): a register block's filters for one input channel are contiguous.
inline void pack_filters(const float* U, std::size_t cout, std::size_t cin, float* Up) {
  const std::size_t blocks = (cout + rows_per_block - 1) / rows_per_block;
  for (std::size_t xi = 0; xi < 16; ++xi)
    for (std::size_t ob = 0; ob < blocks; ++ob)
      for (std::size_t i = 0; i < cin; ++i)
        for (std::size_t r = 0; r < rows_per_block; ++r) {
          const std::size_t o = ob * rows_per_block + r;
          Up[((xi * blocks + ob) * cin + i) * rows_per_block + r] = o < cout ? U[(xi * cout + o) * cin + i] : 0.0f;
        }
}

/// M[(xi * rows_per_block + r) * tiles_per_block ..] = sum over i < c of U[xi][ob * rows_per_block + r][i]
/// V[xi][i][..], r < RR, for the 16 xi (Up: pack_filters with `blocks` register blocks; V: v_stride(c)).
template <std::size_t RR>
inline void gemm_block(const float* __restrict Up, std::size_t blocks, std::size_t c, std::size_t ob,
                       const float* __restrict V, float* __restrict M) {
  constexpr std::size_t T = tiles_per_block;
  for (std::size_t xi = 0; xi < 16; ++xi) {
    vec acc0[RR], acc1[RR];
#pragma GCC unroll 16
    for (std::size_t r = 0; r < RR; ++r) acc0[r] = acc1[r] = vec{};
    const float* u = Up + (xi * blocks + ob) * c * rows_per_block;
    const float* v = V + xi * v_stride(c);
    for (std::size_t i = 0; i < c; ++i) {
      const vec b0 = load<vec>(v + i * T), b1 = load<vec>(v + i * T + lanes);
#pragma GCC unroll 16
      for (std::size_t r = 0; r < RR; ++r) {
        const vec s = simd::broadcast(u[i * rows_per_block + r]);
        acc0[r] = simd::fma(s, b0, acc0[r]);
        acc1[r] = simd::fma(s, b1, acc1[r]);
      }
    }
#pragma GCC unroll 16
    for (std::size_t r = 0; r < RR; ++r) {
      store(M + (xi * rows_per_block + r) * T, acc0[r]);
      store(M + (xi * rows_per_block + r) * T + lanes, acc1[r]);
    }
  }
}
/// gemm_block<rr> for a run-time rr <= RR (the last register block may be partial).
template <std::size_t RR = rows_per_block>
inline void gemm_rows(std::size_t rr, const float* Up, std::size_t blocks, std::size_t c, std::size_t ob, const float* V,
                      float* M) {
  if constexpr (RR > 0) {
    if (rr == RR) return gemm_block<RR>(Up, blocks, c, ob, V, M);
    return gemm_rows<RR - 1>(rr, Up, blocks, c, ob, V, M);
  }
}

/// out[((o0 + r) * 4 + a * 2 + b) * os + t0 ..] = (A^T m A)[a][b] + bias[o0 + r] (bias may be null) for
/// r < rr and the block's tiles, m from M (gemm_block's layout); max(0, .) of it when Relu.
template <bool Relu>
inline void output_block(const float* M, std::size_t rr, std::size_t o0, const float* bias, float* out, std::size_t os,
                         std::size_t t0) {
  auto put = [](float* p, vec v) {
    if constexpr (Relu) v = simd::relu(v);
    store(p, v);
  };
  constexpr std::size_t T = tiles_per_block;
  for (std::size_t r = 0; r < rr; ++r) {
    const float bo = bias ? bias[o0 + r] : 0.0f;
    float* y = out + (o0 + r) * 4 * os + t0;
    for (std::size_t h = 0; h < T; h += lanes) {
      vec m[16];
      for (std::size_t i = 0; i < 16; ++i) m[i] = load<vec>(M + (i * rows_per_block + r) * T + h);
      // s = m A: columns 0 and 1 of each row i; then A^T s (as transform_filters' adjoint, A^T = [[1, 1, 1, 0], [0, 1, -1, -1]])
      const vec a0 = m[0] + m[1] + m[2], b0 = m[1] - m[2] - m[3];
      const vec a1 = m[4] + m[5] + m[6], b1 = m[5] - m[6] - m[7];
      const vec a2 = m[8] + m[9] + m[10], b2 = m[9] - m[10] - m[11];
      const vec a3 = m[12] + m[13] + m[14], b3 = m[13] - m[14] - m[15];
      put(y + h, vec(a0 + a1 + a2 + bo));
      put(y + os + h, vec(b0 + b1 + b2 + bo));
      put(y + 2 * os + h, vec(a1 - a2 - a3 + bo));
      put(y + 3 * os + h, vec(b1 - b2 - b3 + bo));
    }
  }
}

/// Output rows 2 ty0 .. of one sample y (cout x oh x ow) from the band's output planes; with a mask
/// (cout x oh x ow, as y), y = mask > 0 ? value : 0 (ReLU's backward: the mask is its output).
template <bool Masked>
inline void write_output(const geometry& g, const band& bd, std::size_t cout, std::size_t ty0, const float* out,
                         const float* mask, float* y) {
  const std::size_t tw = g.tw(), oy_hi = std::min(2 * (ty0 + bd.rows), g.oh);
  for (std::size_t o = 0; o < cout; ++o) {
    float* yo = y + o * g.oh * g.ow;
    for (std::size_t oy = 2 * ty0; oy < oy_hi; ++oy) {
      const std::size_t a = oy & 1, r = oy / 2 - ty0;
      const float* __restrict e = out + (o * 4 + a * 2) * bd.os + r * tw;
      const float* __restrict od = out + (o * 4 + a * 2 + 1) * bd.os + r * tw;
      float* __restrict row = yo + oy * g.ow;
      for (std::size_t k = 0; k < g.ow / 2; ++k) {
        row[2 * k] = e[k];
        row[2 * k + 1] = od[k];
      }
      if (g.ow & 1) row[g.ow - 1] = e[g.ow / 2];
    }
    if constexpr (Masked)  // the band's rows of this channel are contiguous, and in L1
      simd::mask_relu(mask + o * g.oh * g.ow + 2 * ty0 * g.ow, yo + 2 * ty0 * g.ow, (oy_hi - 2 * ty0) * g.ow);
  }
}

/// Output rows 2 ty0 .. 2 (ty0 + rows) (cropped) of one sample y = conv(x) + bias (max(0, .) of it when
/// relu; where mask <= 0 zero, when mask is not null: see write_output), with packed filters Up
/// (pack_filters of transform_filters' U); ws: band::floats(g, cout, rows).
inline void run_band(const geometry& g, std::size_t cout, const float* Up, const float* x, std::size_t ty0,
                     std::size_t rows, const float* bias, bool relu, const float* mask, float* y, float* ws) {
  constexpr std::size_t T = tiles_per_block;
  const band bd = band::make(g, rows);
  float* in = ws;
  float* V = in + 8 * g.c * bd.ps + T;
  float* M = V + 16 * v_stride(g.c);
  float* out = M + 16 * rows_per_block * T;
  float* rowbuf = out + 4 * cout * bd.os;
  std::fill(in + 8 * g.c * bd.ps, V, 0.0f);  // the last plane's loads may run T floats past it
  fill_planes(g, bd, x, ty0, in, rowbuf);
  const std::size_t tw = g.tw(), blocks = (cout + rows_per_block - 1) / rows_per_block;
  for (std::size_t t0 = 0; t0 < bd.tiles; t0 += T) {
    for (std::size_t ch = 0; ch < g.c; ++ch) {
      float* v[16];
      for (std::size_t xi = 0; xi < 16; ++xi) v[xi] = V + xi * v_stride(g.c) + ch * T;
      const float* p = in + ch * 8 * bd.ps;
      for (std::size_t h = 0; h < T; h += lanes) input_vector(p, bd.ps, tw, t0 + h, v, h);
    }
    for (std::size_t ob = 0; ob < blocks; ++ob) {
      const std::size_t o0 = ob * rows_per_block, rr = std::min(rows_per_block, cout - o0);
      gemm_rows(rr, Up, blocks, g.c, ob, V, M);
      if (relu) output_block<true>(M, rr, o0, bias, out, bd.os, t0);
      else output_block<false>(M, rr, o0, bias, out, bd.os, t0);
    }
  }
  if (mask) write_output<true>(g, bd, cout, ty0, out, mask, y);
  else write_output<false>(g, bd, cout, ty0, out, nullptr, y);
}
}  // namespace blocked


/// One 3x3 stride-1 convolution layer by Winograd F(2x2, 3x3). Forward and backward-data one sample
/// at a time, by bands of tile rows and blocks of tiles that stay in cache (namespace blocked);
/// backward-weights (tested, not used by eigen_cpu: conv.hpp says why) in blocks of `group` samples,
/// or of dw_rows tile rows of one sample, of 16 GEMMs (gemm.hpp). A band's scratch is at most
/// band_limit floats (1 MiB, half of a 2 MiB L2); a weight-gradient block's transformed data (V and dM)
/// at most 256K floats where the GEMMs can still have >= 256 columns (measured with bm_train on S2 for
/// the forward pass when it used GEMMs: blocks of <= 1 MiB were about 15% faster per step than blocks
/// of <= 4 MiB with >= 512 columns).
/// Shapes: x {c, h, w}, y and dY {f, oh, ow} per sample (NCHW), w [f, c, 3, 3] (the layer's layout).
struct conv {
  static constexpr std::size_t band_limit = std::size_t{1} << 18;   ///< floats of a band's scratch
  static constexpr std::size_t block_limit = std::size_t{1} << 18;  ///< floats of V + dM per weight-gradient block
  static constexpr std::size_t min_columns = 256;                   ///< GEMM columns per weight-gradient block, at least
  geometry fwd;               ///< x -> y
  geometry data;              ///< dY -> dX (backward_data_geometry)
  std::size_t f = 0;          ///< output channels
  std::size_t fwd_rows = 0;   ///< tile rows per band of the forward pass
  std::size_t data_rows = 0;  ///< tile rows per band of backward-data
  std::size_t group = 1;      ///< samples per weight-gradient block
  std::size_t dw_rows = 0;    ///< tile rows per weight-gradient block (fwd.th() when group > 1)

  [[nodiscard]] static constexpr conv make(const geometry& g, std::size_t filters) noexcept {
    conv k{g, backward_data_geometry(g, filters), filters, 0, 0, 1, g.th()};
    k.fwd_rows = blocked::band::rows_for(k.fwd, filters, band_limit);
    k.data_rows = blocked::band::rows_for(k.data, g.c, band_limit);
    const std::size_t per_tile = 16 * (g.c + filters), tiles = std::max<std::size_t>(1, g.tiles());
    k.group = std::max<std::size_t>(
        1, std::min((min_columns + tiles - 1) / tiles, block_limit / std::max<std::size_t>(1, per_tile * tiles)));
    if (k.group == 1) k.dw_rows = std::clamp<std::size_t>(block_limit / (per_tile * std::max<std::size_t>(1, g.tw())), 1, g.th());
    return k;
  }
  /// Floats of packed filters (either direction).
  [[nodiscard]] constexpr std::size_t packed_floats() const noexcept {
    return std::max(blocked::packed_floats(f, fwd.c), blocked::packed_floats(fwd.c, f));
  }
  /// Scratch floats for a slice of up to `rows` samples.
  [[nodiscard]] constexpr std::size_t workspace_floats(std::size_t rows) const noexcept {
    const std::size_t g = std::min(group, std::max<std::size_t>(rows, 1));
    const std::size_t bands = packed_floats() + std::max({16 * f * fwd.c, blocked::band::floats(fwd, f, fwd_rows),
                                                          blocked::band::floats(data, fwd.c, data_rows)});
    return std::max(bands, 2 * 16 * f * fwd.c + block_floats(fwd, f, g, dw_rows));
  }
  /// y = conv(x) + bias (bias: f floats, or nullptr) for n samples; y = max(0, conv(x) + bias) when relu
  /// (a ReLU fused into the layer: the same values as ReLU's `v > 0 ? v : 0` on the stored y).
  void forward(const float* w, const float* bias, const float* x, std::size_t n, float* y, float* ws,
               bool relu = false) const {
    float* U = ws + packed_floats();  // the band's scratch, before the bands use it
    transform_filters(w, f, fwd.c, false, U);
    blocked::pack_filters(U, f, fwd.c, ws);
    for (std::size_t s = 0; s < n; ++s)
      for (std::size_t ty0 = 0; ty0 < fwd.th(); ty0 += fwd_rows)
        blocked::run_band(fwd, f, ws, x + s * fwd.c * fwd.h * fwd.w, ty0, std::min(fwd_rows, fwd.th() - ty0), bias, relu, nullptr,
                          y + s * f * fwd.oh * fwd.ow, ws + packed_floats());
  }
  /// dw[f, c, 3, 3] += dL/dw for n samples (the filters only: the bias gradient is a plain sum of dY).
  void backward_weights(const float* x, const float* dy, std::size_t n, float* dw, float* ws) const {
    float* dU = ws + 16 * f * fwd.c;
    std::fill(dU, dU + 16 * f * fwd.c, 0.0f);
    for (std::size_t s = 0; s < n; s += group) {
      const std::size_t count = std::min(group, n - s);
      for (std::size_t ty0 = 0; ty0 < fwd.th(); ty0 += dw_rows)
        weight_gradient(fwd, f, x + s * fwd.c * fwd.h * fwd.w, dy + s * f * fwd.oh * fwd.ow, count, ty0,
                        std::min(ty0 + dw_rows, fwd.th()), dU, ws + 2 * 16 * f * fwd.c);
    }
    accumulate_filter_gradient(dU, f, fwd.c, dw);
  }
  /// dx = dL/dx (overwritten) for n samples; with relu_mask (n x {c, h, w}, the layer's input x), dx =
  /// relu_mask > 0 ? dL/dx : 0, the backward of a ReLU before the layer (whose output x is) fused in.
  void backward_data(const float* w, const float* dy, std::size_t n, float* dx, float* ws,
                     const float* relu_mask = nullptr) const {
    float* U = ws + packed_floats();
    transform_filters(w, fwd.c, f, true, U);
    blocked::pack_filters(U, fwd.c, f, ws);
    for (std::size_t s = 0; s < n; ++s)
      for (std::size_t ty0 = 0; ty0 < data.th(); ty0 += data_rows)
        blocked::run_band(data, fwd.c, ws, dy + s * f * fwd.oh * fwd.ow, ty0, std::min(data_rows, data.th() - ty0),
                          nullptr, false, relu_mask ? relu_mask + s * fwd.c * fwd.h * fwd.w : nullptr,
                          dx + s * fwd.c * fwd.h * fwd.w, ws + packed_floats());
  }
};


}  // namespace cnnbench::backend::eigen::winograd
