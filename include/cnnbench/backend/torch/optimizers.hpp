// cnnbench/backend/torch/optimizers.hpp: the optimizers under exec::libtorch, as torch.optim's own.
//
// optimizer_impl<Opt> is the policy's customisation point:
//   make(params, opt)             the torch.optim optimizer with opt's hyper-parameters
//   before_step(optimizer, opt, t) what torch.optim has no option for, set per step t (1-based):
//                                 Keras' time decay (lr_t) and Keras' "epsilon hat" (Adam's eps_t)
// Mappings that cannot be exact are refused with value_error (tf.keras RMSprop's epsilon inside the
// square root). An optimizer without a specialisation is a compile error naming the policy.
#pragma once
#include <torch/torch.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "../../error.hpp"
#include "../../optim.hpp"
#include "kernel.hpp"

namespace cnnbench::backend::torch_adapter {

template <class Opt>
struct optimizer_impl {
  static_assert(no_mapping<Opt>,
                "cnnbench: exec::libtorch has no implementation of this optimizer (specialise "
                "cnnbench::backend::torch_adapter::optimizer_impl<Opt> in backend/torch/optimizers.hpp)");
};

namespace detail {
inline void set_lr(::torch::optim::Optimizer& o, double lr) { o.param_groups().at(0).options().set_lr(lr); }
}  // namespace detail

/// torch.optim.SGD (dampening 0).
template <>
struct optimizer_impl<optim::sgd> {
  static std::unique_ptr<::torch::optim::Optimizer> make(std::vector<::torch::Tensor> params, const optim::sgd& o) {
    return std::make_unique<::torch::optim::SGD>(
        params, ::torch::optim::SGDOptions(o.lr).momentum(o.momentum).nesterov(o.nesterov).weight_decay(o.weight_decay).dampening(0));
  }
  static void before_step(::torch::optim::Optimizer& opt, const optim::sgd& o, std::uint64_t t) { detail::set_lr(opt, o.lr_at(t)); }
};
/// torch.optim.Adam; Keras' epsilon hat as eps_t = eps / sqrt(1 - beta2^t), which makes torch's
/// update equal to Keras' (see optim/adam.hpp).
template <>
struct optimizer_impl<optim::adam> {
  static std::unique_ptr<::torch::optim::Optimizer> make(std::vector<::torch::Tensor> params, const optim::adam& o) {
    return std::make_unique<::torch::optim::Adam>(
        params, ::torch::optim::AdamOptions(o.lr).betas({o.beta1, o.beta2}).eps(o.eps).weight_decay(o.weight_decay));
  }
  static void before_step(::torch::optim::Optimizer& opt, const optim::adam& o, std::uint64_t t) {
    detail::set_lr(opt, o.lr_at(t));
    if (o.mode == optim::adam::epsilon_mode::keras)
      static_cast<::torch::optim::AdamOptions&>(opt.param_groups().at(0).options())
          .eps(o.eps / std::sqrt(1.0 - std::pow(o.beta2, static_cast<double>(t))));
  }
};
/// torch.optim.RMSprop (rho is its alpha); epsilon inside the square root is refused.
template <>
struct optimizer_impl<optim::rmsprop> {
  static std::unique_ptr<::torch::optim::Optimizer> make(std::vector<::torch::Tensor> params, const optim::rmsprop& o) {
    if (o.eps_inside_sqrt)
      throw value_error("libtorch: RMSprop with epsilon inside the square root (tf.keras, rmsprop::keras()) has no "
                        "torch.optim equivalent; use rmsprop::pytorch() or rmsprop::keras2()");
    return std::make_unique<::torch::optim::RMSprop>(
        params, ::torch::optim::RMSpropOptions(o.lr).alpha(o.rho).eps(o.eps).momentum(o.momentum));
  }
  static void before_step(::torch::optim::Optimizer& opt, const optim::rmsprop& o, std::uint64_t t) {
    detail::set_lr(opt, o.lr_at(t));
  }
};

}  // namespace cnnbench::backend::torch_adapter
