// cnnbench/backend/cuda/identity.hpp: Identity under exec::cudnn (a device-to-device copy).
#pragma once
#if !defined(CNNBENCH_WITH_CUDA)
#error "cnnbench: backend/cuda/identity.hpp needs CNNBENCH_WITH_CUDA (link cnnbench::cuda)"
#endif
#include "kernel.hpp"

namespace cnnbench::backend::cuda {

template <shape In>
struct kernel<Identity, In> : detail::stateless {
  void forward(device_context& ctx, const float* x, float* y, int n, const float*, bool) {
    detail::copy_device(ctx, x, y, static_cast<std::size_t>(n) * In.size());
  }
  void backward(device_context& ctx, const float*, const float*, const float* dy, float* dx, int n, const float*, float*) {
    if (dx) detail::copy_device(ctx, dy, dx, static_cast<std::size_t>(n) * In.size());
  }
};

}  // namespace cnnbench::backend::cuda
