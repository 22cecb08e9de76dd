// cnnbench/bench/protocols/s1.hpp: S1, the Fashion-MNIST CNN of "Comparison Flux, Pytorch and
// Tensorflow 2.0", model models::s1 (models::FashionMnistCnn, 1x28x28).
//
//   fashion_mnist_quick()      3 trials x 4 epochs, Adam 1e-3 (PyTorch defaults), batch 64, He-uniform,
//                              x/255: a few minutes on 2 CPU cores.
//   fashion_mnist_published()  the write-up's 200 epochs x 10 trials, with its optimizers as two arms:
//                              Adam 1e-4 (Flux, TensorFlow) and SGD 0.1, momentum 0.9, "decay 1e-6"
//                              (PyTorch; read as weight decay 1e-6, PyTorch's only decay). Batch size and
//                              normalisation are unstated there: ours are 64 and x/255. Init: each
//                              framework's default differs (PyTorch U(+-1/sqrt(fan_in)), Keras and Flux
//                              Glorot-uniform): we use Glorot-uniform for every arm, so that arms differ
//                              only in the optimizer.
//   protocols::s1              the family for bench::run_program (examples/fashion_mnist.cpp)
// Data: the Fashion-MNIST IDX files (60,000 / 10,000), Debian package dataset-fashion-mnist.
#pragma once
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../../data/idx.hpp"
#include "../../error.hpp"
#include "../../models/published.hpp"
#include "../protocol.hpp"

namespace cnnbench::bench {


namespace detail {
inline void add_s1_published(protocol& p) {
  p.published_source = "the write-up's table; PyTorch and TensorFlow on an RTX 2070 Max-Q GPU, Flux on an i7-9750H CPU";
  p.published = {
      {"Flux", "Adam lr 1e-4", 0.840, 0.0438, 4 * 3600 + 42 * 60 + 59, "5", "i7-9750H CPU"},
      {"PyTorch", "SGD lr 0.1 momentum 0.9 decay 1e-6", 0.889, 0.0355, 15 * 60 + 51, "10", "RTX 2070 Max-Q GPU"},
      {"TensorFlow", "Adam lr 1e-4", 0.825, 0.0250, 16 * 60 + 55, "10", "RTX 2070 Max-Q GPU"},
  };
}
/// What every S1 protocol shares: the model, batch 64, seeds from 1, pixels x/255, the published table.
inline protocol s1_protocol(std::string name, std::string title) {
  protocol p;
  p.name = std::move(name);
  p.title = std::move(title);
  p.model = "s1";
  p.batch_size = 64;
  p.seed = 1;
  p.norm = normalization::unit;
  add_s1_published(p);
  return p;
}
}  // namespace detail

inline protocol fashion_mnist_quick() {
  protocol p = detail::s1_protocol("quick", "Fashion-MNIST CNN (S1), quick protocol");
  p.epochs = 4;
  p.trials = 3;
  p.init = init_scheme::he_uniform;
  p.arms = {{"Adam 1e-3", optim::adam::pytorch(1e-3)}};
  p.notes = {
      "The quick protocol is ours: the write-up trained 200 epochs x 10 trials (run it with --protocol published).",
      "He-uniform initialisation (the standard for ReLU networks), pixels scaled to [0, 1], batch 64, "
      "sample-level shuffle per epoch from each trial's seed; the same initial weights and batches for every policy.",
      "The write-up's PyTorch code applied ReLU to the logits; the model here ends in plain logits.",
  };
  return p;
}

inline protocol fashion_mnist_published() {
  protocol p = detail::s1_protocol("published", "Fashion-MNIST CNN (S1), the write-up's protocol");
  p.epochs = 200;
  p.trials = 10;
  p.init = init_scheme::glorot_uniform;
  p.arms = {{"Adam 1e-4 (as Flux, TensorFlow)", optim::adam::pytorch(1e-4)},
            {"SGD 0.1, momentum 0.9, weight decay 1e-6 (as PyTorch)",
             optim::sgd{.lr = 0.1, .momentum = 0.9, .weight_decay = 1e-6}}};
  p.notes = {
      "200 epochs x 10 trials, as published, with the write-up's optimizers as two arms.",
      "Unstated in the write-up, chosen here: batch 64; pixels x/255; Glorot-uniform initialisation for both arms "
      "(Keras' and Flux's default; PyTorch's default differs), so the arms differ only in the optimizer; "
      "PyTorch's 'decay 1e-6' read as weight decay.",
      "The write-up's PyTorch code applied ReLU to the logits; the model here ends in plain logits.",
  };
  return p;
}

}  // namespace cnnbench::bench

namespace cnnbench::bench::protocols {

/// S1 as a program family (bench/program.hpp).
struct s1 {
  using model = models::s1;
  static constexpr std::string_view program = "fashion_mnist";
  static constexpr std::string_view title =
      "Fashion-MNIST CNN (S1): train with cnnbench's policies, compare with the published table";
  static constexpr std::string_view source =
      "\"Comparison Flux, Pytorch and Tensorflow 2.0\": Fashion-MNIST, 200 epochs x 10 trials (Flux on a CPU, PyTorch "
      "and TensorFlow on an RTX 2070 Max-Q)";
  static constexpr std::string_view data_help =
      "a folder holding train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and "
      "t10k-labels-idx1-ubyte.gz (apt-get install dataset-fashion-mnist puts them in /usr/share/datasets/fashion-mnist)";
  static std::filesystem::path default_data() { return "/usr/share/datasets/fashion-mnist"; }
  static std::vector<protocol> protocols() { return {fashion_mnist_quick(), fashion_mnist_published()}; }

  /// The 60,000 training and 10,000 test images. Throws io_error naming a missing file and how to get
  /// it; the IDX reader's io_error / data_error for a corrupt one.
  static data_split load(const std::filesystem::path& dir, const protocol&, const load_options&) {
    for (const char* f : {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                          "t10k-labels-idx1-ubyte.gz"})
      if (!std::filesystem::exists(dir / f))
        throw io_error("Fashion-MNIST not found: " + (dir / f).string() +
                       " does not exist.\n  Install it with the Debian package (apt-get install dataset-fashion-mnist, which "
                       "puts it in /usr/share/datasets/fashion-mnist), or pass --data DIR: " +
                       std::string(data_help) + ".");
    data_split d;
    d.train = read_idx_dataset(dir / "train-images-idx3-ubyte.gz", dir / "train-labels-idx1-ubyte.gz", 10, "Fashion-MNIST train");
    d.test = read_idx_dataset(dir / "t10k-images-idx3-ubyte.gz", dir / "t10k-labels-idx1-ubyte.gz", 10, "Fashion-MNIST test");
    return d;
  }
};

}  // namespace cnnbench::bench::protocols
