// cnnbench/layers/identity.hpp
#pragma once
#include "../layer.hpp"

namespace cnnbench {

/// Identity: y = x (PyTorch nn.Identity; Keras has no layer, the functional API passes the tensor).
/// Usable anywhere; it is also the shortcut of a Residual that names none (residual.hpp).
/// Shape:    {C, H, W} -> {C, H, W}
/// Params:   0
/// FLOPs:    0
struct Identity : detail::elementwise_layer<0> {
  static constexpr std::string_view name = "Identity";
  static constexpr std::string_view key = "identity";
};

}  // namespace cnnbench
