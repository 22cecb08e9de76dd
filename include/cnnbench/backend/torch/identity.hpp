// cnnbench/backend/torch/identity.hpp: Identity -> torch::nn::Identity under exec::libtorch (see kernel.hpp).
#pragma once
#include <torch/torch.h>

#include <cstddef>

#include "../../layers/identity.hpp"
#include "kernel.hpp"

namespace cnnbench::backend::torch_adapter {

template <shape In>
struct kernel<Identity, In> {
  static void append(builder& b, std::size_t, std::size_t) { b.add(::torch::nn::Identity(), "Identity"); }
};

}  // namespace cnnbench::backend::torch_adapter
