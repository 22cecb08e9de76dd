// cnnbench/bench/protocol.hpp: what a benchmark run is: a published protocol, its arms and its
// published table.
//
// A protocol fixes everything a comparison depends on: the model (by id; the type lives in the
// program), data and normalisation, initialisation, batch size, epochs, trials and seeds, the batch
// order, and one or more "arms" (an optimizer configuration each: a write-up that used different
// optimizers per framework becomes one arm per optimizer). Every policy runs every arm and trial from
// the same initial weights and through the same batches. `published` holds the write-up's own table
// (figures on their authors' hardware), printed beside ours; `notes` records what the write-up left
// unstated and what we chose.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "../data/dataset.hpp"
#include "../init.hpp"
#include "../optim.hpp"

namespace cnnbench::bench {

/// Any of the optimizers, chosen at run time.
using optimizer_config = std::variant<optim::sgd, optim::adam, optim::rmsprop>;

/// "Adam lr 0.001 (PyTorch eps)", "SGD lr 0.1 momentum 0.9 weight decay 1e-06", ...
std::string describe(const optimizer_config& o);

/// One optimizer configuration of a protocol.
struct arm {
  std::string label;          ///< shown in the tables, e.g. "Adam 1e-4 (as Flux, TensorFlow)"
  optimizer_config optimizer;
};

/// One row of a write-up's own results table.
struct published_row {
  std::string platform;          ///< "PyTorch"
  std::string optimizer;         ///< as published, "SGD lr 0.1 momentum 0.9"
  double accuracy_mean = 0;      ///< test accuracy, fraction
  double accuracy_std = 0;
  double train_seconds = 0;      ///< per trial, as the write-up reports it
  std::string trials;            ///< "10", "5*"
  std::string hardware;          ///< "RTX 2070 Max-Q (GPU)"
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
  normalization norm = normalization::unit;
  bool shuffle = true;
  bool drop_last = false;
  std::size_t train_samples = 0;  ///< 0 = the whole training set, else its first n images
  bool evaluate_train = false;    ///< also measure training-set accuracy after each epoch (not timed)
  std::vector<arm> arms;
  std::vector<published_row> published;
  std::string published_source;  ///< where the published table comes from
  std::vector<std::string> notes;
};

inline std::string describe(const optimizer_config& o) {
  auto num = [](double v) {
    std::string s = std::to_string(v);
    if (v != 0 && (v < 1e-3 || v >= 1e6)) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", v);
      return std::string(buf);
    }
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  };
  struct visitor {
    decltype(num)& n;
    std::string operator()(const optim::sgd& s) const {
      std::string r = "SGD lr " + n(s.lr);
      if (s.momentum) r += " momentum " + n(s.momentum) + (s.nesterov ? " (Nesterov)" : "");
      if (s.weight_decay) r += " weight decay " + n(s.weight_decay);
      if (s.decay) r += " time decay " + n(s.decay);
      return r;
    }
    std::string operator()(const optim::adam& a) const {
      return "Adam lr " + n(a.lr) + " betas " + n(a.beta1) + "/" + n(a.beta2) + " eps " + n(a.eps) +
             (a.mode == optim::adam::epsilon_mode::keras ? " (Keras epsilon hat)" : "") +
             (a.weight_decay ? " weight decay " + n(a.weight_decay) : "");
    }
    std::string operator()(const optim::rmsprop& r) const {
      return "RMSprop lr " + n(r.lr) + " rho " + n(r.rho) + " eps " + n(r.eps) + (r.eps_inside_sqrt ? " (inside sqrt)" : "") +
             (r.momentum ? " momentum " + n(r.momentum) : "");
    }
  };
  return std::visit(visitor{num}, o);
}

}  // namespace cnnbench::bench
