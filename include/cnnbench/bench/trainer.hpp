// cnnbench/bench/trainer.hpp: the harness's view of a policy: a type-erased runner and a registry.
//
// The harness chooses policies at run time (--policy eigen_cpu,libtorch), while each policy's
// runner is a different type. trainer<Net, In> is the small virtual interface the trial runner
// needs; runner_trainer wraps any runner of exec/policy.hpp's protocol. policy_entry describes one
// policy (id, label, factory, availability); policy_registry<Net, In> holds the entries a program
// was built with: eigen_cpu always, the others from their own translation units, which a build adds
// only when that back end is enabled (so no #ifdef is needed in a program):
//
//   static const bool registered = cnnbench::bench::policy_registry<Net, In>::add({"cudnn", ...});
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "../exec/eigen_cpu.hpp"
#include "../exec/profile.hpp"
#include "../exec/runner.hpp"
#include "../loss.hpp"
#include "../network.hpp"
#include "protocol.hpp"

namespace cnnbench::bench {

/// The memory of a policy that runs in its own process (frameworks/external.hpp), bytes.
struct process_memory_bytes {
  std::size_t baseline = 0;  ///< its resident set when set up (runtime, model, weights), before training
  std::size_t peak = 0;      ///< its peak resident set (VmHWM)
};

/// A prepared policy for one network, as the trial runner drives it.
template <class Net, shape In>
class trainer {
 public:
  virtual ~trainer() = default;
  /// One training step; returns the batch's mean loss (NaN/Inf returned as is).
  virtual float train_step(std::span<const float> x, std::span<const std::int32_t> y, std::size_t n,
                           const optimizer_config& opt) = 0;
  /// Inference loss sum and correct count over a batch.
  virtual batch_eval evaluate(std::span<const float> x, std::span<const std::int32_t> y, std::size_t n) = 0;
  /// Copies the trained weights out.
  virtual void store_to(network<Net, In>& net) = 0;
  /// Peak device memory the runner used, bytes (0 for host-only policies).
  virtual std::size_t peak_device_bytes() const { return 0; }
  /// Prepares for training batches of up to n samples (buffers, algorithm searches) outside any timing.
  virtual void reserve(std::size_t) {}
  /// For a policy in another process: the seconds its own step calls took so far (the loop as the
  /// write-ups timed it, without the transfer of batches to it); nullopt for in-process policies.
  virtual std::optional<double> own_seconds() const { return std::nullopt; }
  /// For a policy in another process: that process's memory; nullopt for in-process policies.
  virtual std::optional<process_memory_bytes> process_memory() const { return std::nullopt; }
  /// The optimizer state (exec/runner.hpp), or nothing when the policy's runner cannot export it.
  virtual std::optional<optimizer_state> export_optimizer_state() const { return std::nullopt; }
  /// Continues from an exported optimizer state; false when the policy cannot import one (the caller
  /// then starts the job again from its first epoch). Throws value_error for a state that does not fit.
  virtual bool import_optimizer_state(const optimizer_state&) { return false; }
  /// The per-layer profile of the training steps so far (exec/profile.hpp), or nothing when the
  /// policy has none or was not asked to profile (policy_options::profile).
  virtual std::optional<cnnbench::layer_profile> layer_profile() const { return std::nullopt; }
};

/// trainer over any runner of the protocol of exec/runner.hpp, with the protocol's loss.
template <class Net, shape In, class Runner>
class runner_trainer final : public trainer<Net, In> {
 public:
  static_assert(runner_for<Runner, Net, In>, "cnnbench: not a runner of this network (see exec/runner.hpp)");
  /// Prepares the runner in place (runners own threads or devices and need not be movable). Throws
  /// value_error when `loss` does not fit the model's output (e.g. binary cross-entropy on 10 logits).
  template <class Policy>
  runner_trainer(const Policy& policy, const network<Net, In>& net, const loss_config& loss)
      : loss_(loss), run_(prepare(policy, net)) {
    std::visit(
        [](const auto& l) {
          using L = std::decay_t<decltype(l)>;
          if constexpr (!L::template accepts<output_shape_v<Net, In>>)
            throw value_error(std::string(L::name) + " does not fit the model's output " + to_string(output_shape_v<Net, In>));
        },
        loss_);
  }
  float train_step(std::span<const float> x, std::span<const std::int32_t> y, std::size_t n,
                   const optimizer_config& opt) override {
    return std::visit(
        [&](const auto& l, const auto& o) -> float {
          using L = std::decay_t<decltype(l)>;
          if constexpr (L::template accepts<output_shape_v<Net, In>>) return run_.template train_step<L>(x, y, n, o);
          else return NAN;  // refused in the constructor
        },
        loss_, opt);
  }
  batch_eval evaluate(std::span<const float> x, std::span<const std::int32_t> y, std::size_t n) override {
    return std::visit(
        [&](const auto& l) -> batch_eval {
          using L = std::decay_t<decltype(l)>;
          if constexpr (L::template accepts<output_shape_v<Net, In>>) return run_.template evaluate<L>(x, y, n);
          else return {};
        },
        loss_);
  }
  void store_to(network<Net, In>& net) override { run_.store_to(net); }
  std::size_t peak_device_bytes() const override {
    if constexpr (requires { run_.peak_device_bytes(); }) return run_.peak_device_bytes();
    else return 0;
  }
  void reserve(std::size_t n) override {
    if constexpr (requires { run_.reserve(n); }) run_.reserve(n);
  }
  std::optional<optimizer_state> export_optimizer_state() const override {
    if constexpr (runner_with_optimizer_state<Runner>) return run_.export_optimizer_state();
    else return std::nullopt;
  }
  bool import_optimizer_state(const optimizer_state& s) override {
    if constexpr (runner_with_optimizer_state<Runner>) {
      run_.import_optimizer_state(s);
      return true;
    } else {
      return false;
    }
  }
  std::optional<cnnbench::layer_profile> layer_profile() const override {
    if constexpr (requires { run_.layer_profile(); }) {
      if (run_.profiling()) return run_.layer_profile();
    }
    return std::nullopt;
  }
  Runner& runner() { return run_; }

