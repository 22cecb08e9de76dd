// tests/support/problem.hpp: a network with a random batch, shared by the whole-model tests.
#pragma once
#include <cnnbench/network.hpp>
#include <cnnbench/random.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace test_support {
using namespace cnnbench;

enum class inputs { unit, symmetric };  ///< pixels U[0, 1) or U[-1, 1)

/// network<Net, In> initialised by `scheme` from `seed`, n random samples and labels. With
/// random_state, BatchNorm running statistics are set away from their initial 0 / 1 too, so that
/// inference exercises them.
template <class Net, shape In>
struct problem {
  network<Net, In> net;
  std::vector<float> x;
  std::vector<std::int32_t> y;
  std::size_t n;
  problem(std::size_t batch, std::uint64_t seed, init_scheme scheme = init_scheme::torch_default, inputs in = inputs::unit,
          bool random_state = false)
      : net(scheme, seed), x(batch * In.size()), y(batch), n(batch) {
    rng r(seed, 5);
    for (auto& v : x) v = static_cast<float>(in == inputs::unit ? r.uniform01() : r.symmetric(1.0));
    constexpr auto classes = output_shape_v<Net, In>.size();
    for (auto& v : y) v = static_cast<std::int32_t>(r.below(classes < 2 ? 2 : classes));
    if (random_state)
      for (auto& t : net.tensors()) {
        if (t.role == param_role::running_mean)
          for (auto& v : t.data) v = static_cast<float>(r.symmetric(0.3));
        if (t.role == param_role::running_var)
          for (auto& v : t.data) v = static_cast<float>(0.5 + r.uniform01());
      }
  }
  std::vector<double> params_d() const { return {net.params().begin(), net.params().end()}; }
  std::vector<double> x_d() const { return {x.begin(), x.end()}; }
};
}  // namespace test_support
