// cnnbench/backend/cuda/activation.hpp: ReLU, Sigmoid, Tanh (cuDNN activations) and Softmax (cuDNN,
// accurate, over C: CHANNEL mode) under exec::cudnn.
#pragma once
#if !defined(CNNBENCH_WITH_CUDA)
#error "cnnbench: backend/cuda/activation.hpp needs CNNBENCH_WITH_CUDA (link cnnbench::cuda)"
#endif
#include "kernel.hpp"

namespace cnnbench::backend::cuda {

namespace detail {
template <shape In, cudnnActivationMode_t Mode>
struct activation : described<In> {
  activation_descriptor act;
  void configure(device_context& ctx, int n, bool training) {
    if (!act) act = make_activation_descriptor(Mode);
    described<In>::configure(ctx, n, training);
  }
  void forward(device_context& ctx, const float* x, float* y, int, const float*, bool) {
    CNNBENCH_CUDA_CHECK(cudnnActivationForward(ctx.cudnn, act.get(), &one, this->desc.get(), x, &zero, this->desc.get(), y));
  }
  void backward(device_context& ctx, const float* x, const float* y, const float* dy, float* dx, int, const float*, float*) {
    if (!dx) return;
    CNNBENCH_CUDA_CHECK(cudnnActivationBackward(ctx.cudnn, act.get(), &one, this->desc.get(), y, this->desc.get(), dy,
                                                this->desc.get(), x, &zero, this->desc.get(), dx));
  }
};
}  // namespace detail

template <shape In>
struct kernel<ReLU, In> : detail::activation<In, CUDNN_ACTIVATION_RELU> {};
template <shape In>
struct kernel<Sigmoid, In> : detail::activation<In, CUDNN_ACTIVATION_SIGMOID> {};
template <shape In>
struct kernel<Tanh, In> : detail::activation<In, CUDNN_ACTIVATION_TANH> {};

template <shape In>
struct kernel<Softmax, In> : detail::described<In> {
  void forward(device_context& ctx, const float* x, float* y, int, const float*, bool) {
    CNNBENCH_CUDA_CHECK(cudnnSoftmaxForward(ctx.cudnn, CUDNN_SOFTMAX_ACCURATE, CUDNN_SOFTMAX_MODE_CHANNEL, &detail::one,
                                            this->desc.get(), x, &detail::zero, this->desc.get(), y));
  }
  void backward(device_context& ctx, const float*, const float* y, const float* dy, float* dx, int, const float*, float*) {
    if (!dx) return;
    CNNBENCH_CUDA_CHECK(cudnnSoftmaxBackward(ctx.cudnn, CUDNN_SOFTMAX_ACCURATE, CUDNN_SOFTMAX_MODE_CHANNEL, &detail::one,
                                             this->desc.get(), y, this->desc.get(), dy, &detail::zero, this->desc.get(), dx));
  }
};

}  // namespace cnnbench::backend::cuda
