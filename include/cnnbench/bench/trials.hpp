// cnnbench/bench/trials.hpp: the trial runner: every arm x trial x policy of a protocol.
//
//   auto result = bench::run_trials<Net, In>(proto, train, test, policies, options);
//
// A run is a list of independent jobs (trial_job: one arm, one trial, one policy), in report order:
// arm-major, then trial, then policy. For arm a and trial t (seed = proto.seed + t) every job starts
// from the same initial network (the arm's or protocol's init, seed) and trains on the same batches in
// the same order (seed, shuffle, drop_last), normalised with proto.norm, with proto.loss, through the
// library's one training loop (train_epoch) and evaluation (evaluate_batches, under proto.eval). After
// each epoch the test set is evaluated (not timed). Per job it records the epochs, the training-loop
// time, images/s, the peak host memory of that training run and the policy's peak device memory. A
// NaN/Inf loss ends that job as "diverged" and the run goes on; a policy that cannot run here (no GPU)
// is recorded as "skipped".
//
// Because a job depends only on (protocol, data, arm, trial, policy, options), jobs can run in any
// order and in any process and give the same records: run_trials runs them all in order; a caller
// that distributes or resumes runs uses trial_runner directly (plan(), run(job), result()).
//
// Resuming (bench/checkpoint.hpp): run(job, progress, images_before, hooks) calls hooks.after_epoch with
// the job's state after each epoch (weights, optimizer state, records) and continues from hooks.resume.
// Since batch orders, augmentations and dropout masks are pure functions of (seed, epoch, step), a job
// continued from the state after epoch e trains exactly as if it had not stopped: the same weights, bit
// for bit, and the same records except for the timings and the peak memory (measured from the resume).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
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

/// One job of a run: arm `arm` (index into protocol::arms), trial `trial` (0-based; seed = proto.seed + trial),
/// policy `policy` (index into the run's policy list). `index` is the job's position in report order.
struct trial_job {
  std::size_t index = 0, arm = 0, trial = 0, policy = 0;
};

/// A job between two epochs: what a checkpoint keeps to continue it.
template <class Net, shape In>
struct job_state {
  std::size_t epochs_done = 0;               ///< whole epochs trained
  std::vector<epoch_record> epochs;          ///< their records
  network<Net, In> net;                      ///< weights and BatchNorm state after them
  std::optional<optimizer_state> optimizer;  ///< nothing when the policy cannot export it (a resume restarts the job)
};

/// Optional hooks of trial_runner::run.
template <class Net, shape In>
struct job_hooks {
  /// Continue from this state (of the same job) instead of epoch 0; ignored (the job starts again)
  /// when it has no optimizer state or the policy cannot import it.
  const job_state<Net, In>* resume = nullptr;
  /// Called after every epoch that is not the job's last, while the job has not diverged.
  std::function<void(const job_state<Net, In>&)> after_epoch{};
  /// Called once when the job has trained (finished or diverged) with its final weights.
  std::function<void(const network<Net, In>&)> final_weights{};
};

/// The jobs of a protocol run over `policies` policies, in report order (arm, then trial, then policy).
inline std::vector<trial_job> plan_trials(const protocol& proto, std::size_t policies) {
  std::vector<trial_job> jobs;
  jobs.reserve(proto.arms.size() * proto.trials * policies);
  for (std::size_t a = 0; a < proto.arms.size(); ++a)
    for (std::size_t t = 0; t < proto.trials; ++t)
      for (std::size_t p = 0; p < policies; ++p) jobs.push_back({jobs.size(), a, t, p});
  return jobs;
}

