// cnnbench/exec/policy.hpp: execution policies, the runner protocol, and fit().
//
// A policy is a small value type named first in every call and deduced, as in
// std::for_each(std::execution::par, ...):
//   auto run = prepare(exec::eigen_cpu{.threads = 2}, net);   // allocate, load the weights (not timed)
//   float loss = run.train_step(x, y, n, optim::sgd{.lr = 0.01, .momentum = 0.9});
//   run.store_to(net);                                        // explicit transfer back
//   auto history = fit(exec::eigen_cpu{}, net, train, optim::adam{}, {.epochs = 5, .batch_size = 64});
// The model type never depends on the policy: one binary runs one network under every policy.
//
// A policy P opts in with `template <> inline constexpr bool enable_execution_policy<P> = true;` and
// provides `prepare(const P&, const network<Net, In>&)` returning a runner with:
//   load_from(net), store_to(net)                      weight transfers (explicit, timeable)
//   forward(x, n) -> span<const float>                 inference logits, host memory
//   train_step<Loss>(x, y, n, optimizer) -> float      one step; returns the batch's mean loss
//   evaluate<Loss>(x, y, n) -> batch_eval              inference loss sum and correct count
// with x: n * In.size() floats NCHW in host memory, y: n int32 labels.
#pragma once
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "../data/batches.hpp"
#include "../data/dataset.hpp"
#include "../error.hpp"
#include "../loss.hpp"
#include "../network.hpp"
#include "../summary.hpp"
#include "../optim.hpp"

