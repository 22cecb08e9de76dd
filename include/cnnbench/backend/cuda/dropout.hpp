// cnnbench/backend/cuda/dropout.hpp: Dropout under exec::cudnn.
//
// The mask is layers/dropout.hpp's, bit for bit (eigen_cpu's): cnb_dropout keeps element e of the
// batch when Dropout<Rate>::keep(mask_stream(seed, step, layer), e) would; the kernel gets the
// stream's key (rng::key()), Dropout<Rate>::threshold and Dropout<Rate>::scale.
#pragma once
#if !defined(CNNBENCH_WITH_CUDA)
#error "cnnbench: backend/cuda/dropout.hpp needs CNNBENCH_WITH_CUDA (link cnnbench::cuda)"
#endif
#include <cstdint>

#include "kernel.hpp"

namespace cnnbench::backend::cuda {

template <real Rate, shape In>
struct kernel<Dropout<Rate>, In> : detail::stateless {
  using L = Dropout<Rate>;
  /// The device kernel's key of the masks of layer `layer` at step `step`: L::mask_stream's key.
  static constexpr std::uint64_t key(std::uint64_t seed, std::uint64_t step, std::size_t layer) noexcept {
    return L::mask_stream(seed, step, layer).key();
  }
  static void apply(device_context& ctx, const float* in, float* out, int n) {
    launch::cnb_dropout(*ctx.kernels, ctx.stream, static_cast<long long>(n) * In.size(), in, out,
                        static_cast<unsigned long long>(key(ctx.seed, ctx.step, ctx.layer)),
                        static_cast<unsigned long long>(L::threshold), L::scale);
  }
  void forward(device_context& ctx, const float* x, float* y, int n, const float*, bool training) {
    if (!training || L::rate == 0.0) detail::copy_device(ctx, x, y, static_cast<std::size_t>(n) * In.size());
    else apply(ctx, x, y, n);
  }
  void backward(device_context& ctx, const float*, const float*, const float* dy, float* dx, int n, const float*, float*) {
    if (!dx) return;
    if (L::rate == 0.0) detail::copy_device(ctx, dy, dx, static_cast<std::size_t>(n) * In.size());
    else apply(ctx, dy, dx, n);
  }
};

}  // namespace cnnbench::backend::cuda
