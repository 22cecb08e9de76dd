// cnnbench/optim.hpp: the optimizers (sgd, adam, rmsprop) and the optimizer concept.
//
// An optimizer is a value type holding hyper-parameters only; the runner of a policy owns its state
// (momentum and moment buffers) on its device, so one optimizer object can drive any policy.
#pragma once
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "optim/adam.hpp"
#include "optim/rmsprop.hpp"
#include "optim/sgd.hpp"

namespace cnnbench {
/// What a runner needs of an optimizer: a name, the number of state buffers (each the size of the
/// parameters), validation, the learning rate at step t, and a host update of n parameters.
template <class O>
concept optimizer = requires(const O& o, float* p, const float* g, float* const* s, std::size_t n, std::uint64_t t) {
  { O::name } -> std::convertible_to<std::string_view>;
  { O::state_buffers } -> std::convertible_to<std::size_t>;
  o.validate();
  { o.lr_at(t) } -> std::convertible_to<double>;
  o.update(p, g, s, n, t);
};
}  // namespace cnnbench
