// Optimizer updates against their formulas, evaluated here in double precision step by step, for
// every documented option and preset (the PyTorch side is also checked against torch.optim by the
// oracle test; the Keras variants only here, since torch has no equivalent).
#include <cnnbench/backend/host/optimizers.hpp>
#include <cnnbench/optim.hpp>

#include <cmath>
#include <vector>

#include "support/catch.hpp"

using namespace cnnbench;

namespace {
constexpr std::size_t n = 5;
const std::vector<double> p0{0.5, -1.25, 2.0, 0.0, -0.01};
// Gradients of steps 1, 2, 3.
const std::vector<std::vector<double>> grads{{0.3, -0.2, 1.5, 0.0, 4.0}, {-0.1, 0.25, 1.0, 0.5, -3.0}, {0.2, 0.2, -0.5, 0.1, 2.0}};

template <class Opt, class Formula>
void check(const Opt& opt, Formula formula, double tol = 2e-6) {
  std::vector<float> p(p0.begin(), p0.end()), s0(n, 0.0f), s1(n, 0.0f);
  float* state[2] = {s0.data(), s1.data()};
  std::vector<double> want = p0;
  std::vector<double> a(n, 0.0), b(n, 0.0);  // the formula's own state
  for (std::uint64_t t = 1; t <= grads.size(); ++t) {
    std::vector<float> g(grads[t - 1].begin(), grads[t - 1].end());
    cnnbench::backend::host::update(opt, p.data(), g.data(), state, n, t);
    for (std::size_t i = 0; i < n; ++i) formula(want[i], grads[t - 1][i], a[i], b[i], t);
    for (std::size_t i = 0; i < n; ++i) {
      INFO(Opt::name << " step " << t << " element " << i);
      REQUIRE(std::fabs(p[i] - want[i]) <= tol * std::max(1.0, std::fabs(want[i])));
    }
  }
}
}  // namespace

TEST_CASE("sgd: plain, momentum, nesterov, weight decay, Keras time decay", "[optim][sgd]") {
  check(optim::sgd{.lr = 0.1}, [](double& p, double g, double&, double&, std::uint64_t) { p -= 0.1 * g; });
  check(optim::sgd{.lr = 0.1, .momentum = 0.9}, [](double& p, double g, double& b, double&, std::uint64_t) {
    b = 0.9 * b + g;
    p -= 0.1 * b;
  });
  check(optim::sgd{.lr = 0.05, .momentum = 0.8, .nesterov = true, .weight_decay = 0.01},
        [](double& p, double g, double& b, double&, std::uint64_t) {
          const double d = g + 0.01 * p;
          b = 0.8 * b + d;
          p -= 0.05 * (d + 0.8 * b);
        });
  check(optim::sgd{.lr = 0.1, .momentum = 0.5, .decay = 0.1}, [](double& p, double g, double& b, double&, std::uint64_t t) {
    b = 0.5 * b + g;
    p -= 0.1 / (1 + 0.1 * static_cast<double>(t - 1)) * b;
  });
  REQUIRE_THROWS_AS(optim::sgd{.lr = -0.1}.check(), value_error);
  REQUIRE_THROWS_AS((optim::sgd{.nesterov = true}.check()), value_error);
  REQUIRE_NOTHROW(optim::sgd{.lr = 0.1, .momentum = 0.9}.check());
}

TEST_CASE("adam: PyTorch and Keras epsilon placement, presets", "[optim][adam]") {
  auto formula = [](double lr, double b1, double b2, double eps, bool keras) {
    return [=](double& p, double g, double& m, double& v, std::uint64_t t) {
      m = b1 * m + (1 - b1) * g;
      v = b2 * v + (1 - b2) * g * g;
      const double c1 = 1 - std::pow(b1, double(t)), c2 = 1 - std::pow(b2, double(t));
      if (keras) p -= lr * std::sqrt(c2) / c1 * m / (std::sqrt(v) + eps);
      else p -= lr / c1 * m / (std::sqrt(v) / std::sqrt(c2) + eps);
    };
  };
  check(optim::adam::pytorch(), formula(1e-3, 0.9, 0.999, 1e-8, false));
  check(optim::adam::keras(), formula(1e-3, 0.9, 0.999, 1e-7, true));
  check(optim::adam{.lr = 0.01, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-3}, formula(0.01, 0.8, 0.99, 1e-3, false));
  STATIC_REQUIRE(optim::adam::keras().eps == 1e-7);
  STATIC_REQUIRE(optim::adam::pytorch().eps == 1e-8);
  REQUIRE_THROWS_AS(optim::adam{.beta1 = 1.0}.check(), value_error);
}

TEST_CASE("rmsprop: epsilon outside (PyTorch, Keras 2) and inside the square root (tf.keras), momentum",
          "[optim][rmsprop]") {
  auto formula = [](double lr, double rho, double eps, bool inside, double mom) {
    return [=](double& p, double g, double& s, double& b, std::uint64_t) {
      s = rho * s + (1 - rho) * g * g;
      const double u = inside ? g / std::sqrt(s + eps) : g / (std::sqrt(s) + eps);
      if (mom != 0) {
        b = mom * b + u;
        p -= lr * b;
      } else {
        p -= lr * u;
      }
    };
  };
  check(optim::rmsprop::pytorch(), formula(1e-2, 0.99, 1e-8, false, 0));
  check(optim::rmsprop::keras(), formula(1e-3, 0.9, 1e-7, true, 0));
  check(optim::rmsprop::keras2(), formula(1e-3, 0.9, 1e-8, false, 0));
  check(optim::rmsprop{.lr = 1e-3, .rho = 0.9, .eps = 1e-6, .momentum = 0.9}, formula(1e-3, 0.9, 1e-6, false, 0.9));
  REQUIRE_THROWS_AS(optim::rmsprop{.rho = 1.5}.check(), value_error);
}

TEST_CASE("the optimizer concept accepts the three optimizers", "[optim]") {
  STATIC_REQUIRE(optimizer<optim::sgd>);
  STATIC_REQUIRE(optimizer<optim::adam>);
  STATIC_REQUIRE(optimizer<optim::rmsprop>);
  STATIC_REQUIRE(!optimizer<int>);
}
