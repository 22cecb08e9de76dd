// cnnbench/backend/specs.hpp: where a tensor sits inside one layer's parameters or state, from the
// layer's declared tensor specs (L::params<In>, L::state<In>), for every back end's kernels.
//
//   tensor_offset<L, In>(param_role::bias)          Conv, Dense: the bias follows the weight
//   tensor_offset<L, In>(param_role::beta)          BatchNorm: gamma, then beta
//   state_offset<L, In>(param_role::running_var)    BatchNorm: running mean, then variance
// A role the layer does not declare is a compile error (the functions are consteval).
#pragma once
#include <cstddef>

#include "../layer.hpp"
#include "../shape.hpp"

namespace cnnbench::backend {

/// Offset, in scalars, of L's first parameter tensor with role `role` within L's parameters
/// (the sum of the sizes of the tensors declared before it in L::params<In>).
template <class L, shape In>
consteval std::size_t tensor_offset(param_role role) {
  constexpr auto specs = cnnbench::detail::param_specs<L, In>();
  std::size_t offset = 0;
  for (const auto& t : specs) {
    if (t.role == role) return offset;
    offset += t.size();
  }
  throw "cnnbench: the layer declares no parameter tensor with this role";  // not a constant expression: a compile error
}
/// Offset of L's state tensor with role `role` within L's state (BatchNorm: running_mean, running_var).
template <class L, shape In>
consteval std::size_t state_offset(param_role role) {
  constexpr auto specs = cnnbench::detail::state_specs<L, In>();
  std::size_t offset = 0;
  for (const auto& t : specs) {
    if (t.role == role) return offset;
    offset += t.size();
  }
  throw "cnnbench: the layer declares no state tensor with this role";
}

}  // namespace cnnbench::backend
