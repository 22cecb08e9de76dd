// exec::eigen_cpu as a whole: forward of whole models against the double-precision reference,
// whole-model gradients against finite differences (S1; a model with BatchNorm and Dropout, across
// uneven thread splits), determinism, bad input, and training that learns.
#include <cnnbench/cnnbench.hpp>

#include <cmath>
#include <cstring>
#include <iostream>
#include <vector>

#include "support/catch.hpp"
#include "support/problem.hpp"
#include "support/reference.hpp"

using namespace cnnbench;

namespace {

using test_support::problem;

double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double a : v) m = std::max(m, std::fabs(a));
  return m;
}

/// Whole-model gradient check: analytic (float, the policy) vs central differences of the
/// double-precision reference loss, on `count` parameters drawn at random plus every bias of the last layer.
template <class Net, shape In>
void check_model_gradient(problem<Net, In>& p, int threads, std::size_t count, double tol, std::uint64_t seed = 0) {
  auto run = prepare(exec::eigen_cpu{.threads = threads, .seed = seed}, p.net);
  const float loss = run.compute_gradients(p.x, p.y, p.n);
  const auto grad = run.gradients();
  const auto w = p.params_d();
  const auto x = p.x_d();
  constexpr std::size_t classes = output_shape_v<Net, In>.size();
  std::vector<double> state(p.net.state().begin(), p.net.state().end());
  auto L = [&](const std::vector<double>& wv) {
    std::vector<double> st;  // batch statistics only: running statistics are not updated here
    return ref::cross_entropy(ref::model_forward<Net, In>(wv, &st, x, p.n, true, seed, 0), p.y, classes);
  };
  REQUIRE(std::fabs(loss - L(w)) <= 1e-5 * std::max(1.0, std::fabs(L(w))));
  std::vector<std::size_t> picks;
  rng r(7, 7);
  for (std::size_t i = 0; i < count; ++i) picks.push_back(static_cast<std::size_t>(r.below(w.size())));
  for (std::size_t i = w.size() - classes; i < w.size(); ++i) picks.push_back(i);
  const double h = 1e-5;
  std::vector<double> fd;
  for (auto i : picks) {
    auto wp = w, wm = w;
    wp[i] += h;
    wm[i] -= h;
    fd.push_back((L(wp) - L(wm)) / (2 * h));
  }
  const double scale = std::max(1e-4, max_abs(fd));
  double worst = 0;
  for (std::size_t j = 0; j < picks.size(); ++j) {
    const double err = std::fabs(grad[picks[j]] - fd[j]);
    worst = std::max(worst, err / scale);
    INFO("parameter " << picks[j] << ": analytic " << grad[picks[j]] << ", finite difference " << fd[j]);
    REQUIRE(err <= tol * scale);
  }
  std::cout << "  worst |analytic - fd| / max|fd| over " << picks.size() << " parameters: " << worst << "\n";
}

// A model with every stateful and stochastic layer, small enough for finite differences.
using Mixed = Sequential<Conv<4, 3, 1, same>, BatchNorm<>, ReLU, MaxPool<2>, Conv<5, 3>, Tanh, Flatten, Dropout<0.3>,
                         Dense<6>, BatchNorm<>, Sigmoid, Dense<3>>;
constexpr shape mixed_in{2, 8, 8};

// ResNet basic blocks in miniature: bias-free convolutions before BatchNorm, an identity skip, a
// downsampling block with a projection shortcut (1x1 stride-2 conv + BatchNorm) and a Dropout inside
// a block, then global average pooling and a bias-free Dense.
using Resnetish =
    Sequential<Conv<4, 3, 1, same, no_bias>, BatchNorm<>, ReLU,
               Residual<Conv<4, 3, 1, same, no_bias>, BatchNorm<>, ReLU, Dropout<0.2>, Conv<4, 3, 1, same, no_bias>, BatchNorm<>>,
               ReLU,
               Residual<ZeroPad<1>, Conv<6, 3, 2, valid, no_bias>, BatchNorm<>, ReLU, Conv<6, 3, 1, same>,
                        Shortcut<Conv<6, 1, 2, valid, no_bias>, BatchNorm<>>>,
               ReLU, GlobalAvgPool, Flatten, Dense<3, no_bias>>;
