// cnnbench/backend/cuda/zero_pad.hpp: ZeroPad under exec::cudnn (the policy's pad/crop kernels).
#pragma once
#if !defined(CNNBENCH_WITH_CUDA)
#error "cnnbench: backend/cuda/zero_pad.hpp needs CNNBENCH_WITH_CUDA (link cnnbench::cuda)"
#endif
#include "kernel.hpp"

namespace cnnbench::backend::cuda {

template <std::size_t P, shape In>
struct kernel<ZeroPad<P>, In> : detail::stateless {
  static constexpr shape Out = ZeroPad<P>::template output_shape<In>;
  void forward(device_context& ctx, const float* x, float* y, int n, const float*, bool) {
    launch::cnb_pad2d(*ctx.kernels, ctx.stream, static_cast<long long>(n) * Out.size(), x, y, detail::as_int(In.h),
                      detail::as_int(In.w), detail::as_int(Out.h), detail::as_int(Out.w), detail::as_int(P), detail::as_int(P));
  }
  void backward(device_context& ctx, const float*, const float*, const float* dy, float* dx, int n, const float*, float*) {
    if (!dx) return;
    launch::cnb_crop2d(*ctx.kernels, ctx.stream, static_cast<long long>(n) * In.size(), dy, dx, detail::as_int(In.h),
                       detail::as_int(In.w), detail::as_int(Out.h), detail::as_int(Out.w), detail::as_int(P), detail::as_int(P));
  }
};

}  // namespace cnnbench::backend::cuda
