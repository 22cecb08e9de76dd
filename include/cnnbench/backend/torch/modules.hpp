// cnnbench/backend/torch/modules.hpp: the translation of a cnnbench model into torch::nn modules
// (implementation detail of exec::libtorch): every layer's kernel<L, In> (one file per family) and build().
//   ZeroPad<P>            ZeroPad2d(P)
//   Conv<F, K, S, Pad, B> Conv2d(C, F, K, stride S, padding p, bias B) when the padding is symmetric;
//                         for TensorFlow's uneven "same" padding, ZeroPad2d(l, r, t, b) + Conv2d
//   MaxPool / AvgPool     MaxPool2d / AvgPool2d (K, stride S; floor mode)
//   GlobalAvgPool         AdaptiveAvgPool2d(1) + Flatten
//   ReLU Sigmoid Tanh     ReLU Sigmoid Tanh;   Softmax: Softmax(dim 1)
//   Dropout<R>            Dropout(R)           (torch's own masks: not the same draws as eigen_cpu's)
//   Flatten               Flatten (when the tensor is still N x C x H x W)
//   Dense<U, B>           Linear(C, U, bias B), preceded by Flatten if the input is still 4-D (C x 1 x 1)
//   BatchNorm<E, M>       BatchNorm2d(C, eps E, momentum M), or BatchNorm1d on a flat input
//   Identity              Identity
//   Residual<...>         ResidualBlock: a module holding the two branches (Sequentials), main(x) + shortcut(x)
// A layer with no mapping is a compile error naming it.
#pragma once
#include "activation.hpp"
#include "batch_norm.hpp"
#include "conv.hpp"
#include "dense.hpp"
#include "dropout.hpp"
#include "flatten.hpp"
#include "identity.hpp"
#include "kernel.hpp"
#include "pool.hpp"
#include "residual.hpp"
#include "zero_pad.hpp"

#include "../../sequential.hpp"

namespace cnnbench::backend::torch_adapter {

/// The whole model: every leaf layer in order.
template <class Net, shape In>
builder build() {
  builder b;
  constexpr auto poff = param_offsets_v<Net, In>;
  constexpr auto soff = state_offsets_v<Net, In>;
  cnnbench::detail::for_each_type(bound_layers_t<Net, In>{}, [&](auto index, auto t) {
    using B = typename decltype(t)::type;
    constexpr std::size_t i = decltype(index)::value;
    kernel<typename B::layer, B::in>::append(b, poff[i], soff[i]);
  });
  return b;
}

}  // namespace cnnbench::backend::torch_adapter