constexpr shape resnetish_in{2, 8, 8};

}  // namespace

TEST_CASE("Residual blocks (identity and projection skips, bias-free layers): forward equals the reference, "
          "gradients through the skips equal finite differences, for 1 and 3 threads",
          "[policy][gradient][residual]") {
  problem<Resnetish, resnetish_in> p(7, 4, init_scheme::he_uniform, test_support::inputs::unit, /*random_state=*/true);
  std::vector<double> state(p.net.state().begin(), p.net.state().end());
  const auto want = ref::model_forward<Resnetish, resnetish_in>(p.params_d(), &state, p.x_d(), p.n, false);
  for (int threads : {1, 3}) {
    INFO("threads " << threads);
    auto run = prepare(exec::eigen_cpu{.threads = threads}, p.net);
    const auto got = run.forward(p.x, p.n);
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) REQUIRE(std::fabs(got[i] - want[i]) <= 1e-5 * std::max(1.0, max_abs(want)));
    check_model_gradient(p, threads, 400, 1e-4, /*seed=*/5);
  }
}

TEST_CASE("eigen_cpu forward equals the reference model (S1), for 1, 2 and 3 threads", "[policy][eigen_cpu]") {
  problem<models::FashionMnistCnn, models::fashion_mnist_input> p(7, 1, init_scheme::glorot_uniform);
  const auto want = ref::model_forward<models::FashionMnistCnn, models::fashion_mnist_input>(p.params_d(), nullptr, p.x_d(), p.n, false);
  for (int threads : {1, 2, 3}) {
    auto run = prepare(exec::eigen_cpu{.threads = threads}, p.net);
    REQUIRE(run.threads() == threads);
    const auto got = run.forward(p.x, p.n);
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) REQUIRE(std::fabs(got[i] - want[i]) <= 1e-5 * std::max(1.0, max_abs(want)));
  }
}

TEST_CASE("S1 whole-model gradient equals finite differences of the double-precision reference", "[policy][gradient]") {
  problem<models::FashionMnistCnn, models::fashion_mnist_input> p(5, 2);
  check_model_gradient(p, 2, 300, 1e-4);
}

TEST_CASE("BatchNorm + Dropout model: training-mode gradient across uneven thread splits", "[policy][gradient]") {
  for (int threads : {1, 3}) {
    problem<Mixed, mixed_in> p(7, 3);
    INFO("threads " << threads);
    check_model_gradient(p, threads, 400, 1e-4, /*seed=*/11);
  }
}

TEST_CASE("binary cross-entropy: one-logit model gradient and accuracy", "[policy][loss]") {
  using Net = Sequential<Conv<3, 3>, ReLU, Flatten, Dense<4>, Tanh, Dense<1>>;
  constexpr shape in{1, 6, 6};
  network<Net, in> net(init_scheme::glorot_uniform, 4);
  std::vector<float> x(6 * in.size());
  rng r(4);
  for (auto& v : x) v = static_cast<float>(r.symmetric(1));
  std::vector<std::int32_t> y{0, 1, 1, 0, 1, 0};
  auto run = prepare(exec::eigen_cpu{.threads = 2}, net);
  const float loss = run.compute_gradients<loss::binary_cross_entropy>(x, y, 6);
  std::vector<double> w(net.params().begin(), net.params().end()), xd(x.begin(), x.end());
  auto L = [&](const std::vector<double>& wv) {
    const auto z = ref::model_forward<Net, in>(wv, nullptr, xd, 6, true);
    double s = 0;
    for (std::size_t i = 0; i < 6; ++i) s += std::max(z[i], 0.0) - z[i] * y[i] + std::log1p(std::exp(-std::fabs(z[i])));
    return s / 6;
  };
  REQUIRE(std::fabs(loss - L(w)) < 1e-5);
  for (std::size_t i = 0; i < w.size(); i += 3) {
    auto wp = w, wm = w;
    wp[i] += 1e-6;
    wm[i] -= 1e-6;
    const double fd = (L(wp) - L(wm)) / 2e-6;
    REQUIRE(std::fabs(run.gradients()[i] - fd) < 2e-4 * std::max(1.0, std::fabs(fd)));
  }
  const auto e = run.evaluate<loss::binary_cross_entropy>(x, y, 6);
  const auto z = run.forward(x, 6);
  std::size_t correct = 0;
  for (std::size_t i = 0; i < 6; ++i) correct += (z[i] > 0) == (y[i] == 1);
  REQUIRE(e.correct == correct);
  REQUIRE(std::fabs(e.loss_sum / 6 - loss) < 1e-5);
  std::vector<std::int32_t> bad{0, 1, 2, 0, 1, 0};
  REQUIRE_THROWS_AS(run.evaluate<loss::binary_cross_entropy>(x, bad, 6), value_error);
}

