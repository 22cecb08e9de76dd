// cnnbench/backend/eigen/dropout.hpp: Dropout under exec::eigen_cpu (see kernel.hpp for the kernel interface).
#pragma once
#include <cstddef>
#include <cstdint>

#include "../../layers/dropout.hpp"
#include "kernel.hpp"

namespace cnnbench::backend::eigen {

/// Dropout: the masks of Dropout<Rate> (layers/dropout.hpp: keep, threshold, scale, mask_stream),
/// element e counted in the whole batch (ctx.first locates the thread's slice), so they do not depend
/// on the thread count; recomputed in backward instead of stored.
template <real Rate, shape In>
struct kernel<Dropout<Rate>, In> {
  using L = Dropout<Rate>;
  static constexpr std::size_t workspace_floats(std::size_t) { return 0; }
  /// out[k] = L::keep(r, g + k) ? in[k] * L::scale : 0 for k < count, two elements per 64-bit draw.
  static void apply(const rng& r, std::size_t g, const float* in, float* out, std::size_t count) noexcept {
    constexpr std::uint64_t threshold = L::threshold;
    constexpr float scale = L::scale;
    std::size_t k = 0;
    if (g % 2 == 1 && count > 0) {  // odd start: the high half of the pair
      out[0] = L::keep(r, g) ? in[0] * scale : 0.0f;
      k = 1;
    }
    for (; k + 1 < count; k += 2) {
      const std::uint64_t bits = r.at((g + k) / 2);
      out[k] = (bits & 0xffffffffull) >= threshold ? in[k] * scale : 0.0f;
      out[k + 1] = (bits >> 32) >= threshold ? in[k + 1] * scale : 0.0f;
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
