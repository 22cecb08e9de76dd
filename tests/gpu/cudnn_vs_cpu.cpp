// exec::cudnn on a device (label gpu) against exec::eigen_cpu: every layer's forward and backward
// (single-layer probes: the layer between a 1x1 convolution, whose weight gradient carries the
// layer's input gradient, and a Dense head) within 1e-4 relative with TF32 off; BatchNorm running
// statistics; dropout masks identical; Residual blocks (identity and projection shortcuts) and
// bias-free Conv/Dense; every optimizer; S1 trained 100 steps from the same weights
// and batches with losses within 1e-3 relative; determinism; errors. Without a device every test
// reports "skipped: no CUDA device: <reason>".
#include <cnnbench/cnnbench.hpp>
#include <cnnbench/exec/cudnn.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "support/catch.hpp"
#include "support/problem.hpp"

using namespace cnnbench;

#define REQUIRE_DEVICE()                                                                       \
  do {                                                                                         \
    if (!exec::cudnn::available()) CNNBENCH_SKIP("no CUDA device: " + exec::cudnn::unavailable_reason()); \
  } while (false)

namespace {

double max_abs(std::span<const float> v) {
  double m = 0;
  for (float a : v) m = std::max(m, static_cast<double>(std::fabs(a)));
  return m;
}

/// |got - want| <= tol * max(max |want|, floor) element by element; returns the worst ratio.
double compare(std::span<const float> got, std::span<const float> want, double tol, const std::string& what, double floor = 1e-6) {
  REQUIRE(got.size() == want.size());
  const double scale = std::max(max_abs(want), floor);
  double worst = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double err = std::fabs(static_cast<double>(got[i]) - want[i]);
    worst = std::max(worst, err / scale);
    if (err > tol * scale) {
      INFO(what << " element " << i << ": cudnn " << got[i] << ", eigen_cpu " << want[i] << " (scale " << scale << ")");
      REQUIRE(err <= tol * scale);
    }
  }
  return worst;
}

/// The shared fixture, with symmetric inputs and BatchNorm running statistics away from 0 / 1.
template <class Net, shape In>
struct problem : test_support::problem<Net, In> {
  problem(std::size_t batch, std::uint64_t seed)
      : test_support::problem<Net, In>(batch, seed, init_scheme::torch_default, test_support::inputs::symmetric, true) {}
};

/// Runs Net under both policies: inference logits, training loss, every activation, every gradient,
/// the state after the training pass.
template <class Net, shape In>
void compare_model(std::uint64_t seed, std::size_t n, double tol = 1e-4) {
  problem<Net, In> p(n, seed);
  auto cpu = prepare(exec::eigen_cpu{.threads = 1, .seed = seed}, p.net);
  auto gpu = prepare(exec::cudnn{.seed = seed}, p.net);
  compare(gpu.forward(p.x, n), cpu.forward(p.x, n), tol, "inference logits");
  const float lc = cpu.compute_gradients(p.x, p.y, n), lg = gpu.compute_gradients(p.x, p.y, n);
  INFO("loss eigen_cpu " << lc << ", cudnn " << lg);
  REQUIRE(std::fabs(lg - lc) <= tol * std::max(1.0f, std::fabs(lc)));
  for (std::size_t k = 1; k <= network<Net, In>::layer_count; ++k) {
    const auto a = cpu.activation(k);
    const std::vector<float> want(a.begin(), a.end());
    // eigen_cpu runs a ReLU after Conv/Dense in place: its activation k then holds max(0, .) of cudnn's.
    const auto g = gpu.activation(k);
    std::vector<float> got(g.begin(), g.end());
    if (decltype(cpu)::activation_overwritten(k))
      for (float& v : got) v = std::max(v, 0.0f);
    compare(got, want, tol, "training activation " + std::to_string(k));
  }
  const auto gc = cpu.gradients();
  const std::vector<float> want(gc.begin(), gc.end());
  compare(gpu.gradients(), want, tol, "gradients");
  auto nc = p.net, ng = p.net;
  cpu.store_to(nc);
  gpu.store_to(ng);
  if (!nc.state().empty()) compare(ng.state(), nc.state(), tol, "BatchNorm running statistics");
  // the training pass left the parameters alone
  REQUIRE(std::memcmp(ng.params().data(), p.net.params().data(), p.net.params().size_bytes()) == 0);
}

