// cnnbench/backend/eigen/sgemm.hpp: a cache-blocked float32 matrix product with a register-blocked
// micro-kernel, the GEMM of exec::eigen_cpu's convolutions and dense layers (gemm.hpp).
//
// Why not Eigen's: Eigen 3.4's product kernel keeps a 3x4 tile of vector accumulators (12 registers)
// whatever the instruction set, which leaves most of AVX-512's 32 registers idle; on the layer shapes
// of the published models (M = 32..512 filters, K = 27..2304, N = 169..2048 output positions) it ran
// at about half of this machine's FMA peak (bench/bm_gemm compares the two side by side).
//
// The method is Goto and van de Geijn's ("Anatomy of high-performance matrix multiplication", ACM
// TOMS 34(3), 2008), as in BLIS: B is packed once per (kc x nc) block into panels of nr columns, A
// per (mc x kc) block into panels of mr rows, and a micro-kernel multiplies an mr x kc panel of A by
// a kc x nr panel of B into an mr x nr tile of C held in vector registers (a B that is not transposed
// is read in place, its rows being contiguous already: packing it cost as much as the product when
// M is small, as for a convolution's 32 or 64 filters):
//   AVX-512 (__AVX512F__):  mr = 12 rows x nr = 32 columns (24 zmm accumulators);
//   AVX2 (__AVX__):         mr = 6 rows  x nr = 16 columns (12 ymm accumulators);
//   otherwise (SSE2):       mr = 6 rows  x nr = 8 columns (12 xmm accumulators).
// Blocking: kc = 256 (an A and a B panel stay in L1), mc = 96 (AVX-512) / 72 rows (the packed A block,
// mc x kc floats = 96 KiB / 72 KiB, stays in L2), nc = 2048 columns (the packed B block in L2/L3).
//
// C (M x N, row-major, leading dimension ldc) = op(A) * op(B), or += when accumulate; op(A) is M x K
// (A row-major M x K with leading dimension lda, or, trans_a, A stored K x M), op(B) K x N (B stored
// K x N, or, trans_b, N x K). Single-threaded (exec::eigen_cpu splits the batch over its threads).
// The order of every sum depends only on M, N, K, so results are the same from run to run.
// Packing buffers are per thread (thread_local), allocated on first use and grown, never shrunk.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>

namespace cnnbench::backend::eigen::sgemm {

#if defined(__AVX512F__)
inline constexpr std::size_t vec_floats = 16;
inline constexpr std::size_t mr = 12;
inline constexpr std::size_t mc = 96;
#elif defined(__AVX__)
inline constexpr std::size_t vec_floats = 8;
inline constexpr std::size_t mr = 6;
inline constexpr std::size_t mc = 72;
#else  // SSE2 (x86-64's baseline) or another target: 4-float vectors, the same 6 x 2-vector tile
inline constexpr std::size_t vec_floats = 4;
inline constexpr std::size_t mr = 6;
inline constexpr std::size_t mc = 72;
#endif
inline constexpr std::size_t nr = 2 * vec_floats;
inline constexpr std::size_t kc = 256;
inline constexpr std::size_t nc = 2048;

/// A vector register of floats (GCC/Clang vector extension: the compiler emits the target's
/// instructions), and the same type at float alignment for loads and stores anywhere.
using vec = float __attribute__((vector_size(vec_floats * sizeof(float))));
using vec_unaligned = float __attribute__((vector_size(vec_floats * sizeof(float)), aligned(sizeof(float))));

namespace detail {

/// A per-thread 64-byte aligned buffer of at least n floats.
inline float* scratch(std::size_t which, std::size_t n) {
  struct deleter {
    void operator()(float* p) const noexcept { ::operator delete[](p, std::align_val_t{64}); }
  };
  thread_local std::unique_ptr<float[], deleter> buf[2];
  thread_local std::size_t cap[2] = {0, 0};
  if (cap[which] < n) {
    buf[which].reset(static_cast<float*>(::operator new[](n * sizeof(float), std::align_val_t{64})));
    cap[which] = n;
  }
  return buf[which].get();
}

/// Packs rows [i0, i0 + m) x columns [p0, p0 + k) of op(A) into panels of mr rows: panel r holds
/// k groups of mr floats (column p of the panel's rows), zero-filled past row m.
inline void pack_a(const float* A, std::size_t lda, bool trans, std::size_t i0, std::size_t m, std::size_t p0,
                   std::size_t k, float* dst) {
  for (std::size_t r = 0; r < m; r += mr) {
    const std::size_t rows = std::min(mr, m - r);
    if (!trans) {
      for (std::size_t i = 0; i < rows; ++i) {
        const float* src = A + (i0 + r + i) * lda + p0;
        for (std::size_t p = 0; p < k; ++p) dst[p * mr + i] = src[p];
      }
    } else {
      for (std::size_t p = 0; p < k; ++p) {
        const float* src = A + (p0 + p) * lda + i0 + r;
        for (std::size_t i = 0; i < rows; ++i) dst[p * mr + i] = src[i];
      }
    }
    if (rows < mr)
      for (std::size_t p = 0; p < k; ++p)
        for (std::size_t i = rows; i < mr; ++i) dst[p * mr + i] = 0.0f;
    dst += mr * k;
  }
}

/// Packs rows [p0, p0 + k) x columns [j0, j0 + n) of op(B) into panels of nr columns: panel c holds
/// k rows of nr floats, zero-filled past column n.
inline void pack_b(const float* B, std::size_t ldb, bool trans, std::size_t p0, std::size_t k, std::size_t j0,
                   std::size_t n, float* dst) {
  for (std::size_t c = 0; c < n; c += nr) {
    const std::size_t cols = std::min(nr, n - c);
    if (!trans) {
      for (std::size_t p = 0; p < k; ++p) {
        const float* src = B + (p0 + p) * ldb + j0 + c;
        float* d = dst + p * nr;
        if (cols == nr) {
          for (std::size_t j = 0; j < nr; ++j) d[j] = src[j];
        } else {
          for (std::size_t j = 0; j < cols; ++j) d[j] = src[j];
          for (std::size_t j = cols; j < nr; ++j) d[j] = 0.0f;
        }
      }
    } else {
      for (std::size_t j = 0; j < cols; ++j) {
        const float* src = B + (j0 + c + j) * ldb + p0;
        for (std::size_t p = 0; p < k; ++p) dst[p * nr + j] = src[p];
      }
      if (cols < nr)
        for (std::size_t p = 0; p < k; ++p)
          for (std::size_t j = cols; j < nr; ++j) dst[p * nr + j] = 0.0f;
    }
    dst += nr * k;
  }
}

inline vec load(const float* p) noexcept { return *reinterpret_cast<const vec_unaligned*>(p); }
inline void store(float* p, vec v) noexcept { *reinterpret_cast<vec_unaligned*>(p) = v; }

/// C tile (mr x nr at c, leading dimension ldc) = (load ? C : 0) + a_panel (k x mr) * b_panel (k rows
/// of nr floats, ldb apart: nr when packed, B's own row stride when read in place).
/// rows/cols < mr/nr: only that corner of C is read and written.
inline void micro_kernel(std::size_t k, const float* __restrict a, const float* __restrict b, std::size_t ldb,
                         float* c, std::size_t ldc, bool load_c, std::size_t rows, std::size_t cols) {
  vec acc[mr][2];
#pragma GCC unroll 12
  for (std::size_t i = 0; i < mr; ++i) acc[i][0] = acc[i][1] = vec{};
  for (std::size_t p = 0; p < k; ++p) {
    const vec b0 = load(b + p * ldb), b1 = load(b + p * ldb + vec_floats);
#pragma GCC unroll 12
    for (std::size_t i = 0; i < mr; ++i) {
      const float s = a[p * mr + i];
      acc[i][0] += s * b0;
      acc[i][1] += s * b1;
    }
  }
  if (rows == mr && cols == nr) {
#pragma GCC unroll 12
    for (std::size_t i = 0; i < mr; ++i) {
      float* row = c + i * ldc;
      if (load_c) {
        store(row, load(row) + acc[i][0]);
        store(row + vec_floats, load(row + vec_floats) + acc[i][1]);
      } else {
        store(row, acc[i][0]);
        store(row + vec_floats, acc[i][1]);
      }
    }
    return;
  }
  alignas(64) float tile[mr * nr];
  for (std::size_t i = 0; i < mr; ++i) {
    store(tile + i * nr, acc[i][0]);
    store(tile + i * nr + vec_floats, acc[i][1]);
  }
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j) c[i * ldc + j] = (load_c ? c[i * ldc + j] : 0.0f) + tile[i * nr + j];
}

}  // namespace detail