/// Runs the jobs of one protocol on one data split. Checks the protocol and the data in the constructor
/// (throws value_error: no arm, zero trials or epochs, an invalid optimizer; shape_error: the data's sample
/// shape is not the model's input In). The datasets must outlive the runner.
template <class Net, shape In>
class trial_runner {
 public:
  trial_runner(const protocol& proto, const dataset& train_full, const dataset& test,
               std::vector<const policy_entry<Net, In>*> policies, run_options o = {})
      : proto_(proto), test_(test), policies_(std::move(policies)), o_(std::move(o)) {
    if (proto_.arms.empty()) throw value_error("protocol '" + proto_.name + "' has no optimizer arm");
    if (proto_.trials == 0 || proto_.epochs == 0)
      throw value_error("protocol '" + proto_.name + "' needs trials >= 1 and epochs >= 1");
    for (const auto* d : {&train_full, &test})
      if (d->sample_shape != In)
        throw shape_error(d->name + ": samples of shape " + to_string(d->sample_shape) + ", the model takes " + to_string(In));
    // Only when the protocol trains on a prefix is a subset made: the full set is not copied.
    if (proto_.train_samples && proto_.train_samples < train_full.size()) subset_ = train_full.slice(0, proto_.train_samples);
    train_ = subset_.size() ? &subset_ : &train_full;
    for (const auto& a : proto_.arms) std::visit([](const auto& opt) { opt.check(); }, a.optimizer);
    const batch_order probe(train_->size(), proto_.batch_size, proto_.seed, proto_.shuffle, proto_.drop_last);
    images_per_job_ = probe.samples_per_epoch() * proto_.epochs;
  }
  trial_runner(const trial_runner&) = delete;  // holds a pointer to its own subset
  trial_runner& operator=(const trial_runner&) = delete;

  /// Every job of the run, in report order.
  std::vector<trial_job> plan() const { return plan_trials(proto_, policies_.size()); }
  /// Training images one job processes (all its epochs); for progress totals.
  std::size_t images_per_job() const { return images_per_job_; }
  const protocol& proto() const { return proto_; }
  /// The id of the policy of `job` ("eigen_cpu").
  const std::string& policy_id(const trial_job& job) const { return policies_.at(job.policy)->id; }

  /// The run's result with no trial records yet: protocol, environment, data names and sizes.
  run_result result() const {
    run_result r;
    r.proto = proto_;
    r.env = environment::capture();
    r.train_name = train_->name;
    r.test_name = test_.name;
    r.train_size = train_->size();
    r.test_size = test_.size();
    r.profiled = o_.policy.profile;
    return r;
  }

