// cnnbench/backend/torch/conv.hpp: Conv -> Conv2d (with ZeroPad2d first for TensorFlow's uneven "same" padding) under exec::libtorch (see kernel.hpp).
#pragma once
#include <torch/torch.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "../../layers/conv.hpp"
#include "../specs.hpp"

#include "kernel.hpp"

namespace cnnbench::backend::torch_adapter {

template <std::size_t F, std::size_t K, std::size_t S, padding Pad, bias B, shape In>
struct kernel<Conv<F, K, S, Pad, B>, In> {
  using L = Conv<F, K, S, Pad, B>;
  static constexpr std::int64_t top = L::template pad_top<In>, bottom = L::template pad_bottom<In>;
  static constexpr std::int64_t left = L::template pad_left<In>, right = L::template pad_right<In>;
  static constexpr bool symmetric = top == bottom && left == right;
  static void append(builder& b, std::size_t poff, std::size_t) {
    auto opt = ::torch::nn::Conv2dOptions(static_cast<std::int64_t>(In.c), static_cast<std::int64_t>(F), static_cast<std::int64_t>(K))
                   .stride(static_cast<std::int64_t>(S))
                   .bias(L::has_bias);
    std::string what = "Conv2d(" + std::to_string(In.c) + ", " + std::to_string(F) + ", " + std::to_string(K) + ", stride " +
                       std::to_string(S) + (L::has_bias ? "" : ", bias false");
    if (symmetric) {
      opt.padding(std::vector<std::int64_t>{top, left});
      what += ", padding (" + std::to_string(top) + ", " + std::to_string(left) + "))";
    } else {
      b.add(::torch::nn::ZeroPad2d(::torch::nn::ZeroPad2dOptions({left, right, top, bottom})),
            "ZeroPad2d(" + std::to_string(left) + ", " + std::to_string(right) + ", " + std::to_string(top) + ", " +
                std::to_string(bottom) + ")");
      what += ")";
    }
    ::torch::nn::Conv2d conv(opt);
    b.add(conv, what);
    constexpr std::size_t w_at = tensor_offset<L, In>(param_role::weight);
    b.bindings.push_back({conv->weight, poff + w_at, F * In.c * K * K, true});
    if constexpr (L::has_bias) b.bindings.push_back({conv->bias, poff + tensor_offset<L, In>(param_role::bias), F, true});
  }
};

}  // namespace cnnbench::backend::torch_adapter