/// C = op(A) * op(B) (accumulate: C += ...). See the file comment for the layouts.
inline void gemm(std::size_t M, std::size_t N, std::size_t K, const float* A, std::size_t lda, bool trans_a,
                 const float* B, std::size_t ldb, bool trans_b, float* C, std::size_t ldc, bool accumulate) {
  if (M == 0 || N == 0) return;
  if (K == 0) {
    if (!accumulate)
      for (std::size_t i = 0; i < M; ++i) std::fill(C + i * ldc, C + i * ldc + N, 0.0f);
    return;
  }
  const std::size_t nc_ = std::min(nc, (N + nr - 1) / nr * nr);
  const std::size_t kc_ = std::min(kc, K);
  float* bpack = detail::scratch(0, kc_ * nc_);
  float* apack = detail::scratch(1, kc_ * std::min(mc, (M + mr - 1) / mr * mr));
  for (std::size_t j0 = 0; j0 < N; j0 += nc) {
    const std::size_t n = std::min(nc, N - j0);
    // B not transposed: its full nr-column panels are read in place (k rows of nr contiguous floats,
    // ldb apart), only a last partial panel is packed; B transposed: packed (kc x nc per block).
    const std::size_t n_direct = trans_b ? 0 : n / nr * nr;
    for (std::size_t p0 = 0; p0 < K; p0 += kc) {
      const std::size_t k = std::min(kc, K - p0);
      const bool load_c = accumulate || p0 > 0;
      if (n_direct < n) detail::pack_b(B, ldb, trans_b, p0, k, j0 + n_direct, n - n_direct, bpack);
      for (std::size_t i0 = 0; i0 < M; i0 += mc) {
        const std::size_t m = std::min(mc, M - i0);
        detail::pack_a(A, lda, trans_a, i0, m, p0, k, apack);
        for (std::size_t jr = 0; jr < n; jr += nr) {
          const bool direct = jr < n_direct;
          const float* b = direct ? B + p0 * ldb + j0 + jr : bpack + (jr - n_direct) * k;
          for (std::size_t ir = 0; ir < m; ir += mr)
            detail::micro_kernel(k, apack + ir * k, b, direct ? ldb : nr, C + (i0 + ir) * ldc + j0 + jr, ldc, load_c,
                                 std::min(mr, m - ir), std::min(nr, n - jr));
        }
      }
    }
  }
}

}  // namespace cnnbench::backend::eigen::sgemm
