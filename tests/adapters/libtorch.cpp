// exec::libtorch, the adapter that trains a cnnbench model with LibTorch, against exec::eigen_cpu:
// every layer maps (and the torch module has param_count_v parameters), weights go in and out
// unchanged, forward outputs and gradients agree, the optimizer mappings (including Keras' time decay
// and epsilon hat, which torch lacks) give the same steps, and S1 and S3 trained 50 steps from the
// same weights on the same real batches stay together. Each 50-step run is done three times: eigen_cpu,
// LibTorch in float32, and LibTorch in float64 (the reference for float32 drift), and prints all three
// distances. Relative distances: |a - b| / |b| for losses, ||a - b|| / ||b|| for the final weights.
//
//   SGD-momentum (lr 0.01, momentum 0.9): per-step losses within 1e-4, final weights within 1e-3.
//     Measured: S1 7e-6 and 1.4e-4, S3 9e-6 and 1.4e-4.
//   Adam: the bounds 1e-3 (per-step loss, final weights) cannot hold in float32, for either runtime.
//     Max-pooling windows whose two largest values are within an ulp or two are decided by float32
//     rounding, differently in each runtime (their convolution outputs are equally accurate: RMS
//     relative error 2.9e-7 here, 2.2e-7 in LibTorch); such a window sends a gradient to another
//     pixel, and Adam, which normalises every update, turns that small change into full-size steps.
//     Measured after 50 steps: S3 (Adam 1e-4) LibTorch float32 is 1.3e-2 from float64 and eigen_cpu
//     1.4e-2; S1 (Adam 1e-3) eigen_cpu 9.3e-3 (LibTorch 6.3e-5 in that run: the flips fell on ours).
//     The test therefore asserts (a) the first 8 steps agree within 1e-5 (the same computation, before
//     any rounding has been amplified), (b) per-step losses within 1e-2 and (c) final weights within
//     2e-2 of LibTorch's, the measured size of 50-step float32 Adam drift from float64.
// The data: Fashion-MNIST (S1) and the CIFAR-10 subset (S3) when present, else seeded synthetic data.
#include <cnnbench/cnnbench.hpp>
#include <cnnbench/exec/libtorch.hpp>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <vector>

#include "support/catch.hpp"
#include "support/data_dir.hpp"

using namespace cnnbench;
namespace fs = std::filesystem;

namespace {
// Every layer of the vocabulary; TensorFlow's uneven "same" padding (even kernel) included.
using Forward = Sequential<ZeroPad<1>, Conv<6, 3>, BatchNorm<>, ReLU, MaxPool<2>, Conv<8, 4, 1, same>, Tanh, AvgPool<2>,
                           Conv<8, 3, 2, same>, Sigmoid, Dropout<0.5>, GlobalAvgPool, Dense<12>, BatchNorm<>, ReLU, Dense<5>,
                           Softmax>;
using Trainable = Sequential<ZeroPad<1>, Conv<6, 3>, BatchNorm<>, ReLU, MaxPool<2>, Conv<8, 4, 1, same>, Tanh, AvgPool<2>,
                             Conv<8, 3, 2, same>, Sigmoid, Dropout<0.0>, GlobalAvgPool, Dense<12>, BatchNorm<>, ReLU,
                             Flatten, Dense<5>>;
constexpr shape in{2, 14, 14};
// S3 with its dropout at 0 (same parameter layout and hash), so the two runtimes' masks play no part.
using S3NoDropout = Sequential<Conv<32, 3, 1, same>, ReLU, Conv<32, 3>, ReLU, MaxPool<2>, Dropout<0.0>,  //
                               Conv<64, 3, 1, same>, ReLU, Conv<64, 3>, ReLU, MaxPool<2>, Dropout<0.0>,  //
                               Flatten, Dense<512>, ReLU, Dense<10>>;
static_assert(architecture_hash_v<S3NoDropout, models::cifar10_input> ==
              architecture_hash_v<models::KerasCifar10Cnn, models::cifar10_input>);

double rel_norm(std::span<const float> a, std::span<const float> b) {
  double d = 0, n = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    d += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    n += double(b[i]) * b[i];
  }
  return std::sqrt(d / n);
}

