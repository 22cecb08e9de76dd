// cnnbench/bench/protocols/s4.hpp: S4, LeNet on MNIST ("Tensorflow-VS-MXNet-Benchmark"):
// models::s4 = models::LeNetTfMxnet (LeNet as coded there, 1x28x28, 60,170 parameters) and
// models::s4_classic = models::LeNet5 (the textbook LeNet-5 of "Dive into Deep Learning", 61,706).
//
// As the write-up: Adam lr 1e-3 (0.9, 0.999, 1e-8), batch 200, raw 0..255 pixels (it did not scale
// them), TensorFlow initialising with Glorot-normal and MXNet with Glorot(Xavier)-uniform. The arms
// are those two initialisations on raw pixels and, as ours, the same on x/255. Only 24,345 of MNIST's
// 60,000 training images are available offline (the first ones, in official order; see the data's
// SOURCE.md) and the full 10,000-image test set: the report says so.
//   lenet_quick()      the four arms, 2 epochs x 2 trials
//   lenet_published()  the four arms, 10 epochs (MXNet's count; TensorFlow ran 15) x 3 trials
#pragma once
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "../../data/idx.hpp"
#include "../../error.hpp"
#include "../../models/published.hpp"
#include "../protocol.hpp"

namespace cnnbench::bench {

namespace detail {
inline protocol s4_protocol(std::string name, std::string title, std::string model) {
  protocol p;
  p.name = std::move(name);
  p.title = std::move(title);
  p.model = std::move(model);
  p.batch_size = 200;
  p.seed = 42;  // the write-up's seed everywhere
  p.init = init_scheme::glorot_normal;
  p.norm = normalization::none;
  const auto adam = optim::adam::pytorch(1e-3);  // (0.9, 0.999, eps 1e-8 outside): TensorFlow's and MXNet's Adam alike
  p.arms = {
      {"Adam 1e-3, Glorot-normal, raw pixels (as TensorFlow)", adam, init_scheme::glorot_normal, normalization::none},
      {"Adam 1e-3, Glorot-uniform, raw pixels (as MXNet)", adam, init_scheme::glorot_uniform, normalization::none},
      {"Adam 1e-3, Glorot-normal, x/255", adam, init_scheme::glorot_normal, normalization::unit},
      {"Adam 1e-3, Glorot-uniform, x/255", adam, init_scheme::glorot_uniform, normalization::unit},
  };
  p.published_source = "the write-up's results (CPU; training times not given as a table)";
  p.published = {
      {"MXNet (Gluon)", "Adam 1e-3, Xavier-uniform, raw pixels", 0.9800, NAN, NAN, "1 (10 epochs)", "CPU"},
      {"TensorFlow", "Adam 1e-3, Glorot-normal, raw pixels", 0.9873, NAN, NAN, "1 (15 epochs)", "CPU"},
  };
  p.notes = {
      "As the write-up: Adam 1e-3, batch 200, seed 42, raw 0..255 pixels; TensorFlow's Glorot-normal and MXNet's "
      "Xavier-uniform initialisation as two arms, and the same two on pixels scaled to [0, 1] as ours.",
      "The write-up's own 48k/12k train/validation split cannot be reproduced offline: we train on the real MNIST "
      "training images available (see the data note) and score the official 10,000 test images.",
  };
  return p;
}
}  // namespace detail

inline protocol lenet_quick(const std::string& model = "s4") {
  protocol p = detail::s4_protocol("quick", "LeNet on MNIST (S4), quick protocol", model);
  p.epochs = 2;
  p.trials = 2;
  p.notes.insert(p.notes.begin(), "The quick protocol is ours: 2 epochs x 2 trials per arm.");
  return p;
}
inline protocol lenet_published(const std::string& model = "s4") {
  protocol p = detail::s4_protocol("published", "LeNet on MNIST (S4), the write-up's protocol", model);
  p.epochs = 10;
  p.trials = 3;
  return p;
}

namespace protocols {

namespace detail {
/// MNIST as available offline: the official test files and a training-image prefix (see SOURCE.md),
/// or the full official training files when a user has them.
inline data_split load_mnist(const std::filesystem::path& dir) {
  data_split d;
  const auto full = dir / "train-images-idx3-ubyte.gz";
  const auto subset = dir / "train-images-subset-idx3-ubyte.gz";
  if (std::filesystem::exists(full)) {
    d.train = read_idx_dataset(full, dir / "train-labels-idx1-ubyte.gz", 10, "MNIST train");
  } else if (std::filesystem::exists(subset)) {
    d.train = read_idx_dataset(subset, dir / "train-labels-subset-idx1-ubyte.gz", 10, "MNIST train (subset)");
  } else {
    throw io_error("MNIST not found: neither " + full.string() + " nor " + subset.string() +
                   " exists; pass --data DIR, a folder holding MNIST's IDX files");
  }
  d.test = read_idx_dataset(dir / "t10k-images-idx3-ubyte.gz", dir / "t10k-labels-idx1-ubyte.gz", 10, "MNIST test");
  if (d.train.size() < 60'000)
    d.notes.push_back("MNIST: " + std::to_string(d.train.size()) + " training images (the first ones of the official " +
                      "60,000, in order), not the full set; test: the official " + std::to_string(d.test.size()) + ".");
  return d;
}
}  // namespace detail

/// S4, LeNet as coded in the write-up (examples/mnist_lenet.cpp).
struct s4 {
  using model = models::s4;
  static constexpr std::string_view program = "mnist_lenet";
  static constexpr std::string_view title =
      "LeNet as coded in the TensorFlow-vs-MXNet comparison (S4) on MNIST: initialisations and pixel scales as arms";
  static constexpr std::string_view source =
      "\"Tensorflow-VS-MXNet-Benchmark\": LeNet on MNIST, Adam 1e-3, batch 200 (MXNet 98.00% after 10 epochs, "
      "TensorFlow 98.73% after 15)";
  static constexpr std::string_view data_help =
      "a folder holding MNIST's IDX files (t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz, and "
      "train-images-idx3-ubyte.gz + train-labels-idx1-ubyte.gz or their -subset- versions)";
  static std::filesystem::path default_data() { return {}; }
  static std::vector<protocol> protocols() { return {lenet_quick("s4"), lenet_published("s4")}; }
  static data_split load(const std::filesystem::path& dir, const protocol&, const load_options&) {
    return detail::load_mnist(dir);
  }
};

/// S4 with the textbook LeNet-5 (examples/mnist_lenet5.cpp).
struct s4_classic : s4 {
  using model = models::s4_classic;
  static constexpr std::string_view program = "mnist_lenet5";
  static constexpr std::string_view title =
      "Classic LeNet-5 (Dive into Deep Learning, the guide the S4 write-up cites) on MNIST, S4's protocol";
  static std::vector<protocol> protocols() { return {lenet_quick("s4-classic"), lenet_published("s4-classic")}; }
};

}  // namespace protocols
}  // namespace cnnbench::bench