 private:
  loss_config loss_;
  Runner run_;
};

/// A trainer for `policy` prepared for `net` (loads its weights), training with `loss`.
template <class Policy, class Net, shape In>
std::unique_ptr<trainer<Net, In>> make_trainer(const Policy& policy, const network<Net, In>& net,
                                               const loss_config& loss = loss::softmax_cross_entropy{}) {
  using R = decltype(prepare(policy, net));
  return std::make_unique<runner_trainer<Net, In, R>>(policy, net, loss);
}

/// Run-time options every policy may use.
struct policy_options {
  int threads = 0;           ///< CPU threads (eigen_cpu; libtorch intra-op threads); 0 = all cores
  std::uint64_t seed = 0;    ///< dropout masks
  int device = 0;            ///< GPU index (cudnn; libtorch "cuda:<device>")
  loss_config loss = loss::softmax_cross_entropy{};  ///< the protocol's loss (set by the harness)
  optimizer_config optimizer = optim::sgd{};  ///< the arm's optimizer (set by the harness; policies in
                                              ///< another process generate their trainer from it)
  std::size_t batch_size = 64;                ///< the protocol's (set by the harness)
  bool profile = false;                       ///< per-layer profile of the training steps (--profile;
                                              ///< eigen_cpu has one, the other policies ignore it)
  std::string out_dir;                        ///< the run's --out folder (policies in another process
                                              ///< write their generated code and logs under it)
};

/// One policy the harness can run.
template <class Net, shape In>
struct policy_entry {
  std::string id;     ///< "eigen_cpu", matched by --policy
  std::function<std::string(const policy_options&)> label;  ///< table row name, e.g. "cnnbench eigen_cpu (2 threads)"
  std::function<std::unique_ptr<trainer<Net, In>>(const policy_options&, const network<Net, In>&)> make;
  /// Empty when the policy can run here, else why not (e.g. "no CUDA device"): reported as skipped.
  std::function<std::string(const policy_options&)> unavailable = [](const policy_options&) { return std::string(); };
  /// Whether a program runs it when no --policy is given (the Python frameworks run only when named:
  /// each starts a process and its runtime).
  bool in_default_set = true;
};

/// The policies a program was built with, for model Net on input In.
template <class Net, shape In>
class policy_registry {
 public:
  static std::vector<policy_entry<Net, In>>& entries() {
    static std::vector<policy_entry<Net, In>> all = {eigen_cpu_entry()};
    return all;
  }
  /// Adds a policy (from a static initialiser); returns true so it can initialise a constant.
  static bool add(policy_entry<Net, In> e) {
    entries().push_back(std::move(e));
    return true;
  }
  /// The entry with this id, or nullptr.
  static const policy_entry<Net, In>* find(const std::string& id) {
    for (const auto& e : entries())
      if (e.id == id) return &e;
    return nullptr;
  }
  /// "eigen_cpu, libtorch"
  static std::string ids() {
    std::string s;
    for (const auto& e : entries()) s += (s.empty() ? "" : ", ") + e.id;
    return s;
  }

 private:
  static policy_entry<Net, In> eigen_cpu_entry() {
    policy_entry<Net, In> e;
    e.id = "eigen_cpu";
    e.label = [](const policy_options& o) {
      const int t = exec::eigen_cpu{.threads = o.threads}.resolved_threads();
      return "cnnbench eigen_cpu (" + std::to_string(t) + (t == 1 ? " thread)" : " threads)");
    };
    e.make = [](const policy_options& o, const network<Net, In>& net) {
      return make_trainer(exec::eigen_cpu{.threads = o.threads, .seed = o.seed, .profile = o.profile}, net, o.loss);
    };
    return e;
  }
};

}  // namespace cnnbench::bench
