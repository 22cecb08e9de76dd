// cnnbench/exec/policy.hpp: the one training loop (train_epoch), the one whole-set evaluation
// (evaluate), and fit(), which composes them with a policy's runner.
//
// A policy is a small value type named first in every call and deduced, as in
// std::for_each(std::execution::par, ...):
//   auto run = prepare(exec::eigen_cpu{.threads = 2}, net);   // allocate, load the weights (not timed)
//   float loss = run.train_step(x, y, n, optim::sgd{.lr = 0.01, .momentum = 0.9});
//   run.store_to(net);                                        // explicit transfer back
//   auto history = fit(exec::eigen_cpu{}, net, train, optim::adam{}, {.epochs = 5, .batch_size = 64});
// The model type never depends on the policy: one binary runs one network under every policy. The
// runner protocol is the concept cnnbench::runner_for in exec/runner.hpp.
//
// train_epoch and evaluate are what both fit() and the benchmark harness (bench/trials.hpp) run, so
// a protocol's numbers and a user's fit() are computed by the same code.
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

#include "../data/augment.hpp"
#include "../data/batches.hpp"
#include "../data/dataset.hpp"
#include "../error.hpp"
#include "../loss.hpp"
#include "../network.hpp"
#include "../optim.hpp"
#include "runner.hpp"

