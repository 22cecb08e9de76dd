// cnnbench/bench/protocols/s2.hpp: S2, the VGG-style CIFAR-10 CNN of the "Rosetta Stone" of deep-learning
// frameworks (models::s2 = models::Cifar10VggRosetta, 3x32x32, 3,441,592 parameters).
//
// As the write-up's notebooks ran it: SGD lr 0.01, momentum 0.9 (classic), no weight decay, batch 64,
// 10 epochs, mean softmax cross-entropy, Glorot-uniform weights and zero biases, pixels x/255, one
// shared mini-batch iterator: sample-level shuffle each epoch, complete batches only (781 steps per
// epoch on 50,000 images), and the test set scored on complete batches too (9,984 of 10,000 images).
// Only the training loop is timed. Dropout off at test time.
//   rosetta_quick()      the same on the real CIFAR-10 subset available offline (5,085 / 1,017 images),
//                        2 epochs x 1 trial: a few minutes on 2 cores
//   rosetta_published()  10 epochs x 1 trial (the write-up ran each framework once)
// `--synthetic` trains on seeded random images of the full size (50,000 / 10,000) to time the published
// 10 epochs; its accuracy means nothing and the report says so.
#pragma once
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "../../data/cifar10.hpp"
#include "../../data/synthetic.hpp"
#include "../../error.hpp"
#include "../../models/published.hpp"
#include "../protocol.hpp"

namespace cnnbench::bench {

namespace detail {
inline protocol s2_protocol(std::string name, std::string title) {
  protocol p;
  p.name = std::move(name);
  p.title = std::move(title);
  p.model = "s2";
  p.batch_size = 64;
  p.seed = 1;
  p.init = init_scheme::glorot_uniform;
  p.norm = normalization::unit;
  p.shuffle = true;
  p.drop_last = true;
  p.eval = eval_rule::complete_batches;
  p.arms = {{"SGD 0.01, momentum 0.9", optim::sgd{.lr = 0.01, .momentum = 0.9}}};
  p.published_source = "the write-up's table (notebooks run on an Nvidia K80 GPU; one run per framework, 10 epochs)";
  const char* k80 = "K80 GPU";
  p.published = {
      {"Tensorflow 1.2.1", "SGD 0.01, momentum 0.9", 0.72, NAN, 300, "1", k80},
      {"CNTK 2.1", "SGD 0.01, momentum 0.9", 0.77, NAN, 168, "1", k80},
      {"MXNet 0.11.0", "SGD 0.01, momentum 0.9", 0.75, NAN, 153, "1", k80},
      {"PyTorch 0.2.0", "SGD 0.01, momentum 0.9", 0.73, NAN, 165, "1", k80},
      {"Chainer 2.0.2", "SGD 0.01, momentum 0.9", 0.78, NAN, 256, "1", k80},
      {"Keras 2.0.6 (TF)", "SGD 0.01, momentum 0.9", 0.77, NAN, 408, "1", k80},
      {"Keras 2.0.6 (CNTK)", "SGD 0.01, momentum 0.9", 0.76, NAN, 588, "1", k80},
      {"Caffe2", "SGD 0.01, momentum 0.9", 0.75, NAN, 312, "1", k80},
      {"Lasagne 0.2 (Theano 0.10)", "SGD 0.01, momentum 0.9", 0.73, NAN, 416, "1", k80},
  };
  p.notes = {
      "As the write-up: SGD 0.01 with classic momentum 0.9, batch 64, Glorot-uniform weights and zero biases, pixels "
      "x/255, sample-level shuffle each epoch, complete batches only for training and for the test set.",
      "The write-up reported accuracy only as a check that every framework ran the same model; its times include each "
      "framework's host-to-device copies on a K80 GPU and are not comparable with CPU times.",
  };
  return p;
}
}  // namespace detail

inline protocol rosetta_quick() {
  protocol p = detail::s2_protocol("quick", "CIFAR-10 VGG (S2, the Rosetta Stone), quick protocol");
  p.epochs = 2;
  p.trials = 1;
  p.notes.insert(p.notes.begin(), "The quick protocol is ours: 2 epochs instead of the write-up's 10 (--protocol published).");
  return p;
}
inline protocol rosetta_published() {
  protocol p = detail::s2_protocol("published", "CIFAR-10 VGG (S2, the Rosetta Stone), the write-up's protocol");
  p.epochs = 10;
  p.trials = 1;
  return p;
}

namespace protocols {

/// S2 as a program family (bench/program.hpp; examples/cifar10_vgg.cpp).
struct s2 {
  using model = models::s2;
  static constexpr std::string_view program = "cifar10_vgg";
  static constexpr std::string_view title =
      "CIFAR-10 VGG-style CNN (S2, the Rosetta Stone of deep-learning frameworks): cnnbench's policies beside the "
      "published table";
  static constexpr std::string_view source =
      "the \"Rosetta Stone\" of deep-learning frameworks: one VGG-style CNN on CIFAR-10 in eight frameworks, K80 GPU";
  static constexpr std::string_view data_help =
      "a folder holding CIFAR-10 in its binary format (data_batch_1.bin .. data_batch_5.bin, test_batch.bin, from "
      "cifar-10-binary.tar.gz); or --synthetic for seeded random images of the full size";
  static std::filesystem::path default_data() { return {}; }
  static std::vector<protocol> protocols() { return {rosetta_quick(), rosetta_published()}; }

  static data_split load(const std::filesystem::path& dir, const protocol& p, const load_options& o) {
    data_split d;
    if (o.synthetic) {
      d.train = synthetic_dataset(cifar10_sample_shape, 50'000, 10, p.seed, "synthetic CIFAR-10-sized train");
      d.test = synthetic_dataset(cifar10_sample_shape, 10'000, 10, p.seed + 1000, "synthetic CIFAR-10-sized test");
      d.notes.push_back("--synthetic: seeded random images of CIFAR-10's full size (50,000 / 10,000), for timing the "
                        "published epochs; the accuracy of such a run means nothing.");
      return d;
    }
    d.train = cifar10_train(dir);
    d.test = cifar10_test(dir);
    if (d.train.size() < 50'000 || d.test.size() < 10'000)
      d.notes.push_back("CIFAR-10: " + std::to_string(d.train.size()) + " training and " + std::to_string(d.test.size()) +
                        " test images from " + dir.string() + ", a real subset, not the full 50,000 / 10,000 (accuracy "
                        "is lower than on the full set; times per epoch scale with the count).");
    return d;
  }
};

}  // namespace protocols
}  // namespace cnnbench::bench
