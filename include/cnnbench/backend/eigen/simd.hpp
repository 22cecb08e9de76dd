// cnnbench/backend/eigen/simd.hpp: the vector type of exec::eigen_cpu's hand-written loops (the
// Winograd transforms, the shifted-window weight gradient), as wide as the instruction set the build
// targets: GCC/Clang vector extensions, no intrinsics except for the fused multiply-add and the broadcast.
#pragma once
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__AVX512F__) || defined(__AVX__) || defined(__FMA__) || defined(__SSE__)
#include <immintrin.h>
#endif

namespace cnnbench::backend::eigen::simd {

/// Floats per vector: 16 with AVX-512, 8 with AVX, else 4 (SSE2, the x86-64 baseline; NEON).
#if defined(__AVX512F__)
inline constexpr std::size_t lanes = 16;
#elif defined(__AVX__)
inline constexpr std::size_t lanes = 8;
#else
inline constexpr std::size_t lanes = 4;
#endif

/// W consecutive floats as one vector (W = 4, 8 or 16, never wider than the build's vectors).
template <std::size_t W>
struct vector_of {
  typedef float type __attribute__((vector_size(W * sizeof(float))));
};
/// The build's widest vector.
using vec = vector_of<lanes>::type;

/// Unaligned load and store of a vector (or of one float, T = float).
template <class T>
[[gnu::always_inline]] inline T load(const float* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class T>
[[gnu::always_inline]] inline void store(float* p, const T& v) {
  std::memcpy(p, &v, sizeof v);
}

/// x in every lane of the build's vector. With AVX-512 or AVX a broadcast load (a load port, not
/// the FMA ports); `vec{} + x` instead adds 0 to x first (x may be -0) and broadcasts from a register.
[[gnu::always_inline]] inline vec broadcast(float x) {
#if defined(__AVX512F__)
  return _mm512_set1_ps(x);
#elif defined(__AVX__)
  return _mm256_set1_ps(x);
#elif defined(__SSE__)
  return _mm_set1_ps(x);
#else
  vec v{};
  for (std::size_t i = 0; i < lanes; ++i) v[i] = x;
  return v;
#endif
}

/// a * b + c, one rounding where the target has FMA (explicit: -std=c++20 does not contract a * b + c).
[[gnu::always_inline]] inline vec fma(vec a, vec b, vec c) {
#if defined(__AVX512F__)
  return _mm512_fmadd_ps(a, b, c);
#elif defined(__FMA__)
  return _mm256_fmadd_ps(a, b, c);
#else
  return a * b + c;
#endif
}

/// max(0, v) per lane, as ReLU's scalar `v > 0 ? v : 0`: -0 and NaN give +0 (maxps returns its second
/// operand when the two are equal or one is NaN).
[[gnu::always_inline]] inline vec relu(vec v) {
#if defined(__AVX512F__)
  return _mm512_max_ps(v, _mm512_setzero_ps());
#elif defined(__AVX__)
  return _mm256_max_ps(v, _mm256_setzero_ps());
#elif defined(__SSE__)
  return _mm_max_ps(v, _mm_setzero_ps());
#else
  for (std::size_t i = 0; i < lanes; ++i) v[i] = v[i] > 0.0f ? v[i] : 0.0f;
  return v;
#endif
}

/// c ? v : +0 without a branch (a float ?: compiles to a jump, taken at random on real data; this
/// is an AND with a mask of c, and vectorises in a loop).
[[gnu::always_inline]] inline float keep_if(bool c, float v) noexcept {
  return std::bit_cast<float>(std::bit_cast<std::uint32_t>(v) & (0u - static_cast<std::uint32_t>(c)));
}

/// d where x > 0, else +0, per lane, without a branch (ReLU's backward, dx = y > 0 ? dy : 0, with y = x):
/// NaN x gives +0, as the scalar test does.
[[gnu::always_inline]] inline vec relu_mask(vec x, vec d) {
#if defined(__AVX512F__)
  return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GT_OQ), d);
#elif defined(__AVX__)
  return _mm256_and_ps(_mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GT_OQ), d);
#elif defined(__SSE__)
  return _mm_and_ps(_mm_cmpgt_ps(x, _mm_setzero_ps()), d);
#else
  for (std::size_t i = 0; i < lanes; ++i) d[i] = x[i] > 0.0f ? d[i] : 0.0f;
  return d;
#endif
}

/// dx[i] = x[i] > 0 ? dx[i] : 0 for i < n: the backward of a ReLU whose output is x (activation.hpp's
/// df, bit for bit: +0 where x <= 0 or NaN), applied by the layer after it to its own dL/dx
/// (ctx.relu_mask). Branch-free: a float ?: compiles to a jump, mispredicted on real activations
/// (measured: S3's conv_4 dL/dx 2-3 ms slower per step with the plain loop).
inline void mask_relu(const float* x, float* dx, std::size_t n) noexcept {
  const std::size_t body = n - n % lanes;
  for (std::size_t i = 0; i < body; i += lanes) store(dx + i, relu_mask(load<vec>(x + i), load<vec>(dx + i)));
  for (std::size_t i = body; i < n; ++i)
    dx[i] = keep_if(x[i] > 0.0f, dx[i]);
}

/// The sum of v's lanes, by halves (lanes 0..W/2 + lanes W/2..W, and so on): a fixed order.
template <class T>
[[gnu::always_inline]] inline float reduce_add(const T& v) {
  constexpr std::size_t W = sizeof(T) / sizeof(float);
  if constexpr (W <= 4) {
    float f[4] = {0, 0, 0, 0};
    std::memcpy(f, &v, sizeof v);
    return (f[0] + f[2]) + (f[1] + f[3]);
  } else {
    using H = typename vector_of<W / 2>::type;
    H lo, hi;
    std::memcpy(&lo, &v, sizeof lo);
    std::memcpy(&hi, reinterpret_cast<const char*>(&v) + sizeof lo, sizeof hi);
    return reduce_add(H(lo + hi));
  }
}

}  // namespace cnnbench::backend::eigen::simd
