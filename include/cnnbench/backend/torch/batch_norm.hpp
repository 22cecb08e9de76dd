// cnnbench/backend/torch/batch_norm.hpp: BatchNorm -> BatchNorm2d / BatchNorm1d under exec::libtorch (see kernel.hpp).
#pragma once
#include <torch/torch.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include "../../layers/batch_norm.hpp"
#include "../specs.hpp"

#include "kernel.hpp"

namespace cnnbench::backend::torch_adapter {

template <real Eps, real Momentum, shape In>
struct kernel<BatchNorm<Eps, Momentum>, In> {
  static void append(builder& b, std::size_t poff, std::size_t soff) {
    const auto c = static_cast<std::int64_t>(In.c);
    auto bind = [&](auto& bn) {
      using L = BatchNorm<Eps, Momentum>;
      b.bindings.push_back({bn->weight, poff + tensor_offset<L, In>(param_role::gamma), In.c, true});
      b.bindings.push_back({bn->bias, poff + tensor_offset<L, In>(param_role::beta), In.c, true});
      b.bindings.push_back({bn->running_mean, soff + state_offset<L, In>(param_role::running_mean), In.c, false});
      b.bindings.push_back({bn->running_var, soff + state_offset<L, In>(param_role::running_var), In.c, false});
    };
    const std::string args = "(" + std::to_string(In.c) + ", eps " + std::to_string(Eps.value()) + ", momentum " +
                             std::to_string(Momentum.value()) + ")";
    if (b.flat) {
      ::torch::nn::BatchNorm1d bn(::torch::nn::BatchNorm1dOptions(c).eps(Eps.value()).momentum(Momentum.value()));
      b.add(bn, "BatchNorm1d" + args);
      bind(bn);
    } else {
      ::torch::nn::BatchNorm2d bn(::torch::nn::BatchNorm2dOptions(c).eps(Eps.value()).momentum(Momentum.value()));
      b.add(bn, "BatchNorm2d" + args);
      bind(bn);
    }
  }
};

}  // namespace cnnbench::backend::torch_adapter
