// tests/conformance/check.hpp: the checks every conformance test makes through a policy's runner
// (prepare, forward, evaluate, compute_gradients, gradients, apply_gradients, train_step, params,
// load_from, store_to: the common protocol and nothing else), against the double-precision reference
// of tests/support/reference.hpp.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include "conformance/policies.hpp"
#include "support/catch.hpp"
#include "support/problem.hpp"
#include "support/reference.hpp"

namespace conformance {
using namespace cnnbench;

/// A compile-time string (names of layer cases).
template <std::size_t N>
struct fixed_string {
  char s[N];
  constexpr fixed_string(const char (&v)[N]) { std::copy_n(v, N, s); }
};

/// Every layer is tested inside this probe: a 1x1 convolution first (its weight gradient carries the
/// layer's input gradient, so the layer's backward pass is checked, not only its parameters'), then the
/// layer, then Flatten and a Dense<3> head (softmax cross-entropy over 3 classes).
template <class L, shape In>
using probe = Sequential<Conv<In.c, 1>, L, Flatten, Dense<3>>;

enum class checks { training_and_inference, inference_only };

/// One layer case: the layer L in the probe on input shape In, a batch of N samples drawn from Seed.
/// Adding a layer to the suite = adding one layer_case to a list in layer_cases.hpp.
template <fixed_string Name, class L, shape In, std::size_t N = 4, std::uint64_t Seed = 1,
          checks What = checks::training_and_inference>
struct layer_case {
  static constexpr const char* name = Name.s;
  using net = probe<L, In>;
  static constexpr shape in = In;
  static constexpr std::size_t n = N;
  static constexpr std::uint64_t seed = Seed;
  static constexpr bool training = What == checks::training_and_inference;
};

/// Calls f.template operator()<T>() for every T of a std::tuple type list.
template <class Tuple, class F>
void for_each_case(F&& f) {
  [&]<class... Ts>(std::tuple<Ts...>*) { (f.template operator()<Ts>(), ...); }(static_cast<Tuple*>(nullptr));
}

inline double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double a : v) m = std::max(m, std::fabs(a));
  return m;
}
template <class Span>
std::vector<double> to_double(const Span& s) {
  return std::vector<double>(s.begin(), s.end());
}

// ---- the losses in double precision -------------------------------------------------------------
/// Sum over the batch of the per-sample losses of logits z (n x outputs).
template <class Loss>
double ref_loss_sum(const std::vector<double>& z, const std::vector<std::int32_t>& y, std::size_t outputs) {
  double total = 0;
  for (std::size_t b = 0; b < y.size(); ++b) {
    if constexpr (std::is_same_v<Loss, loss::binary_cross_entropy>) {
      const double zi = z[b], yi = y[b];
      total += std::max(zi, 0.0) - zi * yi + std::log1p(std::exp(-std::fabs(zi)));
    } else {
      const double* zi = z.data() + b * outputs;
      const double m = *std::max_element(zi, zi + outputs);
      double s = 0;
      for (std::size_t k = 0; k < outputs; ++k) s += std::exp(zi[k] - m);
      total += m + std::log(s) - zi[y[b]];
    }
  }
  return total;
}

/// Bounds on the correct count from reference logits: samples whose decision is within `margin` of a
/// tie may go either way in float32.
struct correct_bounds {
  std::size_t lo = 0, hi = 0;
};
template <class Loss>
correct_bounds ref_correct(const std::vector<double>& z, const std::vector<std::int32_t>& y, std::size_t outputs, double margin) {
  correct_bounds c;
  for (std::size_t b = 0; b < y.size(); ++b) {
    bool right = false, ambiguous = false;
    if constexpr (std::is_same_v<Loss, loss::binary_cross_entropy>) {
      right = (z[b] > 0) == (y[b] == 1);
      ambiguous = std::fabs(z[b]) <= margin;
    } else {
      const double* zi = z.data() + b * outputs;
      const std::size_t arg = static_cast<std::size_t>(std::max_element(zi, zi + outputs) - zi);
      right = arg == static_cast<std::size_t>(y[b]);
      for (std::size_t k = 0; k < outputs; ++k)
        if (k != arg && zi[arg] - zi[k] <= margin) ambiguous = true;
    }
    c.lo += right && !ambiguous;
    c.hi += right || ambiguous;
  }
  return c;
}

/// Worst errors of one check, relative to the scales the tolerances are defined on.
struct measured {
  double forward = 0, loss = 0, eval = 0, gradient = 0, state = 0;
  std::size_t gradient_components = 0;
};