TEST_CASE("determinism: the same seed and thread count give bit-identical weights after 20 steps", "[policy][determinism]") {
  problem<Mixed, mixed_in> p(16, 9);
  auto train = [&](int threads, auto opt) {
    auto net = p.net;
    auto run = prepare(exec::eigen_cpu{.threads = threads, .seed = 5}, net);
    for (int s = 0; s < 20; ++s) run.train_step(p.x, p.y, p.n, opt);
    run.store_to(net);
    return net;
  };
  const optim::sgd sgd{.lr = 0.05, .momentum = 0.9};
  const auto a = train(2, sgd), b = train(2, sgd);
  REQUIRE(std::memcmp(a.params().data(), b.params().data(), a.params().size_bytes()) == 0);
  REQUIRE(std::memcmp(a.state().data(), b.state().data(), a.state().size_bytes()) == 0);
  const auto c = train(2, optim::adam{}), d = train(2, optim::adam{});
  REQUIRE(std::memcmp(c.params().data(), d.params().data(), c.params().size_bytes()) == 0);
  REQUIRE(!(a == p.net));  // it trained
  // Another thread count groups sums differently: close, not identical.
  const auto e = train(1, sgd);
  double diff = 0, norm = 0;
  for (std::size_t i = 0; i < e.params().size(); ++i) {
    diff += std::pow(double(e.params()[i]) - a.params()[i], 2);
    norm += std::pow(double(a.params()[i]), 2);
  }
  REQUIRE(std::sqrt(diff / norm) < 1e-4);
}

// A model whose second convolution is computed by Winograd F(2x2, 3x3) (forward and dL/dx; see
// backend/eigen/conv.hpp): whole-model gradients against finite differences of the double reference
// over uneven thread splits, and bit-identical training for the same seed and threads.
using WinogradNet = Sequential<Conv<32, 3, 1, same>, ReLU, Conv<32, 3, 1, same>, ReLU, MaxPool<2>, Flatten, Dense<10>>;
constexpr shape winograd_in{3, 12, 12};
static_assert(backend::eigen::kernel<Conv<32, 3, 1, same>, shape{32, 12, 12}>::use_winograd);

TEST_CASE("Winograd layer in a model: gradients equal finite differences across thread splits, and bit-identical reruns", "[policy][winograd]") {
  problem<WinogradNet, winograd_in> p(5, 21);
  for (int threads : {1, 2, 3}) {
    INFO("threads " << threads);
    check_model_gradient(p, threads, 120, 1e-4, /*seed=*/3);
  }
  auto train = [&](int threads) {
    auto net = p.net;
    auto run = prepare(exec::eigen_cpu{.threads = threads, .seed = 5}, net);
    for (int s = 0; s < 5; ++s) run.train_step(p.x, p.y, p.n, optim::sgd{.lr = 0.05, .momentum = 0.9});
    run.store_to(net);
    return net;
  };
  const auto a = train(2), b = train(2);
  REQUIRE(std::memcmp(a.params().data(), b.params().data(), a.params().size_bytes()) == 0);
  REQUIRE(!(a == p.net));
}

// ReLU after a Conv or Dense runs in place (backend/runner_base.hpp's shares_input), its forward pass
// is fused into the Conv's or Dense's (relu_fused: max(0, .) as the output is written), and its
// backward into the next layer's (relu_backward_fused: that layer writes dL/dx only where its input is
// > 0). The model covers each kernel path: Convs by Winograd (conv_1, conv_2) and by im2col + GEMM
// (conv_3; conv_4 is 1 x 1), MaxPool with tiling windows and with overlapping ones, Dense. The same
// model with an Identity before and after each ReLU (Identity declares none of the traits, so nothing
// there is in place or fused) must give the same loss, gradients and trained weights bit for bit, and
// keep three activation buffers more per ReLU after a Conv or Dense.
using InPlaceNet = Sequential<Conv<32, 3>, ReLU, Conv<32, 3>, ReLU, Conv<8, 3>, ReLU, MaxPool<2>, Conv<8, 1>, ReLU,
                              MaxPool<3, 2>, Flatten, Dense<12>, ReLU, Dense<4>>;
