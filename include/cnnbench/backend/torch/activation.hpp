// cnnbench/backend/torch/activation.hpp: ReLU, Sigmoid, Tanh, Softmax under exec::libtorch (see kernel.hpp).
#pragma once
#include <torch/torch.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include "../../layers/activation.hpp"

#include "kernel.hpp"

namespace cnnbench::backend::torch_adapter {

template <shape In>
struct kernel<ReLU, In> {
  static void append(builder& b, std::size_t, std::size_t) { b.add(::torch::nn::ReLU(), "ReLU"); }
};
template <shape In>
struct kernel<Sigmoid, In> {
  static void append(builder& b, std::size_t, std::size_t) { b.add(::torch::nn::Sigmoid(), "Sigmoid"); }
};
template <shape In>
struct kernel<Tanh, In> {
  static void append(builder& b, std::size_t, std::size_t) { b.add(::torch::nn::Tanh(), "Tanh"); }
};
template <shape In>
struct kernel<Softmax, In> {
  static void append(builder& b, std::size_t, std::size_t) { b.add(::torch::nn::Softmax(::torch::nn::SoftmaxOptions(1)), "Softmax(dim 1)"); }
};

}  // namespace cnnbench::backend::torch_adapter