  /// Runs one job and returns its record. `progress` (optional) shows the running images/s and loss;
  /// `images_before` is the count of training images of the jobs shown before this one on that line.
  /// `hooks` (optional): resume from a state, or see the state after each epoch (for checkpoints).
  trial_record run(const trial_job& job, progress_line* progress = nullptr, std::size_t images_before = 0,
                   const job_hooks<Net, In>& hooks = {}) const {
    if (job.arm >= proto_.arms.size() || job.trial >= proto_.trials || job.policy >= policies_.size())
      throw value_error("trial job " + std::to_string(job.index) + " is outside the protocol's plan");
    const arm& a = proto_.arms[job.arm];
    const auto* p = policies_[job.policy];
    const std::uint64_t seed = proto_.seed + job.trial;
    trial_record rec;
    rec.policy = p->id;
    rec.policy_label = p->label(o_.policy);
    rec.arm = a.label;
    rec.trial = job.trial + 1;
    rec.seed = seed;
    if (const std::string why = p->unavailable(o_.policy); !why.empty()) {
      rec.status = "skipped";
      rec.detail = why;
      return rec;
    }
    const dataset& train = *train_;
    const normalization norm = a.norm.value_or(proto_.norm);
    const batch_order order(train.size(), proto_.batch_size, seed, proto_.shuffle, proto_.drop_last);
    peak_host_memory memory;
    memory.reset();
    network<Net, In> net(a.init.value_or(proto_.init), seed);
    policy_options po = o_.policy;
    po.seed = o_.policy.seed + seed;
    po.loss = proto_.loss;
    po.optimizer = a.optimizer;
    po.batch_size = proto_.batch_size;
    std::size_t first_epoch = 0;
    const auto* from = hooks.resume;
    const bool resuming = from && from->epochs_done > 0 && from->epochs_done < proto_.epochs && from->optimizer &&
                          from->epochs.size() == from->epochs_done;
    if (resuming) net = from->net;
    std::unique_ptr<trainer<Net, In>> tr;
    try {
      tr = p->make(po, net);
      if (resuming) {
        if (tr->import_optimizer_state(*from->optimizer)) {
          first_epoch = from->epochs_done;
          rec.epochs = from->epochs;
        } else {  // the policy cannot continue its optimizer: start the job again
          net = network<Net, In>(a.init.value_or(proto_.init), seed);
          tr = p->make(po, net);
        }
      }
      tr->reserve(proto_.batch_size);  // allocations, algorithm searches, process starts stay out of the timed loop
    } catch (const error& e) {
      // A framework that cannot express this arm (skipped) or could not start (failed): the run goes on.
      if (e.kind() != "framework_refused" && e.kind() != "framework") throw;
      rec.status = e.kind() == "framework_refused" ? "skipped" : "failed";
      rec.detail = e.what();
      return rec;
    }
    const std::string context =
        p->id + " | " + a.label + " | trial " + std::to_string(job.trial + 1) + "/" + std::to_string(proto_.trials);
    double own_before = tr->own_seconds().value_or(0.0);
    try {
    for (std::size_t e = first_epoch; e < proto_.epochs && rec.status == "ok"; ++e) {
      const std::size_t done_before = images_before + e * order.samples_per_epoch();
      auto [er, diverged] = train_epoch(
          train, norm, order, e, [&](const host_batch& hb) { return tr->train_step(hb.x, hb.y, hb.n, a.optimizer); },
          [&](const step_progress& s) {
            if (progress)
              progress->update(context, s.epoch, proto_.epochs, s.batch, s.batches, s.loss,
                               s.epoch_seconds > 0 ? static_cast<double>(s.epoch_images) / s.epoch_seconds : 0.0,
                               done_before + s.epoch_images);
          },
          proto_.augment, seed);
      if (const auto own = tr->own_seconds()) {  // another process: its own loop, as the write-ups timed theirs
        er.round_trip_seconds = er.train_seconds;
        er.train_seconds = *own - own_before;
        own_before = *own;
      }
      if (!diverged.empty()) {
        rec.status = "diverged";
        rec.detail = diverged;
      } else {
        const std::size_t eb = o_.eval_batch_size ? o_.eval_batch_size : proto_.batch_size;
        auto eval = [&](const host_batch& hb) { return tr->evaluate(hb.x, hb.y, hb.n); };
        const auto te = evaluate_batches(test_, norm, eb, proto_.eval, eval);
        er.test_loss = te.mean_loss();
        er.test_accuracy = te.accuracy();
        er.test_images = te.count;
        if (proto_.evaluate_train) er.train_accuracy = evaluate_batches(train, norm, eb, eval_rule::all_samples, eval).accuracy();
      }
      rec.epochs.push_back(er);
      if (hooks.after_epoch && rec.status == "ok" && e + 1 < proto_.epochs) {
        job_state<Net, In> st;
        st.epochs_done = e + 1;
        st.epochs = rec.epochs;
        tr->store_to(st.net);
        st.optimizer = tr->export_optimizer_state();
        hooks.after_epoch(st);
      }
    }
    if (hooks.final_weights) {
      network<Net, In> trained;
      tr->store_to(trained);
      hooks.final_weights(trained);
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
    rec.profile = tr->layer_profile();
    if (const auto pm = tr->process_memory()) {  // another process: its own memory, not this one's
      rec.peak_host_bytes = pm->peak;
      rec.baseline_host_bytes = pm->baseline;
      rec.peak_host_per_run = true;
    }
    if (progress) progress->clear();
    return rec;
  }

 private:
  protocol proto_;
  dataset subset_;
  const dataset* train_ = nullptr;
  const dataset& test_;
  std::vector<const policy_entry<Net, In>*> policies_;
  run_options o_;
  std::size_t images_per_job_ = 0;
};

/// Runs every job of the protocol in report order in this process (see the file comment).
template <class Net, shape In>
run_result run_trials(const protocol& proto, const dataset& train_full, const dataset& test,
                      const std::vector<const policy_entry<Net, In>*>& policies, const run_options& o = {}) {
  const trial_runner<Net, In> runner(proto, train_full, test, policies, o);
  run_result result = runner.result();
  const auto jobs = runner.plan();
  progress_line progress(o.quiet, runner.images_per_job() * jobs.size());
  for (const auto& job : jobs) {
    result.trials.push_back(runner.run(job, &progress, job.index * runner.images_per_job()));
    if (o.on_trial) o.on_trial(result.trials.back());
  }
  progress.clear();
  return result;
}

}  // namespace cnnbench::bench