using CopyingNet = Sequential<Conv<32, 3>, Identity, ReLU, Identity, Conv<32, 3>, Identity, ReLU, Identity, Conv<8, 3>,
                              Identity, ReLU, Identity, MaxPool<2>, Conv<8, 1>, Identity, ReLU, Identity, MaxPool<3, 2>,
                              Flatten, Dense<12>, Identity, ReLU, Identity, Dense<4>>;
constexpr shape in_place_in{3, 16, 16};
using in_place_runner = backend::eigen::runner<InPlaceNet, in_place_in>;
using copying_runner = backend::eigen::runner<CopyingNet, in_place_in>;
static_assert(backend::eigen::kernel<Conv<32, 3>, in_place_in>::use_winograd);
static_assert(backend::eigen::kernel<Conv<32, 3>, shape{32, 14, 14}>::use_winograd);
static_assert(!backend::eigen::kernel<Conv<8, 3>, shape{32, 12, 12}>::use_winograd);
// The ReLUs are layers 1, 3, 5, 8 and 12; activation k + 1 is the output of layer k.
static_assert([] {
  for (std::size_t k = 0; k <= in_place_runner::layer_count; ++k) {
    const bool relu = k == 1 || k == 3 || k == 5 || k == 8 || k == 12;
    if (in_place_runner::relu_fused[k] != relu || in_place_runner::relu_backward_fused[k] != relu ||
        in_place_runner::activation_overwritten(k) != relu)
      return false;
  }
  for (std::size_t k = 0; k <= copying_runner::layer_count; ++k)
    if (copying_runner::activation_overwritten(k) || copying_runner::relu_fused[k] || copying_runner::relu_backward_fused[k])
      return false;
  return true;
}());

TEST_CASE("ReLU after Conv and Dense runs in place and fused: bit-identical to separate layers", "[policy][in_place]") {
  problem<InPlaceNet, in_place_in> p(9, 31);
  network<CopyingNet, in_place_in> copying;
  REQUIRE(copying.params().size() == p.net.params().size());
  std::copy(p.net.params().begin(), p.net.params().end(), copying.params().begin());
  for (int threads : {1, 2}) {
    INFO("threads " << threads);
    auto a = prepare(exec::eigen_cpu{.threads = threads, .seed = 2}, p.net);
    auto b = prepare(exec::eigen_cpu{.threads = threads, .seed = 2}, copying);
    const float la = a.compute_gradients(p.x, p.y, p.n), lb = b.compute_gradients(p.x, p.y, p.n);
    REQUIRE(std::memcmp(&la, &lb, sizeof la) == 0);
    REQUIRE(std::memcmp(a.gradients().data(), b.gradients().data(), a.gradients().size_bytes()) == 0);
    // Each Conv's and Dense's activation holds its ReLU's output, the ReLU's is the same buffer.
    std::size_t relu_floats = 0;
    for (auto [ka, kb] : {std::pair<std::size_t, std::size_t>{1, 4}, {3, 8}, {5, 12}, {8, 17}, {12, 23}}) {
      INFO("activation " << ka);
      REQUIRE(a.activation(ka).data() == a.activation(ka + 1).data());
      REQUIRE(a.activation(ka).size() == b.activation(kb).size());
      REQUIRE(std::memcmp(a.activation(ka).data(), b.activation(kb).data(), a.activation(ka).size_bytes()) == 0);
      std::size_t positive = 0, zero = 0;
      for (float v : a.activation(ka)) {
        REQUIRE(v >= 0.0f);
        positive += v > 0.0f;
        zero += v == 0.0f;
      }
      REQUIRE(positive > 0);
      REQUIRE(zero > 0);  // the masks have something to mask
      relu_floats += a.activation(ka).size();
    }
    // b keeps the Conv's or Dense's output, two Identity copies and the ReLU's output apart.
    REQUIRE(b.memory_bytes() - a.memory_bytes() == 3 * relu_floats * sizeof(float));
    for (int s = 0; s < 3; ++s) {
      a.train_step(p.x, p.y, p.n, optim::sgd{.lr = 0.05, .momentum = 0.9});
      b.train_step(p.x, p.y, p.n, optim::sgd{.lr = 0.05, .momentum = 0.9});
    }
    REQUIRE(std::memcmp(a.params().data(), b.params().data(), a.params().size_bytes()) == 0);
  }
}

