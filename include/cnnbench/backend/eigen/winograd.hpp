// cnnbench/backend/eigen/winograd.hpp: 3x3 stride-1 convolution by Winograd's minimal filtering
// algorithm F(2x2, 3x3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", CVPR 2016,
// arXiv:1509.09308), forward, backward-data and backward-weights, as 16 GEMMs each (gemm.hpp).
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
// and the factors 1/2 of G). All matrices are row-major float32; the transforms are flat loops over
// all tiles of a sample (see geometry) the compiler vectorises. Geometry is a run-time struct on purpose: one instantiation for
// every layer shape (compile time), the GEMMs dominate the run time.
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

/// v[xi][q ..] = (B^T d B)[xi] for the tiles q .. q + lanes (T = vec) or q (T = float) of the parity
/// planes (see transform_input).
template <class T>
[[gnu::always_inline]] inline void input_tiles(const float* p00, const float* p01, const float* p10, const float* p11,
                                               std::size_t R, std::size_t q, float* const* v) {
  // d[i][j], i = row 2ty + i, j = column 2tx + j
  const T d00 = load<T>(p00 + q), d01 = load<T>(p01 + q), d02 = load<T>(p00 + q + 1), d03 = load<T>(p01 + q + 1);
  const T d10 = load<T>(p10 + q), d11 = load<T>(p11 + q), d12 = load<T>(p10 + q + 1), d13 = load<T>(p11 + q + 1);
  const T d20 = load<T>(p00 + q + R), d21 = load<T>(p01 + q + R), d22 = load<T>(p00 + q + R + 1),
          d23 = load<T>(p01 + q + R + 1);
  const T d30 = load<T>(p10 + q + R), d31 = load<T>(p11 + q + R), d32 = load<T>(p10 + q + R + 1),
          d33 = load<T>(p11 + q + R + 1);
  // t = B^T d (down the columns), then v = t B (along the rows)
  const T t00 = d00 - d20, t01 = d01 - d21, t02 = d02 - d22, t03 = d03 - d23;
  const T t10 = d10 + d20, t11 = d11 + d21, t12 = d12 + d22, t13 = d13 + d23;
  const T t20 = d20 - d10, t21 = d21 - d11, t22 = d22 - d12, t23 = d23 - d13;
  const T t30 = d10 - d30, t31 = d11 - d31, t32 = d12 - d32, t33 = d13 - d33;
  store(v[0] + q, T(t00 - t02)); store(v[1] + q, T(t01 + t02)); store(v[2] + q, T(t02 - t01)); store(v[3] + q, T(t01 - t03));
  store(v[4] + q, T(t10 - t12)); store(v[5] + q, T(t11 + t12)); store(v[6] + q, T(t12 - t11)); store(v[7] + q, T(t11 - t13));
  store(v[8] + q, T(t20 - t22)); store(v[9] + q, T(t21 + t22)); store(v[10] + q, T(t22 - t21)); store(v[11] + q, T(t21 - t23));
  store(v[12] + q, T(t30 - t32)); store(v[13] + q, T(t31 + t32)); store(v[14] + q, T(t32 - t31)); store(v[15] + q, T(t31 - t33));
}