/// The whole check of one model under policy P: inference logits (BatchNorm running statistics away
/// from 0 / 1, dropout off), evaluate (loss sum, correct count, count), and with `training`: the
/// training-mode loss of compute_gradients, every parameter gradient (or 300 drawn ones and the head's
/// biases) against central differences of the double reference loss, BatchNorm running statistics
/// after the training pass, and parameters left unchanged by it.
template <class P, class Net, shape In, class Loss = loss::softmax_cross_entropy>
measured check_model(const std::string& what, std::uint64_t seed, std::size_t n, bool training) {
  INFO(P::name << ": " << what << " on " << to_string(In) << ", batch " << n << ", seed " << seed);
  constexpr std::size_t outputs = output_shape_v<Net, In>.size();
  constexpr auto tol = P::tol;
  test_support::problem<Net, In> p(n, seed, init_scheme::torch_default, test_support::inputs::symmetric, true);
  const std::vector<double> w = p.params_d(), x = p.x_d(), state0 = to_double(p.net.state());
  measured m;

  auto run = prepare(P::make(seed), p.net);

  // ---- inference
  std::vector<double> st = state0;
  const std::vector<double> want = ref::model_forward<Net, In>(w, &st, x, n, false);
  const std::vector<double> got = to_double(run.forward(p.x, n));
  REQUIRE(got.size() == want.size());
  const double fscale = std::max(1.0, max_abs(want));
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double err = std::fabs(got[i] - want[i]) / fscale;
    m.forward = std::max(m.forward, err);
    if (err > tol.forward) {
      INFO("inference logit " << i << ": " << P::name << " " << got[i] << ", reference " << want[i]);
      REQUIRE(err <= tol.forward);
    }
  }
  const batch_eval e = run.template evaluate<Loss>(p.x, p.y, n);
  const double ref_sum = ref_loss_sum<Loss>(want, p.y, outputs);
  m.eval = std::fabs(e.loss_sum - ref_sum) / std::max(1.0, std::fabs(ref_sum));
  INFO("evaluate: loss sum " << e.loss_sum << ", reference " << ref_sum << ", correct " << e.correct);
  REQUIRE(m.eval <= tol.forward);
  REQUIRE(e.count == n);
  const auto bounds = ref_correct<Loss>(want, p.y, outputs, 10 * tol.forward * fscale);
  REQUIRE(e.correct >= bounds.lo);
  REQUIRE(e.correct <= bounds.hi);

  // ---- training
  if (training) {
    auto L = [&](const std::vector<double>& wv) {
      std::vector<double> none;  // batch statistics only: running statistics are not updated here
      return ref_loss_sum<Loss>(ref::model_forward<Net, In>(wv, &none, x, n, true, seed, 0), p.y, outputs) /
             static_cast<double>(n);
    };
    const double loss = run.template compute_gradients<Loss>(p.x, p.y, n);
    const double ref_loss = L(w);
    m.loss = std::fabs(loss - ref_loss) / std::max(1.0, std::fabs(ref_loss));
    INFO("training loss: " << P::name << " " << loss << ", reference " << ref_loss);
    REQUIRE(m.loss <= tol.forward);

    const std::vector<double> grad = to_double(run.gradients());
    REQUIRE(grad.size() == w.size());
    std::vector<std::size_t> picks;
    if (w.size() <= 300) {
      for (std::size_t i = 0; i < w.size(); ++i) picks.push_back(i);
    } else {
      rng r(seed, 7);
      for (int i = 0; i < 300; ++i) picks.push_back(static_cast<std::size_t>(r.below(w.size())));
      for (std::size_t i = w.size() - outputs; i < w.size(); ++i) picks.push_back(i);
    }
    const double h = 1e-5;
    std::vector<double> fd;
    for (auto i : picks) {
      auto wp = w, wm = w;
      wp[i] += h;
      wm[i] -= h;
      fd.push_back((L(wp) - L(wm)) / (2 * h));
    }
    const double gscale = std::max(1e-4, max_abs(fd));
    m.gradient_components = picks.size();
    for (std::size_t j = 0; j < picks.size(); ++j) {
      const double err = std::fabs(grad[picks[j]] - fd[j]) / gscale;
      m.gradient = std::max(m.gradient, err);
      if (err > tol.gradient) {
        INFO("parameter " << picks[j] << ": " << P::name << " " << grad[picks[j]] << ", finite difference " << fd[j]
                          << " (scale " << gscale << ")");
        REQUIRE(err <= tol.gradient);
      }
    }
    // The training pass moved the running statistics like the reference's, and left the parameters alone.
    network<Net, In> after = p.net;
    run.store_to(after);
    if constexpr (network<Net, In>::state_count > 0) {
      std::vector<double> st_ref = state0;
      ref::model_forward<Net, In>(w, &st_ref, x, n, true, seed, 0);
      for (std::size_t i = 0; i < st_ref.size(); ++i) {
        const double err = std::fabs(after.state()[i] - st_ref[i]) / std::max(1.0, std::fabs(st_ref[i]));
        m.state = std::max(m.state, err);
        INFO("running statistic " << i << ": " << P::name << " " << after.state()[i] << ", reference " << st_ref[i]);
        REQUIRE(err <= tol.forward);
      }
    }
    REQUIRE(after.params().size() == p.net.params().size());
    REQUIRE(std::equal(after.params().begin(), after.params().end(), p.net.params().begin()));
  }
  std::cout << "  conformance " << P::name << " | " << what << " | forward " << m.forward << " | evaluate " << m.eval;
  if (training)
    std::cout << " | loss " << m.loss << " | gradient " << m.gradient << " over " << m.gradient_components << " params";
  if (training && network<Net, In>::state_count > 0) std::cout << " | running stats " << m.state;
  std::cout << "\n";
  return m;
}

/// Runs every case of the std::tuple list Cases under policy P, one Catch2 section each.
template <class P, class Cases>
void run_layer_cases() {
  for_each_case<Cases>([&]<class C>() {
    DYNAMIC_SECTION(C::name) { check_model<P, typename C::net, C::in>(C::name, C::seed, C::n, C::training); }
  });
}

}  // namespace conformance
