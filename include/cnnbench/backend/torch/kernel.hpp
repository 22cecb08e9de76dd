// cnnbench/backend/torch/kernel.hpp: how exec::libtorch translates a layer into torch::nn modules.
//
// kernel<L, In> is specialised per layer template, one file per layer family beside this one;
// append(builder&, param_offset, state_offset) adds the equivalent torch::nn module(s) to the
// builder's torch::nn::Sequential, with channel counts taken from the static shapes, and records for
// each parameter (and BatchNorm buffer) the torch tensor that corresponds to it in the network's
// contiguous buffer, at the offset the layer's tensor specs give (backend/specs.hpp), so weights are
// copied in and out without reordering (the layouts agree: Conv2d weight OIHW, Linear weight
// [out, in], bias after weight).
#pragma once
#include <torch/torch.h>

#include <cstddef>
#include <string>
#include <vector>

#include "../../shape.hpp"

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

/// kernel<Layer, In>::append(builder&, param_offset, state_offset): no mapping -> compile error.
template <class L, shape In>
struct kernel {
  static_assert(no_mapping<L>,
                "cnnbench: exec::libtorch has no implementation of this layer (specialise "
                "cnnbench::backend::torch_adapter::kernel<Layer, In> in backend/torch/<layer>.hpp)");
};

}  // namespace cnnbench::backend::torch_adapter
