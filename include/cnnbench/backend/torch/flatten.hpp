// cnnbench/backend/torch/flatten.hpp: Flatten under exec::libtorch (see kernel.hpp).
#pragma once
#include <torch/torch.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include "../../layers/flatten.hpp"

#include "kernel.hpp"

namespace cnnbench::backend::torch_adapter {

template <shape In>
struct kernel<Flatten, In> {
  static void append(builder& b, std::size_t, std::size_t) { b.flatten(); }
};

}  // namespace cnnbench::backend::torch_adapter
