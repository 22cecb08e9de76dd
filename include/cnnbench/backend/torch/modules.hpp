// cnnbench/backend/torch/modules.hpp: the translation of a cnnbench model into torch::nn modules
// (implementation detail of exec::libtorch).
//
// module_for<L, In> is specialised per layer template; append() adds the equivalent torch::nn
// module(s) to a torch::nn::Sequential, with channel counts taken from the static shapes, and records
// for each parameter (and BatchNorm buffer) the torch tensor that corresponds to it in the network's
// contiguous buffer, so weights are copied in and out without reordering (the layouts agree: Conv2d
// weight OIHW, Linear weight [out, in], bias after weight).
//   ZeroPad<P>            ZeroPad2d(P)
//   Conv<F, K, S, Pad>    Conv2d(C, F, K, stride S, padding p) when the padding is symmetric; for
//                         TensorFlow's uneven "same" padding (even kernels), ZeroPad2d(l, r, t, b) + Conv2d
//   MaxPool / AvgPool     MaxPool2d / AvgPool2d (K, stride S; floor mode)
//   GlobalAvgPool         AdaptiveAvgPool2d(1) + Flatten
//   ReLU Sigmoid Tanh     ReLU Sigmoid Tanh;   Softmax: Softmax(dim 1)
//   Dropout<R>            Dropout(R)           (torch's own masks: not the same draws as eigen_cpu's)
//   Flatten               Flatten (when the tensor is still N x C x H x W)
//   Dense<U>              Linear(C, U), preceded by Flatten if the input is still 4-D (C x 1 x 1)
//   BatchNorm<E, M>       BatchNorm2d(C, eps E, momentum M), or BatchNorm1d on a flat input
// A layer with no mapping is a compile error naming it.
#pragma once
#include <torch/torch.h>

#include <cstddef>
#include <string>
#include <vector>

#include "../../layers.hpp"
#include "../../sequential.hpp"

namespace cnnbench::backend::torch_adapter {

/// A torch tensor holding one parameter or state tensor of the network.
struct binding {
  ::torch::Tensor tensor;  ///< the module's parameter or buffer (shares storage with the module)
  std::size_t offset = 0;  ///< in the network's parameter buffer (trainable) or state buffer
  std::size_t size = 0;    ///< scalars
  bool trainable = true;
};

/// What the translation has built so far.
struct builder {
  ::torch::nn::Sequential seq;
  std::vector<binding> bindings;
  bool flat = false;  ///< the torch tensor at this point is N x C (true) or N x C x H x W (false)
  std::vector<std::string> description;

