// cnnbench/bench/trials.hpp: the trial runner: every arm x trial x policy of a protocol.
//
//   auto result = bench::run_trials<Net, In>(proto, train, test, policies, options);
//
// For each arm and trial t (seed = proto.seed + t): one initial network (proto.init, seed) and one
// batch order (seed, shuffle, drop_last); every policy starts from a copy of those weights and trains
// on the same batches in the same order, normalised with proto.norm, with proto.loss, through the
// library's one training loop (train_epoch) and evaluation (evaluate_batches, under proto.eval). After each epoch the test set is evaluated (not timed).
// Per policy and trial it records the epochs, the training-loop time, images/s, the peak host memory
// of that training run and the policy's peak device memory. A NaN/Inf loss ends that trial as
// "diverged" and the run goes on; a policy that cannot run here (no GPU) is recorded as "skipped".
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "../data/batches.hpp"
#include "../data/dataset.hpp"
#include "../error.hpp"
#include "../exec/policy.hpp"
#include "../network.hpp"
#include "metrics.hpp"
#include "progress.hpp"
#include "protocol.hpp"
#include "results.hpp"
#include "trainer.hpp"

namespace cnnbench::bench {

struct run_options {
  policy_options policy;             ///< threads, seed, device
  bool quiet = false;                ///< no progress line
  std::size_t eval_batch_size = 0;   ///< 0: the protocol's batch size (keeps the runner's buffers as sized for training)
  /// Called after each trial of each policy (e.g. to print a line).
  std::function<void(const trial_record&)> on_trial{};
};

template <class Net, shape In>
run_result run_trials(const protocol& proto, const dataset& train_full, const dataset& test,
                      const std::vector<const policy_entry<Net, In>*>& policies, const run_options& o = {}) {
  if (proto.arms.empty()) throw value_error("protocol '" + proto.name + "' has no optimizer arm");
  if (proto.trials == 0 || proto.epochs == 0) throw value_error("protocol '" + proto.name + "' needs trials >= 1 and epochs >= 1");
  for (const auto* d : {&train_full, &test})
    if (d->sample_shape != In)
      throw shape_error(d->name + ": samples of shape " + to_string(d->sample_shape) + ", the model takes " + to_string(In));
  dataset subset;  // only when the protocol trains on a prefix: the full set is not copied
  if (proto.train_samples && proto.train_samples < train_full.size()) subset = train_full.slice(0, proto.train_samples);
  const dataset& train = subset.size() ? subset : train_full;
  for (const auto& a : proto.arms) std::visit([](const auto& opt) { opt.check(); }, a.optimizer);

  run_result result;
  result.proto = proto;
  result.env = environment::capture();
  result.train_name = train.name;
  result.test_name = test.name;
  result.train_size = train.size();
  result.test_size = test.size();

  batch_order probe(train.size(), proto.batch_size, proto.seed, proto.shuffle, proto.drop_last);
  const std::size_t total_images = probe.samples_per_epoch() * proto.epochs * proto.trials * proto.arms.size() * policies.size();
  progress_line progress(o.quiet, total_images);
  std::size_t done = 0;
  peak_host_memory memory;

  for (const auto& a : proto.arms)
    for (std::size_t t = 0; t < proto.trials; ++t) {
      const std::uint64_t seed = proto.seed + t;
      const network<Net, In> initial(a.init.value_or(proto.init), seed);
      const normalization norm = a.norm.value_or(proto.norm);
      const batch_order order(train.size(), proto.batch_size, seed, proto.shuffle, proto.drop_last);
      for (const auto* p : policies) {
        trial_record rec;
        rec.policy = p->id;
        rec.policy_label = p->label(o.policy);
        rec.arm = a.label;
        rec.trial = t + 1;
        rec.seed = seed;
        if (const std::string why = p->unavailable(o.policy); !why.empty()) {
          rec.status = "skipped";
          rec.detail = why;
          result.trials.push_back(rec);
          done += probe.samples_per_epoch() * proto.epochs;
          if (o.on_trial) o.on_trial(rec);
          continue;
        }
        memory.reset();
        network<Net, In> net = initial;
        policy_options po = o.policy;
        po.seed = o.policy.seed + seed;
        po.loss = proto.loss;
        po.optimizer = a.optimizer;
        po.batch_size = proto.batch_size;
        std::unique_ptr<trainer<Net, In>> tr;
        try {
          tr = p->make(po, net);
          tr->reserve(proto.batch_size);  // allocations, algorithm searches, process starts stay out of the timed loop
        } catch (const error& e) {
          // A framework that cannot express this arm (skipped) or could not start (failed): the run goes on.
          if (e.kind() != "framework_refused" && e.kind() != "framework") throw;
          rec.status = e.kind() == "framework_refused" ? "skipped" : "failed";
          rec.detail = e.what();
          result.trials.push_back(rec);
          done += probe.samples_per_epoch() * proto.epochs;
          if (o.on_trial) o.on_trial(rec);
          continue;
        }
        const std::string context = p->id + " | " + a.label + " | trial " + std::to_string(t + 1) + "/" + std::to_string(proto.trials);
        double own_before = tr->own_seconds().value_or(0.0);
        try {
        for (std::size_t e = 0; e < proto.epochs && rec.status == "ok"; ++e) {
          const std::size_t done_before = done;
          auto [er, diverged] = train_epoch(
              train, norm, order, e,
              [&](const host_batch& hb) { return tr->train_step(hb.x, hb.y, hb.n, a.optimizer); },
              [&](const step_progress& s) {
                done = done_before + s.epoch_images;
                progress.update(context, s.epoch, proto.epochs, s.batch, s.batches, s.loss,
                                s.epoch_seconds > 0 ? static_cast<double>(s.epoch_images) / s.epoch_seconds : 0.0, done);
              },
              proto.augment, seed);
          done = done_before + order.samples_per_epoch();
          if (const auto own = tr->own_seconds()) {  // another process: its own loop, as the write-ups timed theirs
            er.round_trip_seconds = er.train_seconds;
            er.train_seconds = *own - own_before;
            own_before = *own;
          }
          if (!diverged.empty()) {
            rec.status = "diverged";
            rec.detail = diverged;
            done += (proto.epochs - e - 1) * order.samples_per_epoch();
          } else {
            const std::size_t eb = o.eval_batch_size ? o.eval_batch_size : proto.batch_size;
            auto eval = [&](const host_batch& hb) { return tr->evaluate(hb.x, hb.y, hb.n); };
            const auto te = evaluate_batches(test, norm, eb, proto.eval, eval);
            er.test_loss = te.mean_loss();
            er.test_accuracy = te.accuracy();
            er.test_images = te.count;
            if (proto.evaluate_train) er.train_accuracy = evaluate_batches(train, norm, eb, eval_rule::all_samples, eval).accuracy();
          }
          rec.epochs.push_back(er);
        }
        } catch (const error& e) {  // a framework process that died or failed: this trial failed, the run goes on
          if (e.kind() != "framework") throw;
          rec.status = "failed";
          rec.detail = e.what();
        }
        rec.peak_host_bytes = memory.peak_bytes();
        rec.baseline_host_bytes = memory.baseline_bytes();
        rec.peak_host_per_run = memory.per_run();
        rec.peak_device_bytes = tr->peak_device_bytes();
        if (const auto pm = tr->process_memory()) {  // another process: its own memory, not this one's
          rec.peak_host_bytes = pm->peak;
          rec.baseline_host_bytes = pm->baseline;
          rec.peak_host_per_run = true;
        }
        progress.clear();
        result.trials.push_back(rec);
        if (o.on_trial) o.on_trial(rec);
      }
    }
  progress.clear();
  return result;
}

}  // namespace cnnbench::bench
