// cnnbench/bench/results.hpp: the records of a benchmark run and their summary per policy and arm.
//
// Units: accuracies are fractions, times seconds, memory bytes. Training time is the training loop
// only (batch gathering and host-to-device copies included, evaluation excluded), as the write-ups
// timed it. A trial whose loss became NaN or infinite has status "diverged": its epochs so far are
// kept, and it is left out of the accuracy mean and standard deviation but counted.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../exec/policy.hpp"
#include "../exec/profile.hpp"
#include "metrics.hpp"
#include "protocol.hpp"

namespace cnnbench::bench {

/// One epoch of one trial (the library's record: exec/policy.hpp).
using epoch_record = cnnbench::epoch_record;

struct trial_record {
  std::string policy;           ///< policy id, "eigen_cpu"
  std::string policy_label;     ///< "cnnbench eigen_cpu (2 threads)"
  std::string arm;              ///< arm label
  std::size_t trial = 0;        ///< 1-based
  std::uint64_t seed = 0;
  std::string status = "ok";    ///< "ok", "diverged", "skipped", "failed"
  std::string detail;           ///< why diverged / skipped / failed
  std::vector<epoch_record> epochs;
  std::size_t peak_host_bytes = 0;      ///< peak resident set of the process during this run
  std::size_t baseline_host_bytes = 0;  ///< resident set when the run started (program, libraries, data)
  bool peak_host_per_run = false;
  /// What this training run added to the resident set at its peak.
  std::size_t training_host_bytes() const noexcept {
    return peak_host_bytes > baseline_host_bytes ? peak_host_bytes - baseline_host_bytes : 0;
  }
  std::size_t peak_device_bytes = 0;
  /// The per-layer profile of this trial's training steps (--profile, policies that have one; a
  /// resumed trial's covers the epochs since the resume).
  std::optional<layer_profile> profile;

  double train_seconds() const {
    double s = 0;
    for (const auto& e : epochs) s += e.train_seconds;
    return s;
  }
  std::size_t images() const {
    std::size_t n = 0;
    for (const auto& e : epochs) n += e.images;
    return n;
  }
  double images_per_second() const { return train_seconds() > 0 ? static_cast<double>(images()) / train_seconds() : 0.0; }
  double final_test_accuracy() const { return epochs.empty() ? NAN : epochs.back().test_accuracy; }
};

/// Mean and sample standard deviation (n - 1); std is 0 for one value, NaN for none.
struct stats {
  double mean = NAN, std = NAN;
  std::size_t count = 0;
  static stats of(const std::vector<double>& v) {
    stats s;
    s.count = v.size();
    if (v.empty()) return s;
    double sum = 0;
    for (double x : v) sum += x;
    s.mean = sum / static_cast<double>(v.size());
    double q = 0;
    for (double x : v) q += (x - s.mean) * (x - s.mean);
    s.std = v.size() > 1 ? std::sqrt(q / static_cast<double>(v.size() - 1)) : 0.0;
    return s;
  }
};

/// One row of our results table: a policy under an arm, over its trials (not a model summary row:
/// that is summary.hpp's layer table).
struct result_row {
  std::string policy, policy_label, arm;
  std::size_t trials = 0, diverged = 0, skipped = 0, failed = 0;
  stats accuracy;              ///< final test accuracy over the trials that finished
  stats train_seconds;         ///< per trial
  stats images_per_second;     ///< per trial
  std::size_t peak_host_bytes = 0, training_host_bytes = 0, peak_device_bytes = 0;  ///< max over trials
  std::string skip_reason;
};

/// A whole run.
struct run_result {
  protocol proto;
  environment env;
  std::string train_name, test_name;
  std::size_t train_size = 0, test_size = 0;
  std::vector<trial_record> trials;
  bool profiled = false;  ///< --profile was given: the report has per-layer tables (or says why not)

  /// The profiles of the trials of (policy, arm), pooled (exec/profile.hpp's operator+=: the mean per
  /// step over all their steps); nothing when none of them has one.
  std::optional<layer_profile> pooled_profile(const std::string& policy, const std::string& arm) const {
    std::optional<layer_profile> p;
    for (const auto& t : trials)
      if (t.policy == policy && t.arm == arm && t.profile) {
        if (!p) p = *t.profile;
        else *p += *t.profile;
      }
    return p;
  }

  /// One row per (arm, policy), in the order they ran.
  std::vector<result_row> rows() const {
    std::vector<result_row> table;
    for (const auto& t : trials) {
      auto it = std::find_if(table.begin(), table.end(), [&](const result_row& r) { return r.policy == t.policy && r.arm == t.arm; });
      if (it == table.end()) {
        table.push_back({});
        it = table.end() - 1;
        it->policy = t.policy;
        it->policy_label = t.policy_label;
        it->arm = t.arm;
      }
      ++it->trials;
      if (t.status == "diverged") ++it->diverged;
      if (t.status == "skipped") {
        ++it->skipped;
        it->skip_reason = t.detail;
      }
      if (t.status == "failed") ++it->failed;
      it->peak_host_bytes = std::max(it->peak_host_bytes, t.peak_host_bytes);
      it->training_host_bytes = std::max(it->training_host_bytes, t.training_host_bytes());
      it->peak_device_bytes = std::max(it->peak_device_bytes, t.peak_device_bytes);
    }
    for (auto& r : table) {
      std::vector<double> acc, secs, ips;
      for (const auto& t : trials) {
        if (t.policy != r.policy || t.arm != r.arm) continue;
        if (t.status == "ok") acc.push_back(t.final_test_accuracy());
        if (t.status == "ok" || t.status == "diverged") {
          secs.push_back(t.train_seconds());
          ips.push_back(t.images_per_second());
        }
      }
      r.accuracy = stats::of(acc);
      r.train_seconds = stats::of(secs);
      r.images_per_second = stats::of(ips);
    }
    return table;
  }
};

}  // namespace cnnbench::bench
