// cnnbench/backend/torch/pool.hpp: MaxPool, AvgPool -> MaxPool2d, AvgPool2d; GlobalAvgPool -> AdaptiveAvgPool2d(1) + Flatten under exec::libtorch (see kernel.hpp).
#pragma once
#include <torch/torch.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include "../../layers/pool.hpp"

#include "kernel.hpp"

namespace cnnbench::backend::torch_adapter {

template <std::size_t K, std::size_t S, shape In>
struct kernel<MaxPool<K, S>, In> {
  static void append(builder& b, std::size_t, std::size_t) {
    b.add(::torch::nn::MaxPool2d(::torch::nn::MaxPool2dOptions(static_cast<std::int64_t>(K)).stride(static_cast<std::int64_t>(S))),
          "MaxPool2d(" + std::to_string(K) + ", stride " + std::to_string(S) + ")");
  }
};
template <std::size_t K, std::size_t S, shape In>
struct kernel<AvgPool<K, S>, In> {
  static void append(builder& b, std::size_t, std::size_t) {
    b.add(::torch::nn::AvgPool2d(::torch::nn::AvgPool2dOptions(static_cast<std::int64_t>(K)).stride(static_cast<std::int64_t>(S))),
          "AvgPool2d(" + std::to_string(K) + ", stride " + std::to_string(S) + ")");
  }
};
template <shape In>
struct kernel<GlobalAvgPool, In> {
  static void append(builder& b, std::size_t, std::size_t) {
    b.add(::torch::nn::AdaptiveAvgPool2d(::torch::nn::AdaptiveAvgPool2dOptions(1)), "AdaptiveAvgPool2d(1)");
    b.flat = false;
    b.flatten();
  }
};

}  // namespace cnnbench::backend::torch_adapter
