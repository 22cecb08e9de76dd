// cnnbench/bench/protocol.hpp: what a benchmark run is: a published protocol, its arms and its
// published table.
//
// A protocol fixes everything a comparison depends on: the model (by id; the type lives in the
// program), data and normalisation (applied by the harness to every batch), the loss, the
// evaluation rule, initialisation, batch size, epochs, trials and seeds, the batch order, and one
// or more "arms" (an optimizer configuration each: a write-up that used different
// optimizers per framework becomes one arm per optimizer). Every policy runs every arm and trial from
// the same initial weights and through the same batches. `published` holds the write-up's own table
// (figures on their authors' hardware), printed beside ours; `notes` records what the write-up left
// unstated and what we chose.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "../data/dataset.hpp"
#include "../detail/type_list.hpp"
#include "../error.hpp"
#include "../exec/policy.hpp"
#include "../init.hpp"
#include "../loss.hpp"
#include "../optim.hpp"

namespace cnnbench::bench {

namespace detail {
template <class List>
struct variant_of;
template <class... Ts>
struct variant_of<cnnbench::detail::type_list<Ts...>> {
  using type = std::variant<Ts...>;
};
}  // namespace detail

/// Any of the optimizers of optim::all, chosen at run time.
using optimizer_config = typename detail::variant_of<optim::all>::type;
/// Any of the losses of loss::all, chosen at run time.
using loss_config = typename detail::variant_of<loss::all>::type;

/// "Adam lr 0.001 betas 0.9/0.999 eps 1e-08", "SGD lr 0.1 momentum 0.9 weight decay 1e-06", ...
inline std::string describe(const optimizer_config& o) {
  return std::visit([](const auto& opt) { return opt.describe(); }, o);
}
/// The loss's name, "softmax_cross_entropy".
inline std::string describe(const loss_config& l) {
  return std::visit([](const auto& loss) { return std::string(std::decay_t<decltype(loss)>::name); }, l);
}

/// Every command-line optimizer name (the presets of every optimizer in optim::all):
/// "sgd", "adam", "adam-keras", "rmsprop", "rmsprop-keras", "rmsprop-keras2".
inline std::vector<std::string> optimizer_names() {
  std::vector<std::string> names;
  cnnbench::detail::for_each_type(optim::all{}, [&](auto, auto tag) {
    for (auto n : decltype(tag)::type::presets) names.emplace_back(n);
  });
  return names;
}
/// The optimizer a command line names (one of optimizer_names()), with learning rate `lr` and
/// momentum `momentum` where given (lr <= 0, momentum < 0: the preset's). Throws value_error for an
/// unknown name, listing the known ones.
inline optimizer_config parse_optimizer(std::string_view name, double lr = 0, double momentum = -1) {
  std::optional<optimizer_config> found;
  cnnbench::detail::for_each_type(optim::all{}, [&](auto, auto tag) {
    using O = typename decltype(tag)::type;
    for (auto n : O::presets)
      if (!found && n == name) found = O::preset(name, lr, momentum);
  });
  if (!found) {
    std::string known;
    for (const auto& n : optimizer_names()) known += (known.empty() ? "" : ", ") + n;
    throw value_error("unknown optimizer '" + std::string(name) + "' (known: " + known + ")");
  }
  return *found;
}

/// One optimizer configuration of a protocol.
/// An arm may also change the initialisation or the normalisation (the TF-vs-MXNet write-up compared
/// Glorot-normal with Glorot-uniform, raw pixels with x/255); unset, the protocol's apply.
struct arm {
  std::string label;          ///< shown in the tables, e.g. "Adam 1e-4 (as Flux, TensorFlow)"
  optimizer_config optimizer;
  std::optional<init_scheme> init{};
  std::optional<normalization> norm{};
};

/// One row of a write-up's own results table.
struct published_row {
  std::string platform;          ///< "PyTorch"
  std::string optimizer;         ///< as published, "SGD lr 0.1 momentum 0.9"
  double accuracy_mean = 0;      ///< test accuracy, fraction
  double accuracy_std = NAN;     ///< NaN: not reported (one trial)
  double train_seconds = NAN;    ///< per trial, as the write-up reports it (NaN: not reported)
  std::string trials;            ///< "10", "5*"
  std::string hardware;          ///< "RTX 2070 Max-Q (GPU)"
  double images_per_second = NAN;  ///< as the write-up counted them, when it reports them
};

struct protocol {
  std::string name;            ///< "quick", "published"
  std::string title;           ///< one line
  std::string model;           ///< model id, e.g. "s1" (models::FashionMnistCnn)
  std::size_t epochs = 1;
  std::size_t trials = 1;
  std::size_t batch_size = 64;
  std::uint64_t seed = 1;      ///< trial t (0-based) uses seed + t for its initial weights and batch order
  init_scheme init = init_scheme::glorot_uniform;
  normalization norm = normalization::unit;   ///< applied by the harness to every batch it gathers
                                              ///< (mean_std: with the dataset's per-channel values)
  loss_config loss = loss::softmax_cross_entropy{};
  eval_rule eval = eval_rule::all_samples;   ///< which test samples are scored
  augmentation augment{};                    ///< training augmentation, keyed by each trial's seed
  bool shuffle = true;
  bool drop_last = false;
  std::size_t train_samples = 0;  ///< 0 = the whole training set, else its first n images
  bool evaluate_train = false;    ///< also measure training-set accuracy after each epoch (not timed)
  std::vector<arm> arms;
  std::size_t counted_images_per_epoch = 0;  ///< when the write-up counted images/s from another count (S3: 2,400)
  std::vector<published_row> published;
  std::string published_source;  ///< where the published table comes from
  std::vector<std::string> notes;
};

/// What a protocol family's loader returns: the training and test sets, and what the report must say
/// about them (subsets, conversions, leaks).
struct data_split {
  dataset train, test;
  std::vector<std::string> notes;  ///< e.g. "CIFAR-10: the real subset of 5,085 / 1,017 images, not the full set"
};

/// Options of a family's loader that come from the command line.
struct load_options {
  bool synthetic = false;      ///< --synthetic: seeded random images of the full published size (timing only)
  std::size_t per_class = 0;   ///< --per-class N: at most N images per class (image folders; 0 = all)
};

}  // namespace cnnbench::bench
