// cnnbench/backend/cuda/losses.hpp: the losses of loss/ on the device (implementation detail of
// exec::cudnn), dispatched per loss type like the kernels per layer.
//
// loss_impl<Loss>::run(k, stream, n, z, labels, outputs, scale, dz, losses, correct) enqueues the
// per-sample loss (double), the gradient dLoss/dz * scale (when dz is not null) and the correct flag
// of n samples of logits z (n x outputs, row-major device memory) with int32 labels. A loss without
// a specialisation is a compile error naming the policy.
#pragma once
#if !defined(CNNBENCH_WITH_CUDA)
#error "cnnbench: backend/cuda/losses.hpp needs CNNBENCH_WITH_CUDA (link cnnbench::cuda)"
#endif
#include <cuda_runtime_api.h>

#include "../../loss.hpp"
#include "kernel_source.hpp"
#include "nvrtc.hpp"

namespace cnnbench::backend::cuda {

template <class Loss>
inline constexpr bool dependent_false_loss = false;

/// No device implementation: a compile error naming the policy.
template <class Loss>
struct loss_impl {
  static_assert(dependent_false_loss<Loss>,
                "cnnbench: exec::cudnn has no implementation of this loss (specialise "
                "cnnbench::backend::cuda::loss_impl<Loss> in backend/cuda/losses.hpp, with a kernel in kernel_source.hpp)");
};

template <>
struct loss_impl<loss::softmax_cross_entropy> {
  static void run(const kernel_module& k, cudaStream_t stream, int n, const float* z, const int* labels, int outputs,
                     float scale, float* dz, double* losses, int* correct) {
    launch::cnb_softmax_xent(k, stream, n, z, labels, outputs, scale, dz, losses, correct);
  }
};

template <>
struct loss_impl<loss::binary_cross_entropy> {
  static void run(const kernel_module& k, cudaStream_t stream, int n, const float* z, const int* labels, int,
                     float scale, float* dz, double* losses, int* correct) {
    launch::cnb_binary_xent(k, stream, n, z, labels, scale, dz, losses, correct);
  }
};

}  // namespace cnnbench::backend::cuda