template <class Net, shape In>
void randomise_state(network<Net, In>& net, std::uint64_t seed) {
  rng r(seed);
  for (auto t : net.tensors())
    if (t.role == param_role::running_mean)
      for (auto& v : t.data) v = static_cast<float>(r.symmetric(0.3));
    else if (t.role == param_role::running_var)
      for (auto& v : t.data) v = static_cast<float>(0.5 + r.uniform01());
}

dataset batch_data(shape s, std::size_t n, std::uint64_t seed) { return synthetic_dataset(s, n, 10, seed, "synthetic"); }  // 10 classes

dataset s1_data(std::size_t n) {
  const fs::path dir = CNNBENCH_TEST_FASHION_MNIST_DIR;
  if (!fs::exists(dir / "train-images-idx3-ubyte.gz")) {
    WARN("Fashion-MNIST not found at " << dir << ": using synthetic data");
    return batch_data(models::fashion_mnist_input, n, 1);
  }
  return read_idx_dataset(dir / "train-images-idx3-ubyte.gz", dir / "train-labels-idx1-ubyte.gz", 10, "fashion-mnist").slice(0, n);
}
dataset s3_data(std::size_t n) {
  const fs::path dir = test_support::data_subdir("cifar10");
  if (!fs::exists(dir / "data_batch_1.bin")) {
    WARN("CIFAR-10 subset not found at " << dir << ": using synthetic data");
    return batch_data(models::cifar10_input, n, 3);
  }
  auto d = cifar10_train(dir).slice(0, n);
  d.norm = normalization::symmetric;  // as the Keras cifar10_cnn write-up
  return d;
}

/// Distances between the runs of one lockstep comparison.
struct drift {
  double loss_et = 0, loss_e64 = 0, loss_t64 = 0;  ///< worst per-step relative loss difference
  double early_loss_et = 0;                        ///< worst over the first 8 steps
  double weights_et = 0, weights_e64 = 0, weights_t64 = 0;  ///< final weights, relative norm
};

/// Trains the same network with eigen_cpu, LibTorch float32 and LibTorch float64 on the same batches.
template <class Net, shape In, class Opt>
drift lockstep(const char* name, const dataset& data, std::size_t batch, std::size_t steps, const Opt& opt) {
  network<Net, In> net(init_scheme::torch_default, 5);
  auto cpu = prepare(exec::eigen_cpu{.threads = 2}, net);
  auto lt = prepare(exec::libtorch{.threads = 2}, net);
  auto f64 = prepare(exec::libtorch{.threads = 2, .float64 = true}, net);
  batch_order order(data.size(), batch, 42);
  host_batch hb;
  drift d;
  std::size_t s = 0;
  for (std::size_t e = 0; s < steps; ++e) {
    const auto idx = order.epoch(e);
    for (std::size_t b = 0; b < order.batches_per_epoch() && s < steps; ++b, ++s) {
      hb.gather(data, order.batch(idx, b));
      const double a = cpu.train_step(hb.x, hb.y, hb.n, opt), t = lt.train_step(hb.x, hb.y, hb.n, opt),
                   x = f64.train_step(hb.x, hb.y, hb.n, opt);
      d.loss_et = std::max(d.loss_et, std::fabs(a - t) / std::fabs(t));
      d.loss_e64 = std::max(d.loss_e64, std::fabs(a - x) / std::fabs(x));
      d.loss_t64 = std::max(d.loss_t64, std::fabs(t - x) / std::fabs(x));
      if (s < 8) d.early_loss_et = d.loss_et;
    }
  }
  network<Net, In> a, t, x;
  cpu.store_to(a);
  lt.store_to(t);
  f64.store_to(x);
  d.weights_et = rel_norm(a.params(), t.params());
  d.weights_e64 = rel_norm(a.params(), x.params());
  d.weights_t64 = rel_norm(t.params(), x.params());
  std::cout << "  " << name << ", " << steps << " steps. Worst per-step loss difference: eigen_cpu-libtorch " << d.loss_et
            << " (first 8 steps " << d.early_loss_et << "), eigen_cpu-float64 " << d.loss_e64 << ", libtorch-float64 "
            << d.loss_t64 << ". Final weights: eigen_cpu-libtorch " << d.weights_et << ", eigen_cpu-float64 " << d.weights_e64
            << ", libtorch-float64 " << d.weights_t64 << "\n";
  return d;
}