TEST_CASE("bad input is reported, not computed: sizes, labels, empty batches", "[policy][errors]") {
  problem<models::FashionMnistCnn, models::fashion_mnist_input> p(4, 3);
  auto run = prepare(exec::eigen_cpu{.threads = 2}, p.net);
  std::vector<float> short_x(p.x.begin(), p.x.end() - 1);
  REQUIRE_THROWS_AS(run.forward(short_x, 4), shape_error);
  try {
    run.forward(short_x, 4);
  } catch (const shape_error& e) {
    REQUIRE_THAT(e.what(), Catch::Matchers::Contains("3135 floats") && Catch::Matchers::Contains("{1, 28, 28}"));
  }
  REQUIRE_THROWS_AS(run.forward(p.x, 0), shape_error);
  std::vector<std::int32_t> three(3, 0), bad{0, 1, 10, 2};
  REQUIRE_THROWS_AS(run.train_step(p.x, three, 4, optim::sgd{}), shape_error);
  REQUIRE_THROWS_WITH(run.train_step(p.x, bad, 4, optim::sgd{}), Catch::Matchers::Contains("label 10 of sample 2"));
  REQUIRE_THROWS_AS(run.train_step(p.x, p.y, 4, optim::sgd{.lr = -1}), value_error);
  REQUIRE(run.step() == 0);  // nothing was applied
}

TEST_CASE("fit learns a separable problem and reports epochs, and a diverging run throws with the epoch and batch",
          "[policy][fit]") {
  using Net = Sequential<Conv<4, 3>, ReLU, MaxPool<2>, Flatten, Dense<3>>;
  constexpr shape in{1, 8, 8};
  dataset d;
  d.name = "stripes";
  d.sample_shape = in;
  d.classes = 3;
  rng r(1);
  for (std::size_t i = 0; i < 300; ++i) {  // class k: a bright row band at rows 2k..2k+1, plus noise
    const auto k = static_cast<std::int32_t>(i % 3);
    d.labels.push_back(k);
    for (std::size_t j = 0; j < in.size(); ++j) {
      const std::size_t row = j / in.w;
      const double v = (row / 2 == static_cast<std::size_t>(k) ? 200 : 30) + r.symmetric(25);
      d.pixels.push_back(static_cast<std::uint8_t>(v));
    }
  }
  network<Net, in> net(init_scheme::glorot_uniform, 2);
  std::size_t epochs_seen = 0;
  fit_options o{.epochs = 3, .batch_size = 16, .seed = 1, .validation = &d};
  o.on_epoch = [&](const epoch_record&) { ++epochs_seen; };
  const auto h = fit(exec::eigen_cpu{.threads = 2}, net, d, optim::adam{.lr = 1e-2}, o);
  REQUIRE(h.size() == 3);
  REQUIRE(epochs_seen == 3);
  REQUIRE(h[0].images == 300);
  REQUIRE(h[2].train_loss < h[0].train_loss);
  REQUIRE(h[2].test_accuracy > 0.95);
  REQUIRE(h[2].train_seconds > 0);

  network<Net, in> wild(init_scheme::glorot_uniform, 2);
  REQUIRE_THROWS_WITH(fit(exec::eigen_cpu{}, wild, d, optim::sgd{.lr = 1e30}, {.epochs = 2, .batch_size = 16}),
                      Catch::Matchers::Contains("[cnnbench.diverged]") && Catch::Matchers::Contains("epoch 1, batch"));
  dataset wrong = d;
  wrong.sample_shape = shape{1, 8, 9};
  REQUIRE_THROWS_AS(fit(exec::eigen_cpu{}, net, wrong, optim::sgd{}), shape_error);
}

