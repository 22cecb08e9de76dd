// cnnbench/backend/torch/dense.hpp: Dense -> Linear under exec::libtorch (see kernel.hpp).
#pragma once
#include <torch/torch.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include "../../layers/dense.hpp"
#include "../specs.hpp"

#include "kernel.hpp"

namespace cnnbench::backend::torch_adapter {

template <std::size_t U, bias B, shape In>
struct kernel<Dense<U, B>, In> {
  using L = Dense<U, B>;
  static void append(builder& b, std::size_t poff, std::size_t) {
    b.flatten();  // a C x 1 x 1 input (e.g. a 1x1 convolution's output) is flattened first
    ::torch::nn::Linear lin(
        ::torch::nn::LinearOptions(static_cast<std::int64_t>(In.c), static_cast<std::int64_t>(U)).bias(L::has_bias));
    b.add(lin, "Linear(" + std::to_string(In.c) + ", " + std::to_string(U) + (L::has_bias ? ")" : ", bias false)"));
    b.bindings.push_back({lin->weight, poff + tensor_offset<L, In>(param_role::weight), U * In.c, true});
    if constexpr (L::has_bias) b.bindings.push_back({lin->bias, poff + tensor_offset<L, In>(param_role::bias), U, true});
  }
};

}  // namespace cnnbench::backend::torch_adapter
