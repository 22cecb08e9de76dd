// cnnbench/backend/cuda/pool.hpp: MaxPool, AvgPool and GlobalAvgPool under exec::cudnn (the policy's
// kernels; see plan.hpp for why not cuDNN).
#pragma once
#if !defined(CNNBENCH_WITH_CUDA)
#error "cnnbench: backend/cuda/pool.hpp needs CNNBENCH_WITH_CUDA (link cnnbench::cuda)"
#endif
#include "kernel.hpp"
#include "plan.hpp"

namespace cnnbench::backend::cuda {

template <std::size_t K, std::size_t S, shape In>
struct kernel<MaxPool<K, S>, In> {
  static constexpr shape Out = MaxPool<K, S>::template output_shape<In>;
  static constexpr pool_plan plan = pool_plan_of<MaxPool<K, S>, In>;
  device_buffer<int> argmax;  // training: the first maximum of each window (index in its plane)

  void configure(device_context& ctx, int n, bool training) {
    argmax.track(ctx.memory);
    if (training) argmax.reserve(static_cast<std::size_t>(n) * Out.size());
  }
  static constexpr std::size_t workspace_bytes() noexcept { return 0; }
  void forward(device_context& ctx, const float* x, float* y, int n, const float*, bool training) {
    using detail::as_int;
    launch::cnb_maxpool_fwd(*ctx.kernels, ctx.stream, static_cast<long long>(n) * Out.size(), x, y,
                            training ? argmax.data() : nullptr, as_int(In.h), as_int(In.w), as_int(Out.h), as_int(Out.w),
                            as_int(K), as_int(S));
  }
  void backward(device_context& ctx, const float*, const float*, const float* dy, float* dx, int n, const float*, float*) {
    using detail::as_int;
    if (!dx) return;
    launch::cnb_maxpool_bwd(*ctx.kernels, ctx.stream, static_cast<long long>(n) * In.size(), dy, argmax.data(), dx,
                            as_int(In.h), as_int(In.w), as_int(Out.h), as_int(Out.w), as_int(K), as_int(S));
  }
};

template <std::size_t K, std::size_t S, shape In>
struct kernel<AvgPool<K, S>, In> : detail::stateless {
  static constexpr shape Out = AvgPool<K, S>::template output_shape<In>;
  static constexpr float inv = 1.0f / static_cast<float>(K * K);  // as eigen_cpu
  void forward(device_context& ctx, const float* x, float* y, int n, const float*, bool) {
    using detail::as_int;
    launch::cnb_avgpool_fwd(*ctx.kernels, ctx.stream, static_cast<long long>(n) * Out.size(), x, y, as_int(In.h), as_int(In.w),
                            as_int(Out.h), as_int(Out.w), as_int(K), as_int(S), inv);
  }
  void backward(device_context& ctx, const float*, const float*, const float* dy, float* dx, int n, const float*, float*) {
    using detail::as_int;
    if (!dx) return;
    launch::cnb_avgpool_bwd(*ctx.kernels, ctx.stream, static_cast<long long>(n) * In.size(), dy, dx, as_int(In.h),
                            as_int(In.w), as_int(Out.h), as_int(Out.w), as_int(K), as_int(S), inv);
  }
};

template <shape In>
struct kernel<GlobalAvgPool, In> : detail::stateless {
  void forward(device_context& ctx, const float* x, float* y, int n, const float*, bool) {
    launch::cnb_gap_fwd(*ctx.kernels, ctx.stream, static_cast<long long>(n) * In.c, x, y, detail::as_int(In.h * In.w));
  }
  void backward(device_context& ctx, const float*, const float*, const float* dy, float* dx, int n, const float*, float*) {
    if (!dx) return;
    launch::cnb_gap_bwd(*ctx.kernels, ctx.stream, static_cast<long long>(n) * In.size(), dy, dx, detail::as_int(In.h * In.w));
  }
};

}  // namespace cnnbench::backend::cuda