/// y_ab[q ..] = (A^T m A)[a][b] + bias for the tiles q .. (see transform_output).
template <class T>
[[gnu::always_inline]] inline void output_tiles(const float* const* m, std::size_t q, float bias, float* y00, float* y01,
                                                float* y10, float* y11) {
  T r[16];
  for (int i = 0; i < 16; ++i) r[i] = load<T>(m[i] + q);
  // s = m A: columns 0 and 1 of each row i; then A^T s
  const T a0 = r[0] + r[1] + r[2], b0 = r[1] - r[2] - r[3];
  const T a1 = r[4] + r[5] + r[6], b1 = r[5] - r[6] - r[7];
  const T a2 = r[8] + r[9] + r[10], b2 = r[9] - r[10] - r[11];
  const T a3 = r[12] + r[13] + r[14], b3 = r[13] - r[14] - r[15];
  store(y00 + q, T(a0 + a1 + a2 + bias));
  store(y01 + q, T(b0 + b1 + b2 + bias));
  store(y10 + q, T(a1 - a2 - a3 + bias));
  store(y11 + q, T(b1 - b2 - b3 + bias));
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

/// Output rows 2 ty0 .. min(2 ty1, g.oh) of y (NCHW, cout x g.oh x g.ow per sample, samples
/// s < count) = A^T M A per tile, cropped to the output, plus bias[o] when bias != nullptr;
/// M[(xi * cout + o) * ldm + s * (ty1 - ty0) * g.tw() + q] (q as in transform_input).
/// A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]. The tiles' four outputs go to parity planes first (flat,
/// vectorised), then are interleaved into the output rows. `planes`: g.plane_floats() floats.
inline void transform_output(const geometry& g, std::size_t cout, const float* M, std::size_t ldm, std::size_t count,
                             std::size_t ty0, std::size_t ty1, const float* bias, float* y, float* planes) {
  const std::size_t R = g.tw(), Tc = (ty1 - ty0) * g.tw(), oy_hi = std::min(2 * ty1, g.oh);
  float* __restrict y00 = planes;  // output row 2ty, column 2tx
  float* __restrict y01 = planes + Tc;
  float* __restrict y10 = planes + 2 * Tc;
  float* __restrict y11 = planes + 3 * Tc;
  for (std::size_t s = 0; s < count; ++s)
    for (std::size_t o = 0; o < cout; ++o) {
      const float* m[16];
      for (std::size_t xi = 0; xi < 16; ++xi) m[xi] = M + (xi * cout + o) * ldm + s * Tc;
      const float bo = bias ? bias[o] : 0.0f;
      detail::for_tiles(Tc, [&](auto lane, std::size_t q) {
        detail::output_tiles<decltype(lane)>(m, q, bo, y00, y01, y10, y11);
      });
      float* yo = y + (s * cout + o) * g.oh * g.ow;
      for (std::size_t oy = 2 * ty0; oy < oy_hi; ++oy) {
        const float* __restrict e = ((oy & 1) ? y10 : y00) + (oy / 2 - ty0) * R;
        const float* __restrict od = ((oy & 1) ? y11 : y01) + (oy / 2 - ty0) * R;
        float* __restrict row = yo + oy * g.ow;
        for (std::size_t k = 0; k < g.ow / 2; ++k) {
          row[2 * k] = e[k];
          row[2 * k + 1] = od[k];
        }
        if (g.ow & 1) row[g.ow - 1] = e[g.ow / 2];
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

/// Output rows 2 ty0 .. min(2 ty1, g.oh) of y = conv(x) (+ bias) for `count` samples (NCHW; x: g.c x
/// g.h x g.w, y: cout x g.oh x g.ow per sample) with pre-transformed filters U (transform_filters);
/// ws: block_floats(g, cout, count, ty1 - ty0).
inline void forward(const geometry& g, std::size_t cout, const float* U, const float* x, std::size_t count,
                    std::size_t ty0, std::size_t ty1, const float* bias, float* y, float* ws) {
  const std::size_t n = count * (ty1 - ty0) * g.tw();
  float* V = ws;
  float* M = V + 16 * g.c * n;
  float* planes = M + 16 * cout * n;
  transform_input(g, x, count, ty0, ty1, V, n, planes);
  for (std::size_t xi = 0; xi < 16; ++xi)
    gemm(static_cast<Eigen::Index>(cout), static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(g.c),
         U + xi * cout * g.c, static_cast<Eigen::Index>(g.c), false, V + xi * g.c * n, static_cast<Eigen::Index>(n),
         false, M + xi * cout * n, static_cast<Eigen::Index>(n), false);
  transform_output(g, cout, M, n, count, ty0, ty1, bias, y, planes);
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

/// One 3x3 stride-1 convolution layer by Winograd F(2x2, 3x3): forward, backward-weights and
/// backward-data over a batch slice, in blocks of `group` samples, or, when one sample's transformed
/// data exceeds the block size, one sample at a time in bands of tile rows (fwd_rows / data_rows).
/// A block's transformed data (V and M) is at most 256K floats (1 MiB, half of a 2 MiB L2) where the
/// GEMMs can still have >= 256 columns: measured with bm_train on S2 (one thread, alternating), blocks
/// of <= 1 MiB were about 15% faster per step than blocks of <= 4 MiB with >= 512 columns.
/// Shapes: x {c, h, w}, y and dY {f, oh, ow} per sample (NCHW), w [f, c, 3, 3] (the layer's layout).
struct conv {
  static constexpr std::size_t block_limit = std::size_t{1} << 18;  ///< floats of V + M per block
  static constexpr std::size_t min_columns = 256;                   ///< GEMM columns per block, at least
  geometry fwd;               ///< x -> y
  geometry data;              ///< dY -> dX (backward_data_geometry)
  std::size_t f = 0;          ///< output channels
  std::size_t group = 1;      ///< samples per block
  std::size_t fwd_rows = 0;   ///< tile rows per block of fwd (its th() when group > 1)
  std::size_t data_rows = 0;  ///< tile rows per block of data

  [[nodiscard]] static constexpr conv make(const geometry& g, std::size_t filters) noexcept {
    conv k{g, backward_data_geometry(g, filters), filters, 1, g.th(), 0};
    k.data_rows = k.data.th();
    const std::size_t per_tile = 16 * (g.c + filters);
    const std::size_t tiles = std::max(k.fwd.tiles(), k.data.tiles());
    k.group = std::max<std::size_t>(
        1, std::min((min_columns + tiles - 1) / tiles, block_limit / std::max<std::size_t>(1, per_tile * tiles)));
    if (k.group == 1) {  // bands of tile rows: as many as the limit allows, at least one
      k.fwd_rows = std::clamp<std::size_t>(block_limit / (per_tile * k.fwd.tw()), 1, k.fwd.th());
      k.data_rows = std::clamp<std::size_t>(block_limit / (per_tile * k.data.tw()), 1, k.data.th());
    }
    return k;
  }
  /// Scratch floats for a slice of up to `rows` samples: two 16 x f x c filter blocks and one block.
  [[nodiscard]] constexpr std::size_t workspace_floats(std::size_t rows) const noexcept {
    const std::size_t g = std::min(group, std::max<std::size_t>(rows, 1));
    return 2 * 16 * f * fwd.c + std::max(block_floats(fwd, f, g, fwd_rows), block_floats(data, fwd.c, g, data_rows));
  }
  /// y = conv(x) + bias (bias: f floats, or nullptr) for n samples.
  void forward(const float* w, const float* bias, const float* x, std::size_t n, float* y, float* ws) const {
    float* U = ws;
    transform_filters(w, f, fwd.c, false, U);
    each_block(fwd, fwd_rows, n, [&](std::size_t s, std::size_t count, std::size_t ty0, std::size_t ty1) {
      winograd::forward(fwd, f, U, x + s * fwd.c * fwd.h * fwd.w, count, ty0, ty1, bias,
                        y + s * f * fwd.oh * fwd.ow, ws + 2 * 16 * f * fwd.c);
    });
  }
  /// dw[f, c, 3, 3] += dL/dw for n samples (the filters only: the bias gradient is a plain sum of dY).
  void backward_weights(const float* x, const float* dy, std::size_t n, float* dw, float* ws) const {
    float* dU = ws + 16 * f * fwd.c;
    std::fill(dU, dU + 16 * f * fwd.c, 0.0f);
    each_block(fwd, fwd_rows, n, [&](std::size_t s, std::size_t count, std::size_t ty0, std::size_t ty1) {
      weight_gradient(fwd, f, x + s * fwd.c * fwd.h * fwd.w, dy + s * f * fwd.oh * fwd.ow, count, ty0, ty1, dU,
                      ws + 2 * 16 * f * fwd.c);
    });
    accumulate_filter_gradient(dU, f, fwd.c, dw);
  }
  /// dx = dL/dx (overwritten) for n samples.
  void backward_data(const float* w, const float* dy, std::size_t n, float* dx, float* ws) const {
    float* U = ws;
    transform_filters(w, fwd.c, f, true, U);
    each_block(data, data_rows, n, [&](std::size_t s, std::size_t count, std::size_t ty0, std::size_t ty1) {
      winograd::forward(data, fwd.c, U, dy + s * f * fwd.oh * fwd.ow, count, ty0, ty1, nullptr,
                        dx + s * fwd.c * fwd.h * fwd.w, ws + 2 * 16 * f * fwd.c);
    });
  }

 private:
  /// fn(first sample, samples, first tile row, end tile row) for every block of n samples.
  template <class Fn>
  void each_block(const geometry& g, std::size_t rows, std::size_t n, Fn&& fn) const {
    for (std::size_t s = 0; s < n; s += group) {
      const std::size_t count = std::min(group, n - s);
      for (std::size_t ty0 = 0; ty0 < g.th(); ty0 += rows) fn(s, count, ty0, std::min(ty0 + rows, g.th()));
    }
  }
};

}  // namespace cnnbench::backend::eigen::winograd