namespace {
/// Trains `steps` Adam steps with profiling on or off; returns the network and the profile.
template <class Net, shape In>
std::pair<network<Net, In>, layer_profile> train_profiled(const problem<Net, In>& p, int threads, bool profile, int steps) {
  auto net = p.net;
  auto run = prepare(exec::eigen_cpu{.threads = threads, .seed = 3, .profile = profile}, net);
  REQUIRE(run.profiling() == profile);
  for (int s = 0; s < steps; ++s) run.train_step(p.x, p.y, p.n, optim::adam{});
  run.store_to(net);
  return {net, run.layer_profile()};
}
}  // namespace

TEST_CASE("profiling: on and off give bit-identical weights and state, and every layer of the summary is timed",
          "[policy][profile]") {
  auto check = []<class Net, shape In>(const problem<Net, In>& p) {
    constexpr auto s = summary<Net, In>();
    for (int threads : {1, 2, 3}) {
      INFO("threads " << threads);
      const auto [off_net, off] = train_profiled(p, threads, false, 5);
      const auto [on_net, on] = train_profiled(p, threads, true, 5);
      REQUIRE(std::memcmp(off_net.params().data(), on_net.params().data(), off_net.params().size_bytes()) == 0);
      REQUIRE(std::memcmp(off_net.state().data(), on_net.state().data(), off_net.state().size_bytes()) == 0);
      REQUIRE(!(on_net == p.net));  // it trained
      REQUIRE(off.steps == 0);
      REQUIRE(off.attributed_seconds() == 0);
      REQUIRE(on.steps == 5);
      REQUIRE(on.samples == 5 * p.n);
      REQUIRE(on.threads == threads);
      REQUIRE(on.rows.size() == s.rows.size());
      for (std::size_t i = 0; i < s.rows.size(); ++i) {
        INFO("layer " << on.rows[i].name);
        REQUIRE(on.rows[i].name == s.rows[i].name());
        REQUIRE(on.rows[i].type == s.rows[i].type);
        REQUIRE(on.rows[i].flops == s.rows[i].flops);
        REQUIRE(on.rows[i].forward_seconds > 0);
        REQUIRE(on.rows[i].backward_data_seconds > 0);
        if (s.rows[i].params == 0) REQUIRE(on.rows[i].backward_weights_seconds == 0);  // nothing switches to weights
        if (on.rows[i].type == "Dense" || on.rows[i].type == "BatchNorm") REQUIRE(on.rows[i].backward_weights_seconds > 0);
      }
      REQUIRE(on.loss_seconds > 0);
      REQUIRE(on.update_seconds > 0);
      REQUIRE(on.attributed_seconds() <= on.step_seconds);
    }
  };
  check(problem<Mixed, mixed_in>(16, 9));
  check(problem<Resnetish, resnetish_in>(12, 4));
}

TEST_CASE("profiling: the layers, the loss and the update account for the step's time (S1, batch 64)", "[policy][profile]") {
  problem<models::FashionMnistCnn, models::fashion_mnist_input> p(64, 10);
  for (int threads : {1, 2}) {
    INFO("threads " << threads);
    const auto [net, prof] = train_profiled(p, threads, true, 10);
    double fwd = 0, bwd = 0;
    for (const auto& r : prof.rows) {
      fwd += r.forward_seconds;
      bwd += r.backward_data_seconds + r.backward_weights_seconds;
    }
    const double shares = prof.share(fwd) + prof.share(bwd) + prof.share(prof.loss_seconds) + prof.share(prof.update_seconds);
    INFO("attributed share " << shares << "\n" << profile_table(prof));
    REQUIRE(shares <= 1.0);
    REQUIRE(shares > 0.8);  // what is left: dispatching the team, the wait before the first layer
    REQUIRE(prof.share(fwd) > 0.1);
    REQUIRE(prof.share(bwd) > prof.share(fwd) * 0.5);
    const auto table = profile_table(prof);
    REQUIRE(table.find("| conv_3 | Conv |") != std::string::npos);
    REQUIRE(table.find("| dense_2 | Dense |") != std::string::npos);
    REQUIRE(table.find("10 steps, 64 samples per step (mean)") != std::string::npos);
  }
}
