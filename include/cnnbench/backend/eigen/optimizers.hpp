// cnnbench/backend/eigen/optimizers.hpp: the optimizers under exec::eigen_cpu.
//
// optimizer_impl<Opt> is the policy's customisation point: an optimizer without a specialisation is
// a compile error naming the policy. Every optimizer of optim/ runs the host reference update
// (backend/host/optimizers.hpp) on each thread's slice of the parameters.
#pragma once
#include "../../optim.hpp"
#include "../host/optimizers.hpp"
#include "kernel.hpp"

namespace cnnbench::backend::eigen {

template <class Opt>
struct optimizer_impl {
  static_assert(dependent_false<Opt>,
                "cnnbench: exec::eigen_cpu has no implementation of this optimizer (specialise "
                "cnnbench::backend::eigen::optimizer_impl<Opt> in backend/eigen/optimizers.hpp)");
};
template <>
struct optimizer_impl<optim::sgd> : host::optimizer_kernel<optim::sgd> {};
template <>
struct optimizer_impl<optim::adam> : host::optimizer_kernel<optim::adam> {};
template <>
struct optimizer_impl<optim::rmsprop> : host::optimizer_kernel<optim::rmsprop> {};

}  // namespace cnnbench::backend::eigen
