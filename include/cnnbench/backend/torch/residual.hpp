// cnnbench/backend/torch/residual.hpp: Residual -> ResidualBlock under exec::libtorch (see kernel.hpp).
//
// ResidualBlock holds the two branches as torch::nn::Sequential submodules named "main" and
// "shortcut" (absent for an identity shortcut) and returns main(x) + shortcut(x), the skip of
// torchvision's BasicBlock. Each branch is built from the policy's own kernels, its parameters and
// buffers bound at the offsets the Residual declares (main_param_offsets, shortcut_param_offsets, ...).
#pragma once
#include <torch/torch.h>

#include <cstddef>
#include <string>
#include <utility>

#include "../../residual.hpp"
#include "../../sequential.hpp"
#include "kernel.hpp"

namespace cnnbench::backend::torch_adapter {

/// y = main(x) + shortcut(x), or main(x) + x when there is no shortcut module.
struct ResidualBlockImpl : ::torch::nn::Module {
  ResidualBlockImpl(::torch::nn::Sequential main_branch, ::torch::nn::Sequential shortcut_branch)
      : main(register_module("main", std::move(main_branch))) {
    if (shortcut_branch) shortcut = register_module("shortcut", std::move(shortcut_branch));
  }
  ::torch::Tensor forward(::torch::Tensor x) { return shortcut ? main->forward(x) + shortcut->forward(x) : main->forward(x) + x; }
  ::torch::nn::Sequential main{nullptr}, shortcut{nullptr};
};
TORCH_MODULE(ResidualBlock);

namespace detail {
/// Appends the bound layers of List to a fresh builder (the branch's own Sequential), binding
/// sub-layer j's tensors at poff + param_at[j] and soff + state_at[j].
template <class List, class Offsets>
builder build_branch(bool flat, std::size_t poff, std::size_t soff, const Offsets& param_at, const Offsets& state_at) {
  builder sub;
  sub.flat = flat;
  cnnbench::detail::for_each_type(List{}, [&](auto index, auto t) {
    using B = typename decltype(t)::type;
    constexpr std::size_t j = decltype(index)::value;
    kernel<typename B::layer, B::in>::append(sub, poff + param_at[j], soff + state_at[j]);
  });
  return sub;
}
}  // namespace detail

template <class... Ls, shape In>
struct kernel<Residual<Ls...>, In> {
  using R = Residual<Ls...>;
  static void append(builder& b, std::size_t poff, std::size_t soff) {
    builder m = detail::build_branch<typename R::template main_layers<In>>(b.flat, poff, soff, R::template main_param_offsets<In>,
                                                                           R::template main_state_offsets<In>);
    ::torch::nn::Sequential shortcut{nullptr};
    std::string what = "ResidualBlock(main: [";
    for (std::size_t i = 0; i < m.description.size(); ++i) what += (i ? ", " : "") + m.description[i];
    what += "], shortcut: ";
    if constexpr (R::identity_shortcut) {
      what += "identity)";
    } else {
      builder s = detail::build_branch<typename R::template shortcut_layers<In>>(
          b.flat, poff, soff, R::template shortcut_param_offsets<In>, R::template shortcut_state_offsets<In>);
      shortcut = s.seq;
      what += "[";
      for (std::size_t i = 0; i < s.description.size(); ++i) what += (i ? ", " : "") + s.description[i];
      what += "])";
      for (auto& bd : s.bindings) b.bindings.push_back(bd);
    }
    for (auto& bd : m.bindings) b.bindings.push_back(bd);
    b.add(ResidualBlock(m.seq, shortcut), what);
    b.flat = m.flat;
  }
};

}  // namespace cnnbench::backend::torch_adapter