  template <class M>
  void add(M m, std::string what) {
    seq->push_back(m);
    description.push_back(std::move(what));
  }
  void flatten() {
    if (!flat) add(::torch::nn::Flatten(), "Flatten");
    flat = true;
  }
};

template <class T>
inline constexpr bool no_mapping = false;

/// module_for<Layer, In>::append(builder&, param_offset, state_offset): no mapping -> compile error.
template <class L, shape In>
struct module_for {
  static_assert(no_mapping<L>,
                "cnnbench: no LibTorch mapping for this layer under exec::libtorch (specialise "
                "cnnbench::backend::torch_adapter::module_for<Layer, In> in backend/torch/modules.hpp)");
};

template <std::size_t P, shape In>
struct module_for<ZeroPad<P>, In> {
  static void append(builder& b, std::size_t, std::size_t) {
    const auto p = static_cast<std::int64_t>(P);
    b.add(::torch::nn::ZeroPad2d(::torch::nn::ZeroPad2dOptions({p, p, p, p})), "ZeroPad2d(" + std::to_string(P) + ")");
  }
};

template <std::size_t F, std::size_t K, std::size_t S, padding Pad, shape In>
struct module_for<Conv<F, K, S, Pad>, In> {
  using L = Conv<F, K, S, Pad>;
  static constexpr std::int64_t top = L::template pad_top<In>, bottom = L::template pad_bottom<In>;
  static constexpr std::int64_t left = L::template pad_left<In>, right = L::template pad_right<In>;
  static constexpr bool symmetric = top == bottom && left == right;
  static void append(builder& b, std::size_t poff, std::size_t) {
    auto opt = ::torch::nn::Conv2dOptions(static_cast<std::int64_t>(In.c), static_cast<std::int64_t>(F), static_cast<std::int64_t>(K))
                   .stride(static_cast<std::int64_t>(S))
                   .bias(true);
    std::string what = "Conv2d(" + std::to_string(In.c) + ", " + std::to_string(F) + ", " + std::to_string(K) + ", stride " +
                       std::to_string(S);
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
    b.bindings.push_back({conv->weight, poff, F * In.c * K * K, true});
    b.bindings.push_back({conv->bias, poff + F * In.c * K * K, F, true});
  }
};

template <std::size_t K, std::size_t S, shape In>
struct module_for<MaxPool<K, S>, In> {
  static void append(builder& b, std::size_t, std::size_t) {
    b.add(::torch::nn::MaxPool2d(::torch::nn::MaxPool2dOptions(static_cast<std::int64_t>(K)).stride(static_cast<std::int64_t>(S))),
          "MaxPool2d(" + std::to_string(K) + ", stride " + std::to_string(S) + ")");
  }
};
template <std::size_t K, std::size_t S, shape In>
struct module_for<AvgPool<K, S>, In> {
  static void append(builder& b, std::size_t, std::size_t) {
    b.add(::torch::nn::AvgPool2d(::torch::nn::AvgPool2dOptions(static_cast<std::int64_t>(K)).stride(static_cast<std::int64_t>(S))),
          "AvgPool2d(" + std::to_string(K) + ", stride " + std::to_string(S) + ")");
  }
};
template <shape In>
struct module_for<GlobalAvgPool, In> {
  static void append(builder& b, std::size_t, std::size_t) {
    b.add(::torch::nn::AdaptiveAvgPool2d(::torch::nn::AdaptiveAvgPool2dOptions(1)), "AdaptiveAvgPool2d(1)");
    b.flat = false;
    b.flatten();
  }
};
template <shape In>
struct module_for<ReLU, In> {
  static void append(builder& b, std::size_t, std::size_t) { b.add(::torch::nn::ReLU(), "ReLU"); }
};
template <shape In>
struct module_for<Sigmoid, In> {
  static void append(builder& b, std::size_t, std::size_t) { b.add(::torch::nn::Sigmoid(), "Sigmoid"); }
};
template <shape In>
struct module_for<Tanh, In> {
  static void append(builder& b, std::size_t, std::size_t) { b.add(::torch::nn::Tanh(), "Tanh"); }
};
template <shape In>
struct module_for<Softmax, In> {
  static void append(builder& b, std::size_t, std::size_t) { b.add(::torch::nn::Softmax(::torch::nn::SoftmaxOptions(1)), "Softmax(dim 1)"); }
};
template <real Rate, shape In>
struct module_for<Dropout<Rate>, In> {
  static void append(builder& b, std::size_t, std::size_t) {
    b.add(::torch::nn::Dropout(::torch::nn::DropoutOptions(Rate.value())), "Dropout(" + std::to_string(Rate.value()) + ")");
  }
};
template <shape In>
struct module_for<Flatten, In> {
  static void append(builder& b, std::size_t, std::size_t) { b.flatten(); }
};
template <std::size_t U, shape In>
struct module_for<Dense<U>, In> {
  static void append(builder& b, std::size_t poff, std::size_t) {
    b.flatten();  // a C x 1 x 1 input (e.g. a 1x1 convolution's output) is flattened first
    ::torch::nn::Linear lin(::torch::nn::LinearOptions(static_cast<std::int64_t>(In.c), static_cast<std::int64_t>(U)));
    b.add(lin, "Linear(" + std::to_string(In.c) + ", " + std::to_string(U) + ")");
    b.bindings.push_back({lin->weight, poff, U * In.c, true});
    b.bindings.push_back({lin->bias, poff + U * In.c, U, true});
  }
};
template <real Eps, real Momentum, shape In>
struct module_for<BatchNorm<Eps, Momentum>, In> {
  static void append(builder& b, std::size_t poff, std::size_t soff) {
    const auto c = static_cast<std::int64_t>(In.c);
    auto bind = [&](auto& bn) {
      b.bindings.push_back({bn->weight, poff, In.c, true});
      b.bindings.push_back({bn->bias, poff + In.c, In.c, true});
      b.bindings.push_back({bn->running_mean, soff, In.c, false});
      b.bindings.push_back({bn->running_var, soff + In.c, In.c, false});
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

/// The whole model: every leaf layer in order.
template <class Net, shape In>
builder build() {
  builder b;
  constexpr auto poff = param_offsets_v<Net, In>;
  constexpr auto soff = state_offsets_v<Net, In>;
  cnnbench::detail::for_each_type(bound_layers_t<Net, In>{}, [&](auto index, auto t) {
    using B = typename decltype(t)::type;
    constexpr std::size_t i = decltype(index)::value;
    module_for<typename B::layer, B::in>::append(b, poff[i], soff[i]);
  });
  return b;
}

}  // namespace cnnbench::backend::torch_adapter
