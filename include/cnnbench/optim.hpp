// cnnbench/optim.hpp: the optimizers (sgd, adam, rmsprop), the optimizer concept and their type list.
//
// An optimizer is a value type holding hyper-parameters only; the runner of a policy owns its state
// (momentum and moment buffers) on its device, and each back end implements the update
// (backend/<policy>/optimizers.hpp; backend/host/optimizers.hpp is the reference), dispatched on the
// type: an optimizer a policy does not implement is a compile error naming it. One optimizer object
// can drive any policy.
#pragma once
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "detail/type_list.hpp"
#include "optim/adam.hpp"
#include "optim/rmsprop.hpp"
#include "optim/sgd.hpp"

namespace cnnbench {
/// What a runner needs of an optimizer: a name, the number of state buffers (each the size of the
/// parameters), a check of the hyper-parameters (throws value_error), the learning rate at step t,
/// a description for reports and its command-line presets.
template <class O>
concept optimizer = requires(const O& o, std::uint64_t t, std::string_view name, double x) {
  { O::name } -> std::convertible_to<std::string_view>;
  { O::state_buffers } -> std::convertible_to<std::size_t>;
  o.check();
  { o.lr_at(t) } -> std::convertible_to<double>;
  { o.describe() } -> std::convertible_to<std::string>;
  O::presets.size();
  { O::preset(name, x, x) } -> std::same_as<O>;
};

namespace optim {
/// Every optimizer, in the order the harness lists them (bench::optimizer_config is a variant over
/// this list, and the command line's --optimizer names come from their `presets`).
using all = cnnbench::detail::type_list<sgd, adam, rmsprop>;
}  // namespace optim
}  // namespace cnnbench
