// cnnbench/backend/eigen/dropout.hpp: Dropout under exec::eigen_cpu (see kernel.hpp for the kernel interface).
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "../../layers/dropout.hpp"
#include "kernel.hpp"
#include "simd.hpp"

namespace cnnbench::backend::eigen {

/// Dropout: the masks of Dropout<Rate> (layers/dropout.hpp: keep, threshold, scale, mask_stream),
/// element e counted in the whole batch (ctx.first locates the thread's slice), so they do not depend
/// on the thread count; recomputed in backward instead of stored.
template <real Rate, shape In>
struct kernel<Dropout<Rate>, In> {
  using L = Dropout<Rate>;
  static constexpr std::size_t workspace_floats(std::size_t) { return 0; }
  /// out[k] = L::keep(r, g + k) ? in[k] * L::scale : 0 for k < count, two elements per 64-bit draw.
  /// The draws of a block of pairs go to a small buffer first, then the block is masked: two flat
  /// loops the compiler vectorises (SplitMix64 is multiplies, shifts and xors), 4-5x faster than one
  /// loop that draws and masks (measured with bench/bm_layers on S2 and S3). Same masks either way.
  static void apply(const rng& r, std::size_t g, const float* in, float* out, std::size_t count) noexcept {
    constexpr std::uint64_t threshold = L::threshold;
    constexpr float scale = L::scale;
    std::size_t k = 0;
    if (g % 2 == 1 && count > 0) {  // odd start: the high half of the pair
      out[0] = L::keep(r, g) ? in[0] * scale : 0.0f;
      k = 1;
    }
    constexpr std::size_t block = 256;  // pairs
    std::uint32_t u[2 * block];
    while (k + 1 < count) {
      const std::size_t pairs = std::min(block, (count - k) / 2);
      const std::uint64_t first = (g + k) / 2;
      for (std::size_t j = 0; j < pairs; ++j) {  // low half to element 2j, high half to 2j + 1
        const std::uint64_t bits = r.at(first + j);
        u[2 * j] = static_cast<std::uint32_t>(bits);
        u[2 * j + 1] = static_cast<std::uint32_t>(bits >> 32);
      }
      const float* src = in + k;
      float* dst = out + k;
      // keep ? x * scale : +0 without a branch (simd::keep_if: a float ?: here compiled to a jump,
      // GCC 12 -O3, taken at random; this vectorises). Same values, bit for bit.
      for (std::size_t i = 0; i < 2 * pairs; ++i) dst[i] = simd::keep_if(u[i] >= threshold, src[i] * scale);
      k += 2 * pairs;
    }
    if (k < count) out[k] = L::keep(r, g + k) ? in[k] * scale : 0.0f;
  }
  void forward(const context& ctx, const float* x, float* y, std::size_t n, const float*) {
    if (!ctx.training || L::rate == 0.0) {
      copy(x, y, n * In.size());
      return;
    }
    apply(L::mask_stream(ctx.seed, ctx.step, ctx.layer), ctx.first * In.size(), x, y, n * In.size());
  }
  void backward(const context& ctx, const float*, const float*, const float* dy, float* dx, std::size_t n, const float*,
                float*) {
    if (!dx) return;
    if (!ctx.training || L::rate == 0.0) {
      copy(dy, dx, n * In.size());
      return;
    }
    apply(L::mask_stream(ctx.seed, ctx.step, ctx.layer), ctx.first * In.size(), dy, dx, n * In.size());
  }
};

}  // namespace cnnbench::backend::eigen
