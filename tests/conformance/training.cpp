// Conformance, training: every loss (value, parameter gradients, evaluate's loss sum and correct
// count, label checks), every optimizer configuration (3 steps through compute_gradients /
// apply_gradients against a double-precision host implementation of the documented formulas, and the
// fused train_step equal to them), and a whole model (S1, 10 SGD-momentum steps on the same batches:
// each step's loss against the double reference at the policy's own weights, the trajectory and the
// final weights against eigen_cpu with one thread), and the optimizer state of checkpoints (a runner
// continued from another's exported state and weights trains on bit for bit), under every policy of
// conformance::policies.
#include <span>

#include "conformance/check.hpp"

using namespace conformance;

namespace {

// ---- losses ---------------------------------------------------------------------------------------
using CeNet = Sequential<Conv<3, 3>, Tanh, Flatten, Dense<4>>;
constexpr shape ce_in{2, 7, 7};
using BceNet = Sequential<Conv<3, 3>, ReLU, Flatten, Dense<4>, Tanh, Dense<1>>;
constexpr shape bce_in{1, 6, 6};

/// Labels outside the loss's range are refused by the shared check (value_error), before anything runs.
template <class P, class Net, shape In, class Loss>
void check_label_errors(std::int32_t bad_label) {
  test_support::problem<Net, In> p(3, 9);
  auto run = prepare(P::make(), p.net);
  std::vector<std::int32_t> bad = p.y;
  bad[1] = bad_label;
  REQUIRE_THROWS_AS(run.template evaluate<Loss>(p.x, bad, p.n), value_error);
  REQUIRE_THROWS_WITH(run.template compute_gradients<Loss>(p.x, bad, p.n),
                      Catch::Matchers::Contains("label " + std::to_string(bad_label) + " of sample 1"));
  const std::vector<std::int32_t> short_y(p.y.begin(), p.y.end() - 1);
  REQUIRE_THROWS_AS(run.template evaluate<Loss>(p.x, short_y, p.n), shape_error);
}

// ---- optimizers -----------------------------------------------------------------------------------
using OptNet = Sequential<Conv<3, 3>, Tanh, Flatten, Dense<3>>;
constexpr shape opt_in{2, 6, 6};

/// The documented update of each optimizer (include/cnnbench/optim/*.hpp), in double precision, on a
/// host copy of the parameters, from the policy's own gradients.
struct host_optimizer {
  std::vector<double> a, b;  // momentum / m / s and v / momentum buffer
  explicit host_optimizer(std::size_t n) : a(n, 0.0), b(n, 0.0) {}
  void step(const optim::sgd& o, std::vector<double>& p, const std::vector<double>& g, std::uint64_t t) {
    const double lr = o.lr / (1 + o.decay * static_cast<double>(t - 1));
    for (std::size_t i = 0; i < p.size(); ++i) {
      double d = g[i] + o.weight_decay * p[i];
      if (o.momentum != 0) {
        a[i] = o.momentum * a[i] + d;
        d = o.nesterov ? d + o.momentum * a[i] : a[i];
      }
      p[i] -= lr * d;
    }
  }
  void step(const optim::adam& o, std::vector<double>& p, const std::vector<double>& g, std::uint64_t t) {
    const double lr = o.lr / (1 + o.decay * static_cast<double>(t - 1));
    const double c1 = 1 - std::pow(o.beta1, double(t)), c2 = 1 - std::pow(o.beta2, double(t));
    for (std::size_t i = 0; i < p.size(); ++i) {
      const double gi = g[i] + o.weight_decay * p[i];
      a[i] = o.beta1 * a[i] + (1 - o.beta1) * gi;
      b[i] = o.beta2 * b[i] + (1 - o.beta2) * gi * gi;
      if (o.mode == optim::adam::epsilon_mode::keras) p[i] -= lr * std::sqrt(c2) / c1 * a[i] / (std::sqrt(b[i]) + o.eps);
      else p[i] -= lr / c1 * a[i] / (std::sqrt(b[i]) / std::sqrt(c2) + o.eps);
    }
  }
  void step(const optim::rmsprop& o, std::vector<double>& p, const std::vector<double>& g, std::uint64_t t) {
    const double lr = o.lr / (1 + o.decay * static_cast<double>(t - 1));
    for (std::size_t i = 0; i < p.size(); ++i) {
      a[i] = o.rho * a[i] + (1 - o.rho) * g[i] * g[i];
      const double u = o.eps_inside_sqrt ? g[i] / std::sqrt(a[i] + o.eps) : g[i] / (std::sqrt(a[i]) + o.eps);
      if (o.momentum != 0) {
        b[i] = o.momentum * b[i] + u;
        p[i] -= lr * b[i];
      } else {
        p[i] -= lr * u;
      }
    }
  }
};

/// 3 steps of `opt` under policy P: compute_gradients + apply_gradients against the host formulas fed
/// the policy's gradients (|dp - dp_host| <= tol * max |dp_host| + the float32 rounding of p), then
/// train_step from the same start on the same batches, equal to it. A configuration the policy
/// documents as unsupported must be refused with its documented message.
template <class P, class Opt>
double check_optimizer(const std::string& what, const Opt& opt, std::uint64_t seed) {
  INFO(P::name << ": " << what);
  constexpr auto tol = P::tol;
  constexpr int steps = 3;
  test_support::problem<OptNet, opt_in> p(8, seed, init_scheme::torch_default, test_support::inputs::symmetric);
  // 3 batches: the problem's and two more from the same generator
  std::vector<test_support::problem<OptNet, opt_in>> batches;
  for (int s = 0; s < steps; ++s) batches.emplace_back(8, seed + 100 * static_cast<std::uint64_t>(s + 1));
  auto run = prepare(P::make(seed), p.net);
  if (const std::string refused = P::refusal(opt); !refused.empty()) {
    run.compute_gradients(batches[0].x, batches[0].y, 8);
    REQUIRE_THROWS_AS(run.apply_gradients(opt), value_error);
    REQUIRE_THROWS_WITH(run.apply_gradients(opt), Catch::Matchers::Contains(refused));
    REQUIRE_THROWS_WITH(run.train_step(batches[0].x, batches[0].y, 8, opt), Catch::Matchers::Contains(refused));
    const auto after = run.params();
    REQUIRE(std::equal(after.begin(), after.end(), p.net.params().begin()));  // nothing was applied
    std::cout << "  conformance " << P::name << " | optimizer " << what << " | refused as documented (\"" << refused
              << "\")\n";
    return 0;
  }
  const std::vector<double> p0 = p.params_d();
  std::vector<double> host = p0;
  host_optimizer ho(p0.size());
  double worst = 0;
  for (int s = 0; s < steps; ++s) {
    run.compute_gradients(batches[s].x, batches[s].y, 8);
    const std::vector<double> g = to_double(run.gradients());
    ho.step(opt, host, g, static_cast<std::uint64_t>(s + 1));
    run.apply_gradients(opt);
    const std::vector<double> got = to_double(run.params());
    double dmax = 0;
    for (std::size_t i = 0; i < p0.size(); ++i) dmax = std::max(dmax, std::fabs(host[i] - p0[i]));
    REQUIRE(dmax > 0);  // the step moved the parameters
    for (std::size_t i = 0; i < p0.size(); ++i) {
      // float32 p: each of the s + 1 updates rounds p once (2^-24 relative), on the policy's side only
      const double rounding = (s + 1) * 0x1p-24 * std::max(std::fabs(p0[i]), std::fabs(host[i]));
      const double err = std::max(0.0, std::fabs((got[i] - p0[i]) - (host[i] - p0[i])) - rounding) / dmax;
      worst = std::max(worst, err);
      if (err > tol.optimizer) {
        INFO("step " << s + 1 << ", parameter " << i << ": " << P::name << " moved it by " << got[i] - p0[i]
                     << ", the formula by " << host[i] - p0[i] << " (largest step " << dmax << ")");
        REQUIRE(err <= tol.optimizer);
      }
    }
  }
  // train_step (the fused path) from the same weights on the same batches ends at the same place.
  auto fused = prepare(P::make(seed), p.net);
  for (int s = 0; s < steps; ++s) fused.train_step(batches[s].x, batches[s].y, 8, opt);
  const std::vector<double> a = to_double(run.params()), f = to_double(fused.params());
  double fused_worst = 0, dmax = 0;
  for (std::size_t i = 0; i < p0.size(); ++i) dmax = std::max(dmax, std::fabs(a[i] - p0[i]));
  for (std::size_t i = 0; i < p0.size(); ++i) fused_worst = std::max(fused_worst, std::fabs(f[i] - a[i]) / dmax);
  INFO("train_step vs compute_gradients + apply_gradients: worst " << fused_worst << " of the largest step");
  REQUIRE(fused_worst <= tol.optimizer);
  std::cout << "  conformance " << P::name << " | optimizer " << what << " | 3 steps vs formula " << worst
            << " | train_step vs apply_gradients " << fused_worst << "\n";
  return worst;
}

// ---- a whole model ------------------------------------------------------------------------------
using S1 = models::FashionMnistCnn;
constexpr shape s1_in = models::fashion_mnist_input;

double rel_norm(const std::vector<double>& a, const std::vector<double>& b) {
  double d = 0, n = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    d += (a[i] - b[i]) * (a[i] - b[i]);
    n += b[i] * b[i];
  }
  return std::sqrt(d / n);
}