namespace cnnbench {

/// The record of one epoch: fit()'s history and the harness's per-trial records.
/// Units: losses are means per sample, accuracies fractions, times seconds.
struct epoch_record {
  std::size_t epoch = 0;          ///< 1-based
  double train_loss = NAN;        ///< mean of the epoch's step losses (training mode, each before its update)
  double train_accuracy = NAN;    ///< inference accuracy on the training set after the epoch, when measured
  double test_loss = NAN;         ///< inference loss on the validation / test set after the epoch, when there is one
  double test_accuracy = NAN;
  std::size_t test_images = 0;    ///< test images scored (fewer than the set under eval_rule::complete_batches)
  double train_seconds = 0;       ///< wall time of the epoch's training loop only (batch gathering included);
                                  ///< for a policy in another process, the time of its own step calls
  double round_trip_seconds = NAN;  ///< a policy in another process: the loop as cnnbench timed it, transfers
                                    ///< included (NaN for in-process policies)
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

/// Which samples a whole-set evaluation scores.
///   all_samples       every sample; the last batch may be smaller (the usual rule)
///   complete_batches  complete batches only, as the Rosetta Stone write-up did (9,984 of 10,000 test
///                     images at batch 64); the count scored is in batch_eval::count
enum class eval_rule { all_samples, complete_batches };

/// What train_epoch returns besides the record: an empty string, or why the epoch stopped early
/// ("loss nan at epoch 3, batch 17 of 938"): a NaN or infinite loss ends the epoch at that step.
struct epoch_outcome {
  epoch_record record;
  std::string diverged;
};

/// THE training loop of one epoch (0-based `epoch`) over `data`, normalised with `norm`, in the batches
/// of `order`: step(batch) trains on one host_batch and returns its loss. Times the loop only (batch
/// gathering and augmentation included, as the write-ups' data loaders were). on_step, if set, is
/// called after every step (inside the timed loop). With an active `augment`, each sample is augmented
/// as data/augment.hpp defines, keyed by (augment_seed, epoch, its index in `data`): every policy and
/// thread count sees the same augmented batches.
template <class Step>
epoch_outcome train_epoch(const dataset& data, normalization norm, const batch_order& order, std::size_t epoch, Step&& step,
                          const std::function<void(const step_progress&)>& on_step = {}, const augmentation& augment = {},
                          std::uint64_t augment_seed = 0) {
  using clock = std::chrono::steady_clock;
  epoch_outcome out;
  epoch_record& r = out.record;
  r.epoch = epoch + 1;
  const auto idx = order.epoch(epoch);
  host_batch hb;
  double loss_sum = 0;
  std::size_t steps = 0;
  const auto t0 = clock::now();
  for (std::size_t b = 0; b < order.batches_per_epoch(); ++b) {
    if (augment.active())
      gather_augmented(hb, data, order.batch(idx, b), norm, augment, augment_seed, epoch);
    else
      hb.gather(data, order.batch(idx, b), norm);
    const float loss = step(static_cast<const host_batch&>(hb));
    r.images += hb.n;
    if (!std::isfinite(loss)) {
      out.diverged = "loss " + std::to_string(loss) + " at epoch " + std::to_string(epoch + 1) + ", batch " +
                     std::to_string(b + 1) + " of " + std::to_string(order.batches_per_epoch());
      break;
    }
    loss_sum += loss;
    ++steps;
    if (on_step)
      on_step({epoch + 1, b + 1, order.batches_per_epoch(), loss, std::chrono::duration<double>(clock::now() - t0).count(),
               r.images});
  }
  r.train_seconds = std::chrono::duration<double>(clock::now() - t0).count();
  r.train_loss = steps ? loss_sum / static_cast<double>(steps) : NAN;
  return out;
}

/// THE whole-set evaluation: eval(batch) -> batch_eval over `data` normalised with `norm`, in order,
/// in batches of `batch_size`, under `rule`. Throws value_error when the rule leaves no batch.
template <class Eval>
batch_eval evaluate_batches(const dataset& data, normalization norm, std::size_t batch_size, eval_rule rule, Eval&& eval) {
  const batch_order order(data.size(), batch_size, 0, /*shuffle=*/false, rule == eval_rule::complete_batches);
  const auto idx = order.epoch(0);
  host_batch hb;
  batch_eval total;
  for (std::size_t b = 0; b < order.batches_per_epoch(); ++b) {
    hb.gather(data, order.batch(idx, b), norm);
    total += eval(static_cast<const host_batch&>(hb));
  }
  return total;
}

/// Inference loss and accuracy of a prepared runner over a whole dataset (its own normalisation).
template <class Loss = loss::softmax_cross_entropy, class Runner>
batch_eval evaluate(Runner& run, const dataset& data, std::size_t batch_size = 500, eval_rule rule = eval_rule::all_samples) {
  return evaluate_batches(data, data.norm, batch_size, rule,
                          [&](const host_batch& hb) { return run.template evaluate<Loss>(hb.x, hb.y, hb.n); });
}

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
  eval_rule eval = eval_rule::all_samples;
  augmentation augment{};               ///< training augmentation (data/augment.hpp), keyed by `seed`
  std::function<void(const step_progress&)> on_step{}; ///< called after every step (inside the timed loop)
  std::function<void(const epoch_record&)> on_epoch{}; ///< called after every epoch
};

/// Trains `net` on `train` with policy `p` and optimizer `opt`; the trained weights are stored back
/// into `net`. Datasets are normalised with their own `norm`. Throws shape_error when a dataset's
/// samples do not fit the model, value_error for invalid hyper-parameters, and diverged_error (naming
/// the epoch, batch and loss) when a step's loss is NaN or infinite, after storing the weights
/// reached so far.
template <class Loss = loss::softmax_cross_entropy, execution_policy P, class Net, shape In, optimizer Opt>
std::vector<epoch_record> fit(const P& p, network<Net, In>& net, const dataset& train, const Opt& opt,
                              const fit_options& o = {}) {
  if (train.sample_shape != In)
    throw shape_error(train.name + ": samples of shape " + to_string(train.sample_shape) + ", the model takes " + to_string(In));
  if (o.validation && o.validation->sample_shape != In)
    throw shape_error(o.validation->name + ": samples of shape " + to_string(o.validation->sample_shape) +
                      ", the model takes " + to_string(In));
  opt.check();
  auto run = prepare(p, net);
  const batch_order order(train.size(), o.batch_size, o.seed, o.shuffle, o.drop_last);
  std::vector<epoch_record> history;
  for (std::size_t e = 0; e < o.epochs; ++e) {
    auto [r, diverged] = train_epoch(
        train, train.norm, order, e,
        [&](const host_batch& hb) { return run.template train_step<Loss>(hb.x, hb.y, hb.n, opt); }, o.on_step, o.augment,
        o.seed);
    if (!diverged.empty()) {
      run.store_to(net);
      throw diverged_error(diverged);
    }
    if (o.evaluate_train) r.train_accuracy = evaluate<Loss>(run, train, o.eval_batch_size, o.eval).accuracy();
    if (o.validation) {
      const auto v = evaluate<Loss>(run, *o.validation, o.eval_batch_size, o.eval);
      r.test_loss = v.mean_loss();
      r.test_accuracy = v.accuracy();
      r.test_images = v.count;
    }
    history.push_back(r);
    if (o.on_epoch) o.on_epoch(r);
  }
  run.store_to(net);
  return history;
}

}  // namespace cnnbench
