// cnnbench/backend/torch/losses.hpp: the losses under exec::libtorch.
//
// loss_impl<Loss> is the policy's customisation point: training(z, labels, dtype) returns torch's
// mean loss of logits z (N x outputs) against int64 labels, the tensor that backward() runs on;
// scoring inference logits (evaluate) uses the host reference (backend/host/losses.hpp). A loss
// without a specialisation is a compile error naming the policy, never a silent substitute.
#pragma once
#include <torch/torch.h>

#include <cstdint>

#include "../../loss.hpp"
#include "../host/losses.hpp"
#include "kernel.hpp"

namespace cnnbench::backend::torch_adapter {

template <class Loss>
struct loss_impl {
  static_assert(no_mapping<Loss>,
                "cnnbench: exec::libtorch has no implementation of this loss (specialise "
                "cnnbench::backend::torch_adapter::loss_impl<Loss> in backend/torch/losses.hpp)");
};

/// torch.nn.functional.cross_entropy (mean).
template <>
struct loss_impl<loss::softmax_cross_entropy> : host::loss_kernel<loss::softmax_cross_entropy> {
  static ::torch::Tensor training(const ::torch::Tensor& z, const ::torch::Tensor& labels, ::torch::Dtype) {
    return ::torch::nn::functional::cross_entropy(z, labels);
  }
};
/// torch.nn.functional.binary_cross_entropy_with_logits on the one logit per sample (mean).
template <>
struct loss_impl<loss::binary_cross_entropy> : host::loss_kernel<loss::binary_cross_entropy> {
  static ::torch::Tensor training(const ::torch::Tensor& z, const ::torch::Tensor& labels, ::torch::Dtype dtype) {
    return ::torch::nn::functional::binary_cross_entropy_with_logits(z.reshape({z.size(0)}), labels.to(dtype));
  }
};

}  // namespace cnnbench::backend::torch_adapter