// ---- optimizer state (checkpoints) ------------------------------------------------------------------
using ResumeNet = Sequential<Conv<3, 3>, BatchNorm<>, ReLU, Flatten, Dense<4>>;
constexpr shape resume_in{2, 6, 6};

/// Runner A trains 3 steps; runner B is prepared from A's weights and imports A's exported optimizer
/// state; then both train 3 more steps on the same batch: the same losses and weights, bit for bit.
template <class P, class Opt>
void check_optimizer_state(const char* what, const Opt& opt, std::uint64_t seed) {
  INFO(what);
  test_support::problem<ResumeNet, resume_in> p(6, seed);
  auto a = prepare(P::make(seed), p.net);
  for (int s = 0; s < 3; ++s) a.train_step(p.x, p.y, p.n, opt);
  const optimizer_state st = a.export_optimizer_state();
  REQUIRE(st.optimizer == Opt::name);
  REQUIRE(st.step == 3);
  network<ResumeNet, resume_in> mid;
  a.store_to(mid);
  auto b = prepare(P::make(seed), mid);
  b.import_optimizer_state(st);
  for (int s = 0; s < 3; ++s) {
    const float la = a.train_step(p.x, p.y, p.n, opt), lb = b.train_step(p.x, p.y, p.n, opt);
    REQUIRE(la == lb);
  }
  network<ResumeNet, resume_in> wa, wb;
  a.store_to(wa);
  b.store_to(wb);
  REQUIRE(wa == wb);
  REQUIRE(b.export_optimizer_state().step == 6);
  // A fresh runner without the state does not continue the same way (the state matters).
  auto c = prepare(P::make(seed), mid);
  for (int s = 0; s < 3; ++s) c.train_step(p.x, p.y, p.n, opt);
  network<ResumeNet, resume_in> wc;
  c.store_to(wc);
  REQUIRE_FALSE(wc == wa);
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("conformance: optimizer state export and import continue training bit for bit (checkpoints)",
                        "[conformance][optim][checkpoint]", policies) {
  CONFORMANCE_REQUIRE_AVAILABLE();
  check_optimizer_state<TestType>("sgd momentum 0.9", optim::sgd{.lr = 0.05, .momentum = 0.9}, 101);
  check_optimizer_state<TestType>("adam::pytorch()", optim::adam::pytorch(1e-2), 102);
  check_optimizer_state<TestType>("rmsprop::pytorch() momentum 0.5", optim::rmsprop{.lr = 1e-3, .momentum = 0.5}, 103);
}

TEMPLATE_LIST_TEST_CASE("conformance: softmax cross-entropy: loss, gradients, evaluate (loss sum, correct count), labels",
                        "[conformance][loss]", policies) {
  CONFORMANCE_REQUIRE_AVAILABLE();
  check_model<TestType, CeNet, ce_in, loss::softmax_cross_entropy>("softmax cross-entropy, 4 classes", 61, 9, true);
  check_model<TestType, CeNet, ce_in, loss::softmax_cross_entropy>("softmax cross-entropy, 4 classes, batch 1", 62, 1, true);
  check_label_errors<TestType, CeNet, ce_in, loss::softmax_cross_entropy>(4);
  check_label_errors<TestType, CeNet, ce_in, loss::softmax_cross_entropy>(-1);
}

TEMPLATE_LIST_TEST_CASE("conformance: binary cross-entropy: loss, gradients, evaluate (loss sum, correct count), labels",
                        "[conformance][loss]", policies) {
  CONFORMANCE_REQUIRE_AVAILABLE();
  check_model<TestType, BceNet, bce_in, loss::binary_cross_entropy>("binary cross-entropy, one logit", 63, 8, true);
  check_model<TestType, BceNet, bce_in, loss::binary_cross_entropy>("binary cross-entropy, one logit, batch 1", 64, 1, true);
  check_label_errors<TestType, BceNet, bce_in, loss::binary_cross_entropy>(2);
}

TEMPLATE_LIST_TEST_CASE("conformance: sgd (plain, momentum, Nesterov with weight decay, Keras time decay), 3 steps",
                        "[conformance][optim]", policies) {
  CONFORMANCE_REQUIRE_AVAILABLE();
  check_optimizer<TestType>("sgd lr 0.1", optim::sgd{.lr = 0.1}, 71);
  check_optimizer<TestType>("sgd momentum 0.9", optim::sgd{.lr = 0.1, .momentum = 0.9}, 72);
  check_optimizer<TestType>("sgd Nesterov 0.8, weight decay 0.01",
                            optim::sgd{.lr = 0.05, .momentum = 0.8, .nesterov = true, .weight_decay = 0.01}, 73);
  check_optimizer<TestType>("sgd momentum 0.5, time decay 0.1", optim::sgd{.lr = 0.1, .momentum = 0.5, .decay = 0.1}, 74);
}

TEMPLATE_LIST_TEST_CASE("conformance: adam (PyTorch and Keras presets, weight decay, time decay, epsilon hat), 3 steps",
                        "[conformance][optim]", policies) {
  CONFORMANCE_REQUIRE_AVAILABLE();
  check_optimizer<TestType>("adam::pytorch()", optim::adam::pytorch(), 81);
  check_optimizer<TestType>("adam::keras() (epsilon hat)", optim::adam::keras(), 82);
  check_optimizer<TestType>("adam lr 0.01 betas 0.8 0.99 eps 1e-3 weight decay 0.01 time decay 0.05",
                            optim::adam{.lr = 0.01, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-3, .weight_decay = 0.01, .decay = 0.05},
                            83);
  check_optimizer<TestType>("adam Keras mode eps 1e-3 time decay 0.05",
                            optim::adam{.lr = 0.01, .eps = 1e-3, .decay = 0.05, .mode = optim::adam::epsilon_mode::keras}, 84);
}

TEMPLATE_LIST_TEST_CASE("conformance: rmsprop (PyTorch, tf.keras, Keras 2 presets, momentum, time decay), 3 steps",
                        "[conformance][optim]", policies) {
  CONFORMANCE_REQUIRE_AVAILABLE();
  check_optimizer<TestType>("rmsprop::pytorch()", optim::rmsprop::pytorch(), 91);
  check_optimizer<TestType>("rmsprop::keras() (epsilon inside the square root)", optim::rmsprop::keras(), 92);
  check_optimizer<TestType>("rmsprop::keras2()", optim::rmsprop::keras2(), 93);
  check_optimizer<TestType>("rmsprop momentum 0.9 eps 1e-6", optim::rmsprop{.lr = 1e-3, .rho = 0.9, .eps = 1e-6, .momentum = 0.9},
                            94);
  check_optimizer<TestType>("rmsprop time decay 0.1", optim::rmsprop{.lr = 1e-2, .rho = 0.95, .eps = 1e-6, .decay = 0.1}, 95);
}

TEMPLATE_LIST_TEST_CASE("conformance: S1 (FashionMnistCnn), 10 SGD-momentum steps on the same batches", "[conformance][model]",
                        policies) {
  CONFORMANCE_REQUIRE_AVAILABLE();
  constexpr auto tol = TestType::tol;
  constexpr std::size_t steps = 10, batch = 32;
  const auto data = synthetic_dataset(s1_in, steps * batch, 10, 3, "synthetic");
  network<S1, s1_in> net(init_scheme::glorot_uniform, 5);
  const optim::sgd opt{.lr = 0.01, .momentum = 0.9};
  auto run = prepare(TestType::make(), net);
  auto base = prepare(exec::eigen_cpu{.threads = 1}, net);
  batch_order order(data.size(), batch, 42);
  const auto idx = order.epoch(0);
  host_batch hb;
  double worst_ref = 0, worst_base = 0;
  std::vector<double> losses;
  for (std::size_t s = 0; s < steps; ++s) {
    hb.gather(data, order.batch(idx, s));
    // the double reference's loss at the policy's own weights before the step
    const std::vector<double> w = to_double(run.params()), x(hb.x.begin(), hb.x.end());
    const double want = ref::cross_entropy(ref::model_forward<S1, s1_in>(w, nullptr, x, hb.n, true), hb.y, 10);
    const double got = run.train_step(hb.x, hb.y, hb.n, opt);
    const double base_loss = base.train_step(hb.x, hb.y, hb.n, opt);
    INFO("step " << s + 1 << ": " << TestType::name << " " << got << ", reference at its weights " << want
                 << ", eigen_cpu (1 thread) " << base_loss);
    const double e_ref = std::fabs(got - want) / std::max(1.0, std::fabs(want));
    const double e_base = std::fabs(got - base_loss) / std::fabs(base_loss);
    worst_ref = std::max(worst_ref, e_ref);
    worst_base = std::max(worst_base, e_base);
    REQUIRE(e_ref <= tol.forward);
    REQUIRE(e_base <= tol.training);
    losses.push_back(got);
  }
  const double weights = rel_norm(to_double(run.params()), to_double(base.params()));
  network<S1, s1_in> back;
  run.store_to(back);
  REQUIRE(std::equal(back.params().begin(), back.params().end(), to_double(run.params()).begin()));
  std::cout << "  conformance " << TestType::name << " | S1 10 steps SGD-momentum | loss vs reference at own weights "
            << worst_ref << " | loss vs eigen_cpu(1 thread) " << worst_base << " | final weights vs eigen_cpu(1 thread) "
            << weights << " | loss " << losses.front() << " -> " << losses.back() << "\n";
  REQUIRE(weights <= tol.weights);
  REQUIRE(losses.back() < losses.front());  // it trains
}