/// A layer between a 1x1 convolution (its weight gradient depends on the layer's input gradient)
/// and a Dense head.
template <class L, shape In>
using probe = Sequential<Conv<In.c, 1>, L, Flatten, Dense<3>>;

template <class L, shape In>
void compare_layer(std::uint64_t seed, std::size_t n = 4, double tol = 1e-4) {
  INFO("layer " << (summary<L, In>().rows[0].type) << " on " << to_string(In) << ", batch " << n);
  compare_model<probe<L, In>, In>(seed, n, tol);
}

}  // namespace

TEST_CASE("cudnn vs eigen_cpu: Conv forward, backward data and backward filter (valid, same, uneven same, strides)",
          "[gpu][layers][conv]") {
  REQUIRE_DEVICE();
  compare_layer<Conv<4, 3>, shape{3, 9, 9}>(1);
  compare_layer<Conv<5, 3, 1, same>, shape{2, 8, 8}>(2);
  compare_layer<Conv<3, 4, 1, same>, shape{2, 7, 7}>(3);  // even kernel: explicit padding
  compare_layer<Conv<4, 3, 2, same>, shape{2, 8, 8}>(4);  // stride 2, 0 before / 1 after: explicit padding
  compare_layer<Conv<4, 3, 2, same>, shape{2, 9, 9}>(5);  // stride 2, symmetric
  compare_layer<Conv<4, 3, 2>, shape{3, 11, 11}>(6);
  compare_layer<Conv<6, 1>, shape{4, 5, 5}>(7);
  compare_layer<Conv<8, 5, 1, same>, shape{3, 12, 12}>(8, 16);
  compare_layer<Conv<3, 2, 3>, shape{2, 10, 10}>(9);
}

TEST_CASE("cudnn vs eigen_cpu: ZeroPad, MaxPool (ties after ReLU), AvgPool, GlobalAvgPool", "[gpu][layers][pool]") {
  REQUIRE_DEVICE();
  compare_layer<ZeroPad<1>, shape{3, 5, 6}>(11);
  compare_layer<ZeroPad<2>, shape{2, 3, 3}>(12);
  compare_layer<MaxPool<2>, shape{3, 8, 8}>(13);
  compare_layer<MaxPool<2>, shape{4, 7, 7}>(14);
  compare_layer<MaxPool<3, 1>, shape{2, 6, 6}>(15);
  compare_layer<MaxPool<3, 2>, shape{2, 9, 9}>(16);
  // ReLU zeros whole windows: the first maximum must get the gradient, as on the CPU
  compare_model<Sequential<Conv<4, 3>, ReLU, MaxPool<2>, Flatten, Dense<3>>, shape{2, 9, 9}>(17, 8);
  compare_model<Sequential<Conv<4, 3>, ReLU, MaxPool<3, 1>, Flatten, Dense<3>>, shape{2, 8, 8}>(18, 8);
  compare_layer<AvgPool<2>, shape{3, 8, 7}>(19);
  compare_layer<AvgPool<3, 1>, shape{2, 6, 6}>(20);
  compare_layer<GlobalAvgPool, shape{5, 4, 3}>(21);
}

TEST_CASE("cudnn vs eigen_cpu: activations, Softmax, Flatten, Dense", "[gpu][layers][dense]") {
  REQUIRE_DEVICE();
  compare_layer<ReLU, shape{3, 4, 5}>(31);
  compare_layer<Sigmoid, shape{3, 4, 5}>(32);
  compare_layer<Tanh, shape{3, 4, 5}>(33);
  compare_layer<Softmax, shape{7}>(34);
  compare_layer<Softmax, shape{5, 3, 3}>(35);
  compare_layer<Flatten, shape{3, 2, 4}>(36);
  compare_layer<Dense<9>, shape{13}>(37, 5);
  compare_layer<Dense<1>, shape{4}>(38, 2);
  compare_layer<Dense<17>, shape{1}>(39, 3);
  compare_model<Sequential<Flatten, Dense<64>, ReLU, Dense<10>>, shape{1, 28, 28}>(40, 64);
}