/// The bounds, which hold for SGD-momentum.
void require_sgd(const drift& d) {
  REQUIRE(d.loss_et <= 1e-4);
  REQUIRE(d.weights_et <= 1e-3);
}
/// Adam: see the header of this file for why 1e-3 cannot hold in float32 and what is asserted instead.
void require_adam(const drift& d) {
  REQUIRE(d.early_loss_et <= 1e-5);
  REQUIRE(d.loss_et <= 1e-2);
  REQUIRE(d.weights_et <= 2e-2);
}

/// Short lockstep on a small model, for the optimizer mappings: each float32 run stays within `tol` of
/// the float64 run (the exact steps), and of the other.
template <class Net, shape In, class Opt>
void lockstep_close(const char* name, const dataset& data, std::size_t batch, std::size_t steps, const Opt& opt, double tol) {
  const drift d = lockstep<Net, In>(name, data, batch, steps, opt);
  REQUIRE(d.loss_e64 <= tol);
  REQUIRE(d.loss_t64 <= tol);
  REQUIRE(d.loss_et <= tol);
  REQUIRE(d.weights_e64 <= tol);
  REQUIRE(d.weights_t64 <= tol);
}
}  // namespace

TEST_CASE("libtorch: every layer maps to torch::nn, with param_count_v parameters", "[libtorch][translation]") {
  network<Forward, in> f;
  auto run = prepare(exec::libtorch{}, f);
  REQUIRE(run.torch_parameter_count() == param_count_v<Forward, in>);
  const auto& d = run.description();
  std::string all;
  for (const auto& m : d) all += m + "; ";
  INFO(all);
  REQUIRE(d.front() == "ZeroPad2d(1)");
  REQUIRE(all.find("ZeroPad2d(1, 2, 1, 2); Conv2d(6, 8, 4, stride 1)") != std::string::npos);  // uneven same padding
  REQUIRE(all.find("Conv2d(8, 8, 3, stride 2, padding (1, 1))") != std::string::npos);  // stride 2 same on 3x3: symmetric
  REQUIRE(all.find("AdaptiveAvgPool2d(1); Flatten; Linear(8, 12); BatchNorm1d") != std::string::npos);
  REQUIRE(all.find("BatchNorm2d(6") != std::string::npos);
  REQUIRE(d.back() == "Softmax(dim 1)");
  network<models::FashionMnistCnn, models::fashion_mnist_input> s1;
  network<models::Cifar10VggRosetta, models::cifar10_input> s2;
  network<models::KerasCifar10Cnn, models::cifar10_input> s3;
  REQUIRE(prepare(exec::libtorch{}, s1).torch_parameter_count() == 65'570);
  REQUIRE(prepare(exec::libtorch{}, s2).torch_parameter_count() == 3'441'592);
  REQUIRE(prepare(exec::libtorch{}, s3).torch_parameter_count() == 1'250'858);
}

// ResNet basic blocks in miniature (identity and projection skips, bias-free convolutions and Dense).
using Resnetish =
    Sequential<Conv<4, 3, 1, same, no_bias>, BatchNorm<>, ReLU,
               Residual<Conv<4, 3, 1, same, no_bias>, BatchNorm<>, ReLU, Conv<4, 3, 1, same, no_bias>, BatchNorm<>>, ReLU,
               Residual<ZeroPad<1>, Conv<6, 3, 2, valid, no_bias>, BatchNorm<>, ReLU, Conv<6, 3, 1, same>,
                        Shortcut<Conv<6, 1, 2, valid, no_bias>, BatchNorm<>>>,
               ReLU, GlobalAvgPool, Flatten, Dense<3, no_bias>>;
constexpr shape resnetish_in{2, 8, 8};

TEST_CASE("libtorch: Residual blocks and bias-free layers as torch modules equal eigen_cpu (forward, gradients, "
          "3 SGD steps), and ResNet18Cifar has param_count_v parameters",
          "[libtorch][residual]") {
  network<Resnetish, resnetish_in> net(init_scheme::he_uniform, 12);
  randomise_state(net, 13);
  auto cpu = prepare(exec::eigen_cpu{.threads = 2}, net);
  auto lt = prepare(exec::libtorch{}, net);
  REQUIRE(lt.torch_parameter_count() == param_count_v<Resnetish, resnetish_in>);
  std::string all;
  for (const auto& m : lt.description()) all += m + "; ";
  INFO(all);
  REQUIRE(all.find("ResidualBlock(main: [Conv2d(4, 4, 3, stride 1, bias false, padding (1, 1))") != std::string::npos);
  REQUIRE(all.find("shortcut: [Conv2d(4, 6, 1, stride 2, bias false, padding (0, 0)), BatchNorm2d") != std::string::npos);
  REQUIRE(all.find("Linear(6, 3, bias false)") != std::string::npos);
  std::vector<float> x(8 * resnetish_in.size());
  rng r(14);
  for (auto& v : x) v = static_cast<float>(r.symmetric(1));
  const std::vector<std::int32_t> y{0, 1, 2, 2, 1, 0, 1, 2};
  const auto a = cpu.forward(x, 8);
  const std::vector<float> want(a.begin(), a.end());
  const auto t = lt.forward(x, 8);
  for (std::size_t i = 0; i < want.size(); ++i) REQUIRE(std::fabs(t[i] - want[i]) <= 1e-5);
  for (int step = 0; step < 3; ++step) {
    const float la = cpu.compute_gradients(x, y, 8), lb = lt.compute_gradients(x, y, 8);
    INFO("step " << step);
    REQUIRE(std::fabs(la - lb) <= 1e-5 * std::fabs(lb));
    const double g = rel_norm(cpu.gradients(), lt.gradients());
    std::cout << "  Residual model, step " << step << ": gradient distance " << g << "\n";
    REQUIRE(g <= 1e-4);
    cpu.apply_gradients(optim::sgd{.lr = 0.05, .momentum = 0.9});
    lt.apply_gradients(optim::sgd{.lr = 0.05, .momentum = 0.9});
  }
  network<Resnetish, resnetish_in> sa, sb;
  cpu.store_to(sa);
  lt.store_to(sb);
  REQUIRE(rel_norm(sa.params(), sb.params()) <= 1e-5);
  REQUIRE(rel_norm(sa.state(), sb.state()) <= 1e-5);
  network<models::ResNet18Cifar, models::cifar10_input> resnet;
  REQUIRE(prepare(exec::libtorch{}, resnet).torch_parameter_count() == 11'173'962);
}

TEST_CASE("libtorch: weights and BatchNorm state go in and out without change", "[libtorch][weights]") {
  network<Trainable, in> net(init_scheme::glorot_uniform, 3);
  randomise_state(net, 4);
  auto run = prepare(exec::libtorch{}, net);
  network<Trainable, in> back;
  run.store_to(back);
  REQUIRE(back == net);
  const auto p = run.params();
  REQUIRE(std::equal(p.begin(), p.end(), net.params().begin()));
}

TEST_CASE("libtorch: forward (inference) and gradients (training) equal eigen_cpu's", "[libtorch][equivalence]") {
  network<Forward, in> f(init_scheme::glorot_uniform, 7);
  randomise_state(f, 8);
  std::vector<float> x(9 * in.size());
  rng r(9);
  for (auto& v : x) v = static_cast<float>(r.symmetric(1));
  auto cpu = prepare(exec::eigen_cpu{.threads = 2}, f);
  auto lt = prepare(exec::libtorch{}, f);
  const auto a = cpu.forward(x, 9);
  const std::vector<float> want(a.begin(), a.end());
  const auto t = lt.forward(x, 9);
  for (std::size_t i = 0; i < want.size(); ++i) REQUIRE(std::fabs(t[i] - want[i]) <= 1e-5);

  network<Trainable, in> g(init_scheme::glorot_uniform, 10);
  std::vector<std::int32_t> y{0, 4, 3, 1, 2, 2, 0, 1, 4};
  auto cpu2 = prepare(exec::eigen_cpu{.threads = 2}, g);
  auto lt2 = prepare(exec::libtorch{}, g);
  const float la = cpu2.compute_gradients(x, y, 9), lb = lt2.compute_gradients(x, y, 9);
  REQUIRE(std::fabs(la - lb) <= 1e-5 * std::fabs(lb));
  REQUIRE(rel_norm(cpu2.gradients(), lt2.gradients()) <= 1e-4);  // measured 1.7e-5 (BatchNorm on 9 samples)
  // BatchNorm running statistics moved the same way in training mode.
  network<Trainable, in> sa, sb;
  cpu2.store_to(sa);
  lt2.store_to(sb);
  REQUIRE(rel_norm(sa.state(), sb.state()) <= 1e-6);
}

TEST_CASE("libtorch: optimizer mappings, including what torch lacks, give eigen_cpu's steps", "[libtorch][optim]") {
  const auto data = synthetic_dataset(in, 64, 5, 11, "synthetic");
  // Keras' time decay on SGD with Nesterov momentum; Keras' epsilon hat for Adam; Keras 2's RMSprop with momentum.
  lockstep_close<Trainable, in>("SGD Nesterov, weight decay, time decay", data, 16, 12,
                                optim::sgd{.lr = 0.05, .momentum = 0.9, .nesterov = true, .weight_decay = 1e-3, .decay = 0.1}, 1e-4);
  lockstep_close<Trainable, in>("Adam, Keras epsilon hat, time decay", data, 16, 12,
                                optim::adam{.lr = 1e-2, .eps = 1e-3, .decay = 0.05, .mode = optim::adam::epsilon_mode::keras},
                                1e-4);
  // RMSprop normalises its updates like Adam: both float32 runs end 3e-4 to 4e-4 from float64 (measured),
  // hence 1e-3 for this one.
  lockstep_close<Trainable, in>("RMSprop (Keras 2) with momentum", data, 16, 12,
                                optim::rmsprop{.lr = 1e-3, .rho = 0.9, .eps = 1e-4, .momentum = 0.5}, 1e-3);
  network<Trainable, in> net;
  auto lt = prepare(exec::libtorch{}, net);
  host_batch hb;
  const std::vector<std::size_t> idx{0, 1, 2, 3};
  hb.gather(data, idx);
  REQUIRE_THROWS_WITH(lt.train_step(hb.x, hb.y, hb.n, optim::rmsprop::keras()), Catch::Matchers::Contains("no torch.optim equivalent"));
}

TEST_CASE("libtorch vs eigen_cpu: S1, 50 steps of SGD-momentum and of Adam on the same batches", "[libtorch][lockstep][s1]") {
  const auto data = s1_data(50 * 64);
  require_sgd(lockstep<models::FashionMnistCnn, models::fashion_mnist_input>("S1 SGD lr 0.01 momentum 0.9", data, 64, 50,
                                                                            optim::sgd{.lr = 0.01, .momentum = 0.9}));
  require_adam(lockstep<models::FashionMnistCnn, models::fashion_mnist_input>("S1 Adam lr 1e-3", data, 64, 50,
                                                                             optim::adam::pytorch(1e-3)));
}

TEST_CASE("libtorch vs eigen_cpu: S3 (dropout 0), 50 steps of SGD-momentum and of Adam on the same batches",
          "[libtorch][lockstep][s3]") {
  const auto data = s3_data(50 * 32);
  require_sgd(lockstep<S3NoDropout, models::cifar10_input>("S3 SGD lr 0.01 momentum 0.9", data, 32, 50,
                                                           optim::sgd{.lr = 0.01, .momentum = 0.9}));
  require_adam(lockstep<S3NoDropout, models::cifar10_input>("S3 Adam lr 1e-4", data, 32, 50, optim::adam::pytorch(1e-4)));
}

TEST_CASE("libtorch: bad input and unavailable devices are reported", "[libtorch][errors]") {
  network<Trainable, in> net;
  REQUIRE_THROWS_AS(prepare(exec::libtorch{.device = "cuda:0"}, net), device_error);
  REQUIRE_THROWS_AS(prepare(exec::libtorch{.device = "abacus"}, net), value_error);
  auto run = prepare(exec::libtorch{}, net);
  std::vector<float> x(2 * in.size(), 0.5f);
  std::vector<std::int32_t> y{0, 7};
  REQUIRE_THROWS_WITH(run.train_step(x, y, 2, optim::sgd{}), Catch::Matchers::Contains("label 7 of sample 1"));
  REQUIRE_THROWS_AS(run.forward(std::span<const float>(x).first(10), 2), shape_error);
  REQUIRE(exec::libtorch{}.label().rfind("PyTorch 1.13", 0) == 0);
}
