// cnnbench/bench/protocols/s5.hpp: S5, cats vs dogs at 224x224 ("Pytorch vs TensorFlow", in Finnish):
// models::s5 = models::CatsVsDogsCnn (two logits, softmax cross-entropy) and models::s5_binary =
// models::CatsVsDogsCnnBinary (one logit, binary cross-entropy: Keras' Dense(1, sigmoid)).
//
// As the write-up: images resized to 224x224x3 (Pillow's bilinear filter, data/image.hpp), no
// normalisation of the statistics (pixels x/255), training augmentation random horizontal flip p = 0.5
// and random rotation +-30 degrees (torchvision's RandomHorizontalFlip / RandomRotation, bilinear, zero
// fill), three conv blocks 32 / 64 / 128, Adam lr 1e-3, 6 epochs; train and validation loss and
// accuracy per epoch. Unstated there and chosen here: the head (Dense 128 -> ReLU -> Dense 2 or 1),
// batch 32, Glorot-uniform weights (Keras' default), the real subset available offline (1,000 + 1,000
// training and 250 + 250 validation photos, Kaggle "Dogs vs. Cats").
//   cats_vs_dogs_quick()      2 epochs x 1 trial on at most 300 training photos per class
//   cats_vs_dogs_published()  6 epochs x 1 trial on every photo of the folders
#pragma once
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "../../data/image_folder.hpp"
#include "../../error.hpp"
#include "../../models/published.hpp"
#include "../protocol.hpp"

namespace cnnbench::bench {

namespace detail {
inline protocol s5_protocol(std::string name, std::string title, std::string model, loss_config loss) {
  protocol p;
  p.name = std::move(name);
  p.title = std::move(title);
  p.model = std::move(model);
  p.batch_size = 32;
  p.seed = 1;
  p.init = init_scheme::glorot_uniform;
  p.norm = normalization::unit;
  p.loss = loss;
  p.augment = {.hflip = true, .rotate_degrees = 30};
  p.evaluate_train = true;
  p.arms = {{"Adam 1e-3", optim::adam::pytorch(1e-3)}};
  p.published_source = "the write-up's comparison (GPU; training time per epoch, validation accuracy after 6 epochs)";
  p.published = {
      {"PyTorch", "Adam 1e-3", 0.762, NAN, 6 * 3.5 * 60, "1", "GPU (CUDA)"},
      {"TensorFlow (did not learn)", "Adam 1e-3", 0.499, NAN, 6 * 4.1 * 60, "1", "GPU (CUDA)"},
  };
  p.notes = {
      "As the write-up: 224x224 inputs, random horizontal flip (p = 0.5) and random rotation +-30 degrees during "
      "training, three conv blocks of 32 / 64 / 128 filters, Adam 1e-3, 6 epochs (published protocol).",
      "Unstated in the write-up, chosen here: the head (Flatten -> Dense 128 -> ReLU -> Dense 2, or Dense 1 with binary "
      "cross-entropy), batch 32, Glorot-uniform weights, pixels x/255, Pillow's bilinear resize; its data set was not "
      "published: we train on the real Kaggle subset available (see the data note).",
      "Train accuracy is measured after each epoch in inference mode on the un-augmented training images.",
  };
  return p;
}
}  // namespace detail

inline protocol cats_vs_dogs_quick(const std::string& model = "s5", loss_config loss = loss::softmax_cross_entropy{}) {
  protocol p = detail::s5_protocol("quick", "Cats vs dogs at 224x224 (S5), quick protocol", model, loss);
  p.epochs = 2;
  p.trials = 1;
  p.notes.insert(p.notes.begin(),
                 "The quick protocol is ours: 2 epochs on at most 300 training photos per class (--per-class 0 for all).");
  return p;
}
inline protocol cats_vs_dogs_published(const std::string& model = "s5", loss_config loss = loss::softmax_cross_entropy{}) {
  protocol p = detail::s5_protocol("published", "Cats vs dogs at 224x224 (S5), the write-up's protocol", model, loss);
  p.epochs = 6;
  p.trials = 1;
  return p;
}

namespace protocols {

/// S5 with two logits and softmax cross-entropy (examples/cats_vs_dogs.cpp).
struct s5 {
  using model = models::s5;
  static constexpr std::string_view program = "cats_vs_dogs";
  static constexpr std::string_view title =
      "Cats vs dogs at 224x224 (S5): three conv blocks, flips and rotations, cnnbench's policies beside the write-up";
  static constexpr std::string_view source =
      "\"Pytorch vs TensorFlow\" (in Finnish): cats vs dogs at 224x224, Adam 1e-3, 6 epochs on a GPU (PyTorch 3.5 min "
      "per epoch and 0.762 validation accuracy; TensorFlow 4.1 min and 0.499)";
  static constexpr std::string_view data_help =
      "a folder holding train/ and val/, each with one sub-folder of JPEG or PNG images per class (cat/, dog/)";
  static std::filesystem::path default_data() { return {}; }
  static std::vector<protocol> protocols() {
    return {cats_vs_dogs_quick("s5", loss::softmax_cross_entropy{}), cats_vs_dogs_published("s5", loss::softmax_cross_entropy{})};
  }

  /// dir/train and dir/val as image folders resized to 224x224; the quick protocol takes at most 300
  /// training photos per class unless --per-class says otherwise. Throws io_error / data_error naming
  /// the folder or file (bad image, empty class, one class only, ...).
  static data_split load(const std::filesystem::path& dir, const protocol& p, const load_options& o) {
    data_split d;
    image_folder_options train_opt;
    train_opt.max_per_class = o.per_class ? o.per_class : (p.name == "quick" ? 300 : 0);
    train_opt.threads = 0;
    image_folder_options val_opt;
    val_opt.max_per_class = o.per_class;
    val_opt.threads = 0;
    image_folder_report tr, va;
    d.train = read_image_folder(dir / "train", model::input, train_opt, &tr);
    d.test = read_image_folder(dir / "val", model::input, val_opt, &va);
    if (d.train.classes != 2)
      throw data_error((dir / "train").string() + ": " + std::to_string(d.train.classes) +
                       " class folders; the cats-vs-dogs models have two outputs (cat, dog)");
    if (d.train.class_names != d.test.class_names)
      throw data_error((dir / "val").string() + ": its classes differ from " + (dir / "train").string() + "'s");
    d.notes.push_back("Images: " + std::to_string(d.train.size()) + " training photos from " + (dir / "train").string() +
                      " and " + std::to_string(d.test.size()) + " validation photos from " + (dir / "val").string() +
                      ", resized to 224x224 once and kept in memory as uint8.");
    for (const auto* r : {&tr, &va})
      for (const auto& c : r->conversions) d.notes.push_back("Converted: " + c.what());
    return d;
  }
};

/// S5 with one logit and binary cross-entropy (examples/cats_vs_dogs_binary.cpp).
struct s5_binary : s5 {
  using model = models::s5_binary;
  static constexpr std::string_view program = "cats_vs_dogs_binary";
  static constexpr std::string_view title =
      "Cats vs dogs at 224x224 (S5), one-logit head with binary cross-entropy (Keras' Dense(1, sigmoid))";
  static std::vector<protocol> protocols() {
    return {cats_vs_dogs_quick("s5-binary", loss::binary_cross_entropy{}),
            cats_vs_dogs_published("s5-binary", loss::binary_cross_entropy{})};
  }
};

}  // namespace protocols
}  // namespace cnnbench::bench