TEST_CASE("cudnn vs eigen_cpu: BatchNorm (batch statistics, unbiased running variance, inference)", "[gpu][layers][bn]") {
  REQUIRE_DEVICE();
  compare_layer<BatchNorm<>, shape{4, 5, 5}>(51);
  compare_layer<KerasBatchNorm, shape{6}>(52, 7);
  compare_layer<BatchNorm<1e-3, 0.3>, shape{3, 2, 4}>(53, 2);
  compare_model<Sequential<BatchNorm<>, Conv<3, 3>, Flatten, Dense<4>>, shape{2, 6, 6}>(54, 5);  // first layer
}

TEST_CASE("cudnn vs eigen_cpu: Dropout masks are identical, step after step", "[gpu][layers][dropout]") {
  REQUIRE_DEVICE();
  compare_layer<Dropout<0.5>, shape{3, 4, 5}>(61);
  compare_layer<Dropout<0.25>, shape{8}>(62, 16);
  using Net = Sequential<Conv<4, 3>, ReLU, Dropout<0.3>, Flatten, Dense<8>, Dropout<0.5>, Dense<3>>;
  constexpr shape in{2, 8, 8};
  problem<Net, in> p(16, 63);
  auto cpu = prepare(exec::eigen_cpu{.threads = 2, .seed = 9}, p.net);
  auto gpu = prepare(exec::cudnn{.seed = 9}, p.net);
  for (int step = 0; step < 5; ++step) {
    cpu.train_step(p.x, p.y, p.n, optim::sgd{.lr = 0.01});
    gpu.train_step(p.x, p.y, p.n, optim::sgd{.lr = 0.01});
    for (std::size_t k : {3u, 6u}) {
      const auto a = cpu.activation(k);
      const std::vector<float> c(a.begin(), a.end());
      const auto g = gpu.activation(k);
      std::size_t dropped = 0;
      for (std::size_t i = 0; i < c.size(); ++i) {
        const auto before_c = cpu.activation(k - 1)[i];
        if (before_c == 0.0f) continue;  // a zero input tells nothing about the mask
        INFO("step " << step << " layer " << k << " element " << i);
        REQUIRE((c[i] == 0.0f) == (g[i] == 0.0f));
        dropped += c[i] == 0.0f;
      }
      CHECK(dropped > 0);
    }
  }
  REQUIRE(gpu.step() == 5);
}

TEST_CASE("cudnn vs eigen_cpu: Residual blocks and bias-free layers", "[gpu][layers][residual]") {
  REQUIRE_DEVICE();
  // bias-free Conv and Dense on their own
  compare_layer<Conv<4, 3, 1, same, no_bias>, shape{2, 8, 8}>(61);
  compare_layer<Conv<3, 4, 1, same, no_bias>, shape{2, 7, 7}>(62);  // explicit padding, no bias
  compare_model<Sequential<Flatten, Dense<7, no_bias>, ReLU, Dense<3, no_bias>>, shape{2, 3, 3}>(63, 5);
  compare_layer<Identity, shape{3, 4, 5}>(64);
  // a small ResNet: an identity-shortcut block, a projection-shortcut block (stride 2)
  using Net = Sequential<Conv<4, 3, 1, same, no_bias>, BatchNorm<>, ReLU,
                         Residual<Conv<4, 3, 1, same, no_bias>, BatchNorm<>, ReLU, Conv<4, 3, 1, same, no_bias>, BatchNorm<>>,
                         ReLU,
                         Residual<ZeroPad<1>, Conv<6, 3, 2, valid, no_bias>, BatchNorm<>, ReLU, Conv<6, 3, 1, same>,
                                  Shortcut<Conv<6, 1, 2, valid, no_bias>, BatchNorm<>>>,
                         ReLU, GlobalAvgPool, Flatten, Dense<3, no_bias>>;
  constexpr shape in{2, 8, 8};
  compare_model<Net, in>(65, 6);  // forward, every activation, gradients, running statistics
  // a Dropout inside a block draws the same masks (sub-layer ids 2048 + 32 layer + j)
  compare_model<Sequential<Conv<3, 3, 1, same>, Residual<Conv<3, 3, 1, same>, Dropout<0.5>>, Flatten, Dense<3>>, shape{2, 5, 5}>(66, 4);
  // 3 SGD steps
  problem<Net, in> p(8, 67);
  auto cpu = prepare(exec::eigen_cpu{.threads = 1, .seed = 67}, p.net);
  auto gpu = prepare(exec::cudnn{.seed = 67}, p.net);
  const optim::sgd opt{.lr = 0.05, .momentum = 0.9};
  for (int s = 0; s < 3; ++s) {
    const float lc = cpu.train_step(p.x, p.y, p.n, opt), lg = gpu.train_step(p.x, p.y, p.n, opt);
    INFO("step " << s << ": loss eigen_cpu " << lc << ", cudnn " << lg);
    REQUIRE(std::fabs(lg - lc) <= 1e-4 * std::max(1.0f, std::fabs(lc)));
  }
  auto nc = p.net, ng = p.net;
  cpu.store_to(nc);
  gpu.store_to(ng);
  compare(ng.params(), nc.params(), 1e-4, "parameters after 3 steps");
  compare(ng.state(), nc.state(), 1e-4, "state after 3 steps");
  REQUIRE(gpu.step() == 3);
  compare(gpu.forward(p.x, p.n), cpu.forward(p.x, p.n), 1e-4, "inference logits after 3 steps");
  // the block's sub-convolutions report their algorithms
  REQUIRE(gpu.algorithms().find(".main.") != std::string::npos);
  REQUIRE(gpu.algorithms().find(".shortcut.") != std::string::npos);
}