namespace cnnbench {

/// Loss and correct predictions summed over a batch (runner.evaluate).
struct batch_eval {
  double loss_sum = 0;      ///< sum of per-sample losses
  std::size_t correct = 0;  ///< samples whose prediction equals the label
  std::size_t count = 0;    ///< samples
};

namespace detail {
/// Every runner's input check: n > 0 samples of shape In, n * In.size() floats. Throws shape_error.
template <shape In>
void check_batch(std::span<const float> x, std::size_t n) {
  if (n == 0) throw shape_error("empty batch (n = 0)");
  if (x.size() != n * In.size())
    throw shape_error("input has " + std::to_string(x.size()) + " floats, expected n * C * H * W = " + std::to_string(n) +
                      " * " + std::to_string(In.size()) + " = " + std::to_string(n * In.size()) + " for input shape " +
                      to_string(In));
}
/// Every runner's label check: n labels, each valid for Loss on a model with `outputs` outputs.
/// Throws shape_error (count) or value_error (a label, naming it and its sample).
template <class Loss>
void check_labels(std::span<const std::int32_t> y, std::size_t n, std::size_t outputs) {
  if (y.size() != n) throw shape_error(std::to_string(y.size()) + " labels for a batch of " + std::to_string(n) + " samples");
  const auto classes = static_cast<std::int32_t>(Loss::label_count(outputs));
  for (std::size_t i = 0; i < n; ++i)
    if (y[i] < 0 || y[i] >= classes)
      throw value_error("label " + std::to_string(y[i]) + " of sample " + std::to_string(i) + " is outside [0, " +
                        std::to_string(classes) + ") for " + std::string(Loss::name));
}
}  // namespace detail

/// Opt-in trait (std::ranges::enable_view style): true for every execution policy type.
template <class P>
inline constexpr bool enable_execution_policy = false;

template <class P>
concept execution_policy = enable_execution_policy<std::remove_cvref_t<P>>;

/// Statistics of one epoch of fit().
struct epoch_stats {
  std::size_t epoch = 0;          ///< 1-based
  double train_loss = 0;          ///< mean of the step losses (training mode, before each update)
  double train_accuracy = 0;      ///< inference accuracy on the training set after the epoch (if evaluated), else NaN
  double test_loss = NAN;         ///< inference loss on the validation set after the epoch, NaN without one
  double test_accuracy = NAN;
  double train_seconds = 0;       ///< wall time of the epoch's training loop only (batch gathering included)
  std::size_t images = 0;         ///< images trained on in this epoch
  double images_per_second() const { return train_seconds > 0 ? static_cast<double>(images) / train_seconds : 0.0; }
};

/// Progress of one training step, for progress lines.
struct step_progress {
  std::size_t epoch = 0, batch = 0, batches = 0;  ///< 1-based epoch and batch, batches per epoch
  double loss = 0;                                ///< this step's loss
  double epoch_seconds = 0;                       ///< training time so far in this epoch
  std::size_t epoch_images = 0;                   ///< images so far in this epoch
};

/// Options of fit().
struct fit_options {
  std::size_t epochs = 1;
  std::size_t batch_size = 32;
  std::uint64_t seed = 0;          ///< batch order (see batch_order)
  bool shuffle = true;
  bool drop_last = false;
  const dataset* validation = nullptr;  ///< evaluated after each epoch (not timed)
  bool evaluate_train = false;          ///< also evaluate the training set after each epoch (not timed)
  std::size_t eval_batch_size = 500;
  std::function<void(const step_progress&)> on_step{}; ///< called after every step (inside the timed loop)
  std::function<void(const epoch_stats&)> on_epoch{}; ///< called after every epoch
};

/// Inference loss and accuracy of a prepared runner over a whole dataset.
template <class Loss = loss::softmax_cross_entropy, class Runner>
batch_eval evaluate(Runner& run, const dataset& data, std::size_t batch_size = 500) {
  batch_order order(data.size(), batch_size, 0, /*shuffle=*/false);
  const auto idx = order.epoch(0);
  host_batch hb;
  batch_eval total;
  for (std::size_t b = 0; b < order.batches_per_epoch(); ++b) {
    hb.gather(data, order.batch(idx, b));
    const batch_eval e = run.template evaluate<Loss>(hb.x, hb.y, hb.n);
    total.loss_sum += e.loss_sum;
    total.correct += e.correct;
    total.count += e.count;
  }
  return total;
}

/// Trains `net` on `train` with policy `p` and optimizer `opt`; the trained weights are stored back
/// into `net`. Throws diverged_error (naming the epoch, batch and loss) when a step's loss is NaN or
/// infinite, after storing the weights reached so far.
template <class Loss = loss::softmax_cross_entropy, execution_policy P, class Net, shape In, optimizer Opt>
std::vector<epoch_stats> fit(const P& p, network<Net, In>& net, const dataset& train, const Opt& opt,
                             const fit_options& o = {}) {
  if (train.sample_shape != In)
    throw shape_error(train.name + ": samples of shape " + to_string(train.sample_shape) + ", the model takes " + to_string(In));
  if (o.validation && o.validation->sample_shape != In)
    throw shape_error(o.validation->name + ": samples of shape " + to_string(o.validation->sample_shape) +
                      ", the model takes " + to_string(In));
  opt.validate();
  auto run = prepare(p, net);
  batch_order order(train.size(), o.batch_size, o.seed, o.shuffle, o.drop_last);
  std::vector<epoch_stats> history;
  host_batch hb;
  using clock = std::chrono::steady_clock;
  for (std::size_t e = 0; e < o.epochs; ++e) {
    epoch_stats st;
    st.epoch = e + 1;
    const auto idx = order.epoch(e);
    const auto t0 = clock::now();
    double loss_sum = 0;
    for (std::size_t b = 0; b < order.batches_per_epoch(); ++b) {
      hb.gather(train, order.batch(idx, b));
      const float loss = run.template train_step<Loss>(hb.x, hb.y, hb.n, opt);
      if (!std::isfinite(loss)) {
        run.store_to(net);
        throw diverged_error("loss " + std::to_string(loss) + " at epoch " + std::to_string(e + 1) + ", batch " +
                             std::to_string(b + 1) + " of " + std::to_string(order.batches_per_epoch()));
      }
      loss_sum += loss;
      st.images += hb.n;
      if (o.on_step)
        o.on_step({e + 1, b + 1, order.batches_per_epoch(), loss,
                   std::chrono::duration<double>(clock::now() - t0).count(), st.images});
    }
    st.train_seconds = std::chrono::duration<double>(clock::now() - t0).count();
    st.train_loss = loss_sum / static_cast<double>(order.batches_per_epoch());
    st.train_accuracy = NAN;
    if (o.evaluate_train) {
      const auto r = evaluate<Loss>(run, train, o.eval_batch_size);
      st.train_accuracy = static_cast<double>(r.correct) / static_cast<double>(r.count);
    }
    if (o.validation) {
      const auto r = evaluate<Loss>(run, *o.validation, o.eval_batch_size);
      st.test_loss = r.loss_sum / static_cast<double>(r.count);
      st.test_accuracy = static_cast<double>(r.correct) / static_cast<double>(r.count);
    }
    history.push_back(st);
    if (o.on_epoch) o.on_epoch(st);
  }
  run.store_to(net);
  return history;
}

}  // namespace cnnbench
