// cnnbench/backend/cuda/batch_norm.hpp: BatchNorm under exec::cudnn.
//
// cuDNN, CUDNN_BATCHNORM_SPATIAL (per channel over N, H, W); its exponentialAverageFactor is our
// Momentum (running = (1 - m) running + m batch), epsilon our Eps; running_var takes cuDNN's unbiased
// batch variance like ours. gamma/beta and running mean/var at the offsets the layer declares.
#pragma once
#if !defined(CNNBENCH_WITH_CUDA)
#error "cnnbench: backend/cuda/batch_norm.hpp needs CNNBENCH_WITH_CUDA (link cnnbench::cuda)"
#endif
#include <string>

#include "kernel.hpp"

namespace cnnbench::backend::cuda {

template <real Eps, real Momentum, shape In>
struct kernel<BatchNorm<Eps, Momentum>, In> : detail::described<In> {
  using L = BatchNorm<Eps, Momentum>;
  static constexpr std::size_t gamma_at = tensor_offset<L, In>(param_role::gamma), beta_at = tensor_offset<L, In>(param_role::beta);
  static constexpr std::size_t mean_at = state_offset<L, In>(param_role::running_mean),
                               var_at = state_offset<L, In>(param_role::running_var);
  static constexpr double eps = Eps.value(), momentum = Momentum.value();
  tensor_descriptor bn;  // 1 x C x 1 x 1: gamma, beta, running and saved statistics
  device_buffer<float> saved_mean, saved_invstd;

  void configure(device_context& ctx, int n, bool training) {
    if (eps < CUDNN_BN_MIN_EPSILON)
      throw value_error(std::string(ctx.name) + ": BatchNorm epsilon " + std::to_string(eps) + " is below cuDNN's minimum " +
                        std::to_string(CUDNN_BN_MIN_EPSILON));
    detail::described<In>::configure(ctx, n, training);
    if (!bn) {
      bn = make_tensor_descriptor();
      CNNBENCH_CUDA_CHECK(cudnnDeriveBNTensorDescriptor(bn.get(), this->desc.get(), CUDNN_BATCHNORM_SPATIAL));
      saved_mean.track(ctx.memory);
      saved_invstd.track(ctx.memory);
      saved_mean.reserve(In.c);
      saved_invstd.reserve(In.c);
    }
  }
  void forward(device_context& ctx, const float* x, float* y, int, const float* w, bool training) {
    const auto d = this->desc.get();
    if (training)
      CNNBENCH_CUDA_CHECK(cudnnBatchNormalizationForwardTraining(ctx.cudnn, CUDNN_BATCHNORM_SPATIAL, &detail::one, &detail::zero,
                                                                 d, x, d, y, bn.get(), w + gamma_at, w + beta_at, momentum,
                                                                 ctx.state + mean_at, ctx.state + var_at, eps, saved_mean.data(), saved_invstd.data()));
    else
      CNNBENCH_CUDA_CHECK(cudnnBatchNormalizationForwardInference(ctx.cudnn, CUDNN_BATCHNORM_SPATIAL, &detail::one,
                                                                  &detail::zero, d, x, d, y, bn.get(), w + gamma_at, w + beta_at,
                                                                  ctx.state + mean_at, ctx.state + var_at, eps));
  }
  void backward(device_context& ctx, const float* x, const float*, const float* dy, float* dx, int, const float* w, float* dw) {
    const auto d = this->desc.get();
    // cuDNN always writes dx; the first layer's goes to the scratch buffer.
    CNNBENCH_CUDA_CHECK(cudnnBatchNormalizationBackward(ctx.cudnn, CUDNN_BATCHNORM_SPATIAL, &detail::one, &detail::zero,
                                                        &detail::one, &detail::zero, d, x, d, dy, d, dx ? dx : ctx.scratch,
                                                        bn.get(), w + gamma_at, dw + gamma_at, dw + beta_at, eps, saved_mean.data(), saved_invstd.data()));
  }
};

}  // namespace cnnbench::backend::cuda
