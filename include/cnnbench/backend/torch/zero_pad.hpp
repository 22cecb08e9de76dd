// cnnbench/backend/torch/zero_pad.hpp: ZeroPad<P> -> ZeroPad2d(P) under exec::libtorch (see kernel.hpp).
#pragma once
#include <torch/torch.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include "../../layers/zero_pad.hpp"

#include "kernel.hpp"

namespace cnnbench::backend::torch_adapter {

template <std::size_t P, shape In>
struct kernel<ZeroPad<P>, In> {
  static void append(builder& b, std::size_t, std::size_t) {
    const auto p = static_cast<std::int64_t>(P);
    b.add(::torch::nn::ZeroPad2d(::torch::nn::ZeroPad2dOptions({p, p, p, p})), "ZeroPad2d(" + std::to_string(P) + ")");
  }
};

}  // namespace cnnbench::backend::torch_adapter