TEST_CASE("cudnn vs eigen_cpu: every optimizer, 3 steps, the same weights", "[gpu][optim]") {
  REQUIRE_DEVICE();
  using Net = Sequential<Conv<4, 3, 1, same>, BatchNorm<>, ReLU, MaxPool<2>, Flatten, Dense<8>, Tanh, Dense<3>>;
  constexpr shape in{2, 8, 8};
  auto run = [&](const auto& opt, const char* what) {
    INFO(what);
    problem<Net, in> p(12, 71);
    auto cpu = prepare(exec::eigen_cpu{.threads = 1}, p.net);
    auto gpu = prepare(exec::cudnn{}, p.net);
    for (int s = 0; s < 3; ++s) {
      const float lc = cpu.train_step(p.x, p.y, p.n, opt), lg = gpu.train_step(p.x, p.y, p.n, opt);
      REQUIRE(std::fabs(lg - lc) <= 1e-4 * std::max(1.0f, std::fabs(lc)));
    }
    auto nc = p.net, ng = p.net;
    cpu.store_to(nc);
    gpu.store_to(ng);
    compare(ng.params(), nc.params(), 1e-4, "parameters after 3 steps");
    compare(ng.state(), nc.state(), 1e-4, "state after 3 steps");
    REQUIRE(gpu.step() == 3);
  };
  run(optim::sgd{.lr = 0.05}, "sgd");
  run(optim::sgd{.lr = 0.05, .momentum = 0.9, .nesterov = true, .weight_decay = 1e-3, .decay = 0.01}, "sgd nesterov");
  run(optim::adam::pytorch(1e-3), "adam pytorch");
  run(optim::adam::keras(1e-3), "adam keras");
  run(optim::rmsprop::pytorch(1e-3), "rmsprop pytorch");
  run(optim::rmsprop{.lr = 1e-3, .momentum = 0.9, .eps_inside_sqrt = true}, "rmsprop momentum, eps inside");
  // compute_gradients + apply_gradients equals train_step
  problem<Net, in> p(12, 72);
  auto a = prepare(exec::cudnn{}, p.net);
  auto b = prepare(exec::cudnn{}, p.net);
  a.train_step(p.x, p.y, p.n, optim::adam{});
  b.compute_gradients(p.x, p.y, p.n);
  b.apply_gradients(optim::adam{});
  const auto pa = a.params();
  const std::vector<float> va(pa.begin(), pa.end());
  const auto pb = b.params();
  REQUIRE(std::memcmp(va.data(), pb.data(), va.size() * sizeof(float)) == 0);
}

