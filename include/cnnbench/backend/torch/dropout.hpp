// cnnbench/backend/torch/dropout.hpp: Dropout -> Dropout (torch's own masks) under exec::libtorch (see kernel.hpp).
#pragma once
#include <torch/torch.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include "../../layers/dropout.hpp"

#include "kernel.hpp"

namespace cnnbench::backend::torch_adapter {

template <real Rate, shape In>
struct kernel<Dropout<Rate>, In> {
  static void append(builder& b, std::size_t, std::size_t) {
    b.add(::torch::nn::Dropout(::torch::nn::DropoutOptions(Rate.value())), "Dropout(" + std::to_string(Rate.value()) + ")");
  }
};

}  // namespace cnnbench::backend::torch_adapter