TEST_CASE("S1: 100 Adam steps from the same weights and batches, losses within 1e-3 of eigen_cpu's", "[gpu][s1]") {
  REQUIRE_DEVICE();
  using Net = models::FashionMnistCnn;
  constexpr shape in = models::fashion_mnist_input;
  const dataset d = synthetic_dataset(in, 6400, 10, 3);
  network<Net, in> net(init_scheme::he_uniform, 1);
  auto cpu = prepare(exec::eigen_cpu{.threads = 2}, net);
  auto gpu = prepare(exec::cudnn{}, net);
  batch_order order(d.size(), 64, 1, true);
  const auto idx = order.epoch(0);
  host_batch hb;
  const auto opt = optim::adam::pytorch(1e-3);
  double worst = 0;
  for (std::size_t b = 0; b < 100; ++b) {
    hb.gather(d, order.batch(idx, b));
    const float lc = cpu.train_step(hb.x, hb.y, hb.n, opt), lg = gpu.train_step(hb.x, hb.y, hb.n, opt);
    INFO("step " << b + 1 << ": eigen_cpu " << lc << ", cudnn " << lg);
    REQUIRE(std::isfinite(lg));
    worst = std::max(worst, std::fabs(static_cast<double>(lg) - lc) / std::fabs(lc));
    REQUIRE(std::fabs(lg - lc) <= 1e-3 * std::fabs(lc));
  }
  std::cout << "  S1, 100 steps: worst relative loss difference " << worst << "; " << gpu.kernel_target() << "\n"
            << gpu.algorithms();
  // Evaluation agrees too.
  hb.gather(d, order.batch(idx, 0));
  const auto ec = cpu.evaluate(hb.x, hb.y, hb.n), eg = gpu.evaluate(hb.x, hb.y, hb.n);
  REQUIRE(std::fabs(eg.loss_sum - ec.loss_sum) <= 1e-3 * std::fabs(ec.loss_sum));
  REQUIRE(eg.count == ec.count);
  REQUIRE((eg.correct + 1 >= ec.correct && ec.correct + 1 >= eg.correct));
}

TEST_CASE("cudnn: the same seed gives bit-identical weights (deterministic algorithms)", "[gpu][determinism]") {
  REQUIRE_DEVICE();
  using Net = Sequential<Conv<8, 3, 1, same>, BatchNorm<>, ReLU, MaxPool<2, 1>, Conv<8, 4, 1, same>, Tanh, Flatten,
                         Dropout<0.3>, Dense<16>, ReLU, Dense<4>>;
  constexpr shape in{3, 12, 12};
  problem<Net, in> p(32, 81);
  auto train = [&](const auto& opt) {
    auto net = p.net;
    auto run = prepare(exec::cudnn{.deterministic = true, .seed = 5}, net);
    for (int s = 0; s < 20; ++s) run.train_step(p.x, p.y, p.n, opt);
    run.store_to(net);
    return net;
  };
  const auto a = train(optim::sgd{.lr = 0.05, .momentum = 0.9}), b = train(optim::sgd{.lr = 0.05, .momentum = 0.9});
  REQUIRE(std::memcmp(a.params().data(), b.params().data(), a.params().size_bytes()) == 0);
  REQUIRE(std::memcmp(a.state().data(), b.state().data(), a.state().size_bytes()) == 0);
  REQUIRE(!(a == p.net));
}

TEST_CASE("cudnn: bad input is reported before anything runs, transfers, memory, batch sizes", "[gpu][errors]") {
  REQUIRE_DEVICE();
  problem<models::FashionMnistCnn, models::fashion_mnist_input> p(4, 3);
  auto run = prepare(exec::cudnn{}, p.net);
  std::vector<float> short_x(p.x.begin(), p.x.end() - 1);
  REQUIRE_THROWS_AS(run.forward(short_x, 4), shape_error);
  REQUIRE_THROWS_AS(run.forward(p.x, 0), shape_error);
  std::vector<std::int32_t> three(3, 0), bad{0, 1, 10, 2};
  REQUIRE_THROWS_AS(run.train_step(p.x, three, 4, optim::sgd{}), shape_error);
  REQUIRE_THROWS_WITH(run.train_step(p.x, bad, 4, optim::sgd{}), Catch::Matchers::Contains("label 10 of sample 2"));
  REQUIRE_THROWS_AS(run.train_step(p.x, p.y, 4, optim::sgd{.lr = -1}), value_error);
  REQUIRE(run.step() == 0);
  REQUIRE_THROWS_AS(prepare(exec::cudnn{.device = 1000}, p.net), device_error);
  // load_from / store_to round trip, bit for bit
  auto other = p.net;
  other.init(init_scheme::glorot_uniform, 99);
  run.load_from(other);
  auto back = p.net;
  run.store_to(back);
  REQUIRE(back == other);
  // device memory: parameters, gradients and activations at least; it grows with the batch
  run.reserve(4);
  const std::size_t small = run.peak_device_bytes();
  REQUIRE(small >= 2 * p.net.params().size_bytes());
  REQUIRE(!run.algorithms().empty());
  run.reserve(256);
  REQUIRE(run.peak_device_bytes() > small);
  // several batch sizes in turn (algorithms reused or searched), training and inference
  for (std::size_t n : {4u, 3u, 4u, 1u}) {
    std::vector<float> x(p.x.begin(), p.x.begin() + static_cast<std::ptrdiff_t>(n * 784));
    std::vector<std::int32_t> y(p.y.begin(), p.y.begin() + static_cast<std::ptrdiff_t>(n));
    REQUIRE(std::isfinite(run.train_step(x, y, n, optim::adam{})));
    REQUIRE(run.forward(x, n).size() == n * 10);
  }
  // a workspace limit of one byte: only algorithms without workspace, or a clear error if there is none
  try {
    auto lean = prepare(exec::cudnn{.deterministic = false, .workspace_limit = 1}, p.net);
    REQUIRE(std::isfinite(lean.train_step(p.x, p.y, 4, optim::sgd{})));
    const std::string chosen = lean.algorithms();
    INFO(chosen);
    REQUIRE(chosen.find("(0 B workspace") != std::string::npos);
    REQUIRE(chosen.find("(1 B workspace") == std::string::npos);
  } catch (const backend::cuda::cuda_error&) {
    throw;
  } catch (const device_error& e) {
    REQUIRE_THAT(e.what(), Catch::Matchers::Contains("workspace limit 1 bytes"));
  }
}

TEST_CASE("cudnn: TF32 allowed stays close, binary cross-entropy, fit learns", "[gpu][fit]") {
  REQUIRE_DEVICE();
  problem<models::FashionMnistCnn, models::fashion_mnist_input> p(32, 4);
  auto exact = prepare(exec::cudnn{}, p.net);
  auto tf32 = prepare(exec::cudnn{.allow_tf32 = true}, p.net);
  const auto a = exact.forward(p.x, p.n);
  const std::vector<float> va(a.begin(), a.end());
  compare(tf32.forward(p.x, p.n), va, 2e-2, "TF32 logits");

  using Bin = Sequential<Conv<3, 3>, ReLU, Flatten, Dense<4>, Tanh, Dense<1>>;
  constexpr shape bin_in{1, 6, 6};
  problem<Bin, bin_in> b(6, 5);
  auto cpu = prepare(exec::eigen_cpu{.threads = 1}, b.net);
  auto gpu = prepare(exec::cudnn{}, b.net);
  const float lc = cpu.compute_gradients<loss::binary_cross_entropy>(b.x, b.y, 6);
  const float lg = gpu.compute_gradients<loss::binary_cross_entropy>(b.x, b.y, 6);
  REQUIRE(std::fabs(lg - lc) <= 1e-4 * std::max(1.0f, std::fabs(lc)));
  const auto gc = cpu.gradients();
  const std::vector<float> want(gc.begin(), gc.end());
  compare(gpu.gradients(), want, 1e-4, "binary cross-entropy gradients");
  const auto ec = cpu.evaluate<loss::binary_cross_entropy>(b.x, b.y, 6), eg = gpu.evaluate<loss::binary_cross_entropy>(b.x, b.y, 6);
  REQUIRE(eg.correct == ec.correct);
  REQUIRE(std::fabs(eg.loss_sum - ec.loss_sum) <= 1e-4 * std::max(1.0, std::fabs(ec.loss_sum)));

  using Net = Sequential<Conv<4, 3>, ReLU, MaxPool<2>, Flatten, Dense<3>>;
  constexpr shape in{1, 8, 8};
  const dataset d = synthetic_dataset(in, 300, 3, 1);
  network<Net, in> net(init_scheme::glorot_uniform, 2);
  const auto h = fit(exec::cudnn{}, net, d, optim::adam{.lr = 1e-2}, {.epochs = 3, .batch_size = 16, .seed = 1, .validation = &d});
  REQUIRE(h.size() == 3);
  REQUIRE(h[2].train_loss < h[0].train_loss);
  REQUIRE(h[2].test_accuracy > 0.9);
}
