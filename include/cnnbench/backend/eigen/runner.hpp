// cnnbench/backend/eigen/runner.hpp: the runner of exec::eigen_cpu (see exec/eigen_cpu.hpp for the API).
//
// Threading: the batch is split into `threads` contiguous slices, and each thread of the team runs
// the whole forward and backward pass on its slice, writing its rows of the shared activation
// buffers, its own activation-gradient buffers (private: consecutive layers have different row
// sizes, so shared ping-pong buffers would overlap between threads) and its own partial weight
// gradients. Only BatchNorm (whole-batch statistics) and the end
// of the backward pass synchronise; then every thread sums the partial gradients of a fixed slice of
// the parameters, in thread order, and applies the optimizer to that slice. Every split is static,
// so the same thread count gives bit-identical results.
//
// Profiling (profile = true; exec/profile.hpp): the team meets at a barrier before the forward pass
// and after every layer, the loss and the update, and each thread adds the time from one barrier to
// the next to that layer's bucket (the kernel may switch between backward-data and backward-weights:
// kernel.hpp's ctx.phase); layer_profile() reports the mean over the threads, so a layer's time is
// the team's wall time for it, waits for the slowest thread included. The extra barriers change the
// timing a little (threads cannot run ahead into the next layer); the arithmetic is the same, so the
// results stay bit-identical. Off (the default), no clock is read and no barrier is added.
#pragma once
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "../../error.hpp"
#include "../../exec/profile.hpp"
#include "../../exec/runner.hpp"
#include "../../loss.hpp"
#include "../../network.hpp"
#include "../../optim.hpp"
#include "../runner_base.hpp"
#include "kernels.hpp"
#include "thread_pool.hpp"

namespace cnnbench::backend::eigen {

template <class Net, shape In>
class runner : public runner_base<Net, In, kernel, cnnbench::detail::aligned_vector<float>> {
  using base = runner_base<Net, In, kernel, cnnbench::detail::aligned_vector<float>>;

 public:
  using typename base::network_type;
  using base::activation_overwritten;
  using base::layer_count;
  using base::output_shape;
  using base::output_size;
  using base::param_count;
  using base::param_offsets;
  using base::relu_backward_fused;
  using base::relu_fused;
  using base::shapes;
  using base::state_count;
  using base::state_offsets;

  /// `profile`: time every layer of the training steps (see the file comment and layer_profile()).
  runner(int threads, std::uint64_t seed, const network_type& net, bool profile = false)
      : team_(threads), seed_(seed), params_(param_count), state_(state_count), grad_(param_count), profiling_(profile) {
    load_from(net);
    partial_.resize(team_.size() > 1 ? team_.size() : 0);
    for (auto& p : partial_) p.assign(param_count, 0.0f);
    workspace_.resize(team_.size());
    this->each_kernel([&](auto& k) { prepare_kernel(k); });
    prof_lanes_.resize(team_.size());
    reset_profile();
  }

  /// Whether training steps are profiled (exec::eigen_cpu::profile).
  bool profiling() const noexcept { return profiling_; }
  /// Turns profiling of the following training steps on or off (what was measured is kept).
  void profile(bool on) noexcept { profiling_ = on; }
  /// Forgets what was measured.
  void reset_profile() {
    prof_.assign(static_cast<std::size_t>(team_.size()) * layer_count * 3, 0.0);
    prof_loss_.assign(team_.size(), 0.0);
    prof_update_.assign(team_.size(), 0.0);
    prof_step_ = 0;
    prof_steps_ = 0;
    prof_samples_ = 0;
  }
  /// The profile of the training steps (train_step, compute_gradients) run with profiling on since
  /// construction or reset_profile(): per leaf layer (summary.hpp's rows) the seconds of forward,
  /// backward-data and backward-weights, the mean over the team's threads (see exec/profile.hpp).
  /// Conv, Dense and BatchNorm split their backward; the other kernels report all of it as backward-data.
  cnnbench::layer_profile layer_profile() const {
    auto p = make_layer_profile<Net, In>(team_.size());
    const auto T = static_cast<double>(team_.size());
    for (std::size_t t = 0; t < static_cast<std::size_t>(team_.size()); ++t) {
      for (std::size_t l = 0; l < layer_count; ++l) {
        const double* b = prof_.data() + (t * layer_count + l) * 3;
        p.rows[l].forward_seconds += b[0] / T;
        p.rows[l].backward_data_seconds += b[1] / T;
        p.rows[l].backward_weights_seconds += b[2] / T;
      }
      p.loss_seconds += prof_loss_[t] / T;
      p.update_seconds += prof_update_[t] / T;
    }
    p.step_seconds = prof_step_;
    p.steps = prof_steps_;
    p.samples = prof_samples_;
    return p;
  }

  /// Threads of the team (the policy's `threads`, or the hardware's when 0).
  int threads() const noexcept { return team_.size(); }

  /// Allocates the buffers of training batches of up to n samples now (else the first step does,
  /// inside whatever timing surrounds it). Inference buffers are allocated by the first forward.
  void reserve(std::size_t n) { reserve_training(n); }

  /// Copies the network's parameters and state in. Explicit, so that a benchmark can time it or not.
  void load_from(const network_type& net) {
    std::copy(net.params().begin(), net.params().end(), params_.begin());
    std::copy(net.state().begin(), net.state().end(), state_.begin());
  }
  /// Copies the parameters and state out (the network then holds the trained model).
  void store_to(network_type& net) const {
    std::copy(params_.begin(), params_.end(), net.params().begin());
    std::copy(state_.begin(), state_.end(), net.state().begin());
  }
  /// The runner's own copy of the parameters.
  std::span<const float> params() const noexcept { return params_; }

  /// Inference: logits (n x output_size, row-major) for n samples x (n x In.size(), NCHW).
  /// Dropout is off, BatchNorm uses the running statistics. The span lives until the next call.
  std::span<const float> forward(std::span<const float> x, std::size_t n) {
    cnnbench::detail::check_batch<In>(x, n);
    reserve_inference(n);
    team_.run([&](int t) {
      const auto rows = thread_pool::split(n, t, team_.size());  // not a structured binding: clang < 16 cannot capture one
      const std::size_t b0 = rows.first, b1 = rows.second;
      auto& pair = ibuf_[static_cast<std::size_t>(t)];
      this->inference_schedule(x.data() + b0 * In.size(), out_.data() + b0 * output_size, pair,
                               [&](auto I, auto& k, const float* in, float* out) {
                                 k.forward(make_context(t, I, false, b0), in, out, b1 - b0, params_.data() + param_offsets[I]);
                               });
    });
    return {out_.data(), n * output_size};
  }

  /// Inference loss and accuracy over n samples with integer labels y.
  template <class Loss = loss::softmax_cross_entropy>
  batch_eval evaluate(std::span<const float> x, std::span<const std::int32_t> y, std::size_t n) {
    base::template check_loss<Loss>();
    cnnbench::detail::check_labels<Loss>(y, n, output_size);
    forward(x, n);
    const float* z = out_.data();
    batch_eval e;
    e.loss_sum = loss_impl<Loss>::forward_backward(z, y.data(), 0, n, output_size, 0.0f, nullptr);
    e.correct = loss_impl<Loss>::correct(z, y.data(), 0, n, output_size);
    e.count = n;
    return e;
  }

  /// Training-mode forward, loss (mean over the batch) and backward: gradients() then holds
  /// dLoss/dparams. Does not change the parameters or the step counter (dropout masks stay the same
  /// when it is called again, which finite-difference checks rely on). Returns the mean loss.
  template <class Loss = loss::softmax_cross_entropy>
  float compute_gradients(std::span<const float> x, std::span<const std::int32_t> y, std::size_t n) {
    return train<Loss>(x, y, n, static_cast<const optim::sgd*>(nullptr));
  }
  /// One training step: compute_gradients, then the optimizer update, fused per parameter slice.
  /// Returns the mean loss of the batch (before the update); a NaN/Inf loss is returned as is.
  template <class Loss = loss::softmax_cross_entropy, optimizer Opt>
  float train_step(std::span<const float> x, std::span<const std::int32_t> y, std::size_t n, const Opt& opt) {
    opt.check();
    return train<Loss>(x, y, n, &opt);
  }
  /// Applies the optimizer to the gradients of the last compute_gradients.
  template <optimizer Opt>
  void apply_gradients(const Opt& opt) {
    opt.check();
    prepare_optimizer(opt);
    const std::uint64_t t_step = ++this->step_;
    team_.run([&](int t) {
      const auto [p0, p1] = thread_pool::split(param_count, t, team_.size());
      update_slice(opt, p0, p1, t_step);
    });
  }

  /// The optimizer's state buffers and step counter (exec/runner.hpp's optimizer_state), for checkpoints.
  optimizer_state export_optimizer_state() const {
    optimizer_state s;
    s.optimizer = this->optimizer_name();
    s.step = this->step_;
    for (const auto& b : opt_state_)
      if (!b.empty()) s.buffers.emplace_back(b.begin(), b.end());
    return s;
  }
  /// Continues from `s` (exported by an eigen_cpu runner of this network): the next update with the
  /// same optimizer type uses its buffers and step counter. Throws value_error for an unknown optimizer
  /// or buffers of the wrong count or size (nothing is changed then).
  void import_optimizer_state(const optimizer_state& s) {
    std::size_t buffers = 0;
    cnnbench::detail::for_each_type(optim::all{}, [&](auto, auto t) {
      if (s.optimizer == decltype(t)::type::name) buffers = decltype(t)::type::state_buffers;
    });
    if (s.buffers.size() != buffers)
      throw value_error("optimizer state '" + s.optimizer + "' with " + std::to_string(s.buffers.size()) +
                        " buffers, expected " + std::to_string(buffers));
    for (const auto& b : s.buffers)
      if (b.size() != param_count)
        throw value_error("optimizer state buffer of " + std::to_string(b.size()) + " floats, the network has " +
                          std::to_string(param_count) + " parameters");
    this->adopt_optimizer(s.optimizer);
    for (std::size_t i = 0; i < opt_state_.size(); ++i) {
      if (i < s.buffers.size()) opt_state_[i].assign(s.buffers[i].begin(), s.buffers[i].end());
      else opt_state_[i].clear();
    }
    this->step_ = s.step;
  }

  /// dLoss/dparams of the last compute_gradients / train_step (param_count floats).
  std::span<const float> gradients() const noexcept { return grad_; }
  /// The same buffer, writable: what apply_gradients reads. For wrappers that combine gradients
  /// across processes between compute_gradients and apply_gradients (exec::data_parallel).
  std::span<float> gradient_buffer() noexcept { return grad_; }
  /// Activation k of the last training-mode call (compute_gradients, train_step): k = 0 is the input
  /// (the caller's buffer: valid while it lives), k = i + 1 the output of layer i (n x shapes[k]).
  /// A ReLU after a Conv or Dense runs in place (as PyTorch's ReLU(inplace=True); runner_base.hpp's
  /// shares_input): the Conv's or Dense's activation then holds the ReLU's output, max(0, .) of its
  /// own (activation_overwritten(k) says where). Inference (forward) does not keep activations.
  std::span<const float> activation(std::size_t k) const {
    if (k > layer_count) throw value_error("activation index " + std::to_string(k) + " out of range");
    if (k == 0) return {input_, batch_ * In.size()};
    return {this->acts(k), batch_ * shapes[k].size()};
  }
  /// Bytes of host memory the runner holds (parameters, state, gradients, optimizer state,
  /// activations, gradient buffers, workspaces).
  std::size_t memory_bytes() const noexcept {
    std::size_t n = params_.size() + state_.size() + grad_.size() + opt_state_[0].size() + opt_state_[1].size();
    for (const auto& p : partial_) n += p.size();
    for (const auto& a : this->acts_) n += a.size();
    for (const auto& pair : this->grads_)
      for (const auto& d : pair) n += d.size();
    for (const auto& w : workspace_) n += w.size();
    for (const auto& pair : ibuf_)
      for (const auto& b : pair) n += b.size();
    n += out_.size();
    return n * sizeof(float);
  }

 private:
  template <class K>
  void prepare_kernel(K& k) {
    if constexpr (has_prepare<K>) k.prepare(team_.size(), capacity_);
  }

  void reserve_workspace(std::size_t n) {
    const std::size_t rows = (n + team_.size() - 1) / team_.size();
    std::size_t ws = 0;
    this->each_kernel([&](auto& k) { ws = std::max(ws, std::decay_t<decltype(k)>::workspace_floats(rows)); });
    for (auto& w : workspace_)
      if (w.size() < ws) w.assign(std::max<std::size_t>(ws, 1), 0.0f);
  }
  // Training keeps every activation (backward needs them) and per-thread gradient buffers.
  void reserve_training(std::size_t n) {
    if (n <= capacity_) return;
    capacity_ = n;
    for (std::size_t k = 1; k <= layer_count; ++k)  // an in-place layer's output lives in its input's buffer
      if (base::owner[k] == k) this->acts_[k].assign(n * shapes[k].size(), 0.0f);
    const std::size_t rows = (n + team_.size() - 1) / team_.size();
    this->grads_.resize(team_.size());
    for (auto& pair : this->grads_)
      for (auto& d : pair) d.assign(rows * base::max_activation(), 0.0f);
    reserve_workspace(n);
    this->each_kernel([&](auto& k) { prepare_kernel(k); });
  }
  // Inference needs only two buffers per thread (private: layers differ in row size) and the output.
  void reserve_inference(std::size_t n) {
    if (n <= inference_capacity_) return;
    inference_capacity_ = n;
    const std::size_t rows = (n + team_.size() - 1) / team_.size();
    ibuf_.resize(team_.size());
    for (auto& pair : ibuf_)
      for (auto& b : pair) b.assign(rows * base::max_activation(), 0.0f);
    out_.assign(n * output_size, 0.0f);
    reserve_workspace(n);
  }

  context make_context(int t, std::size_t layer, bool training, std::size_t first) {
    context c;
    c.thread = t;
    c.threads = team_.size();
    c.batch = batch_;
    c.first = first;
    c.training = training;
    c.seed = seed_;
    c.step = this->step_;
    c.layer = layer;
    c.workspace = workspace_[static_cast<std::size_t>(t)].data();
    c.state = state_.data() + state_offsets[layer];
    c.team = &team_;
    return c;
  }

  template <class Opt>
  void prepare_optimizer(const Opt&) {
    if (this->template optimizer_changed<Opt>())
      for (std::size_t i = 0; i < 2; ++i) opt_state_[i].assign(i < Opt::state_buffers ? param_count : 0, 0.0f);
  }
  template <class Opt>
  void update_slice(const Opt& opt, std::size_t p0, std::size_t p1, std::uint64_t t_step) {
    float* state[2] = {opt_state_[0].empty() ? nullptr : opt_state_[0].data() + p0,
                       opt_state_[1].empty() ? nullptr : opt_state_[1].data() + p0};
    optimizer_impl<Opt>::update(opt, params_.data() + p0, grad_.data() + p0, state, p1 - p0, t_step);
  }

  // Each thread runs the forward pass, the loss and the backward pass on its rows [b0, b1), then
  // sums a fixed slice of the parameters' partial gradients in thread order and updates it.
  template <class Loss, class Opt>
  float train(std::span<const float> x, std::span<const std::int32_t> y, std::size_t n, const Opt* opt) {
    base::template check_loss<Loss>();
    cnnbench::detail::check_batch<In>(x, n);
    cnnbench::detail::check_labels<Loss>(y, n, output_size);
    reserve_training(n);
    input_ = x.data();
    batch_ = n;
    if (opt) prepare_optimizer(*opt);
    const std::uint64_t t_step = this->step_ + 1;
    const int T = team_.size();
    const bool prof = profiling_;
    const auto step_start = prof ? profile_lane::clock::now() : profile_lane::clock::time_point{};
    std::vector<double> losses(static_cast<std::size_t>(T), 0.0);
    team_.run([&](int t) {
      const auto rows = thread_pool::split(n, t, T);  // not a structured binding: clang < 16 cannot capture one
      const std::size_t b0 = rows.first, b1 = rows.second;
      const auto lane = static_cast<std::size_t>(t);
      profile_lane* pl = prof ? &prof_lanes_[lane] : nullptr;
      // Profiling: the team meets, then the time until the next meeting goes to `bucket` (phase p).
      auto meet = [&](double* bucket, profile_phase p) {
        if (T > 1) team_.barrier();
        pl->switch_to(p);
        pl->buckets = bucket;
      };
      double scratch[3] = {0, 0, 0};  // the time before the first layer (the team's start) is not a layer's
      if (prof) {
        pl->buckets = scratch;
        pl->since = profile_lane::clock::now();
        meet(layer_buckets(lane, 0), profile_phase::forward);
      }
      this->forward_schedule(input_, b0, [&](auto I, auto& k, const float* in, float* out) {
        if constexpr (!base::relu_fused[I]) {  // else the layer before wrote this ReLU's output
          context c = make_context(t, I, true, b0);
          c.profile = pl;
          c.relu = base::fuses_next(I);
          k.forward(c, in, out, b1 - b0, params_.data() + base::param_offsets[I]);
        }
        if (prof) {
          if (I + 1 < layer_count) meet(layer_buckets(lane, I + 1), profile_phase::forward);
          else meet(&prof_loss_[lane], profile_phase::forward);
        }
      });
      losses[lane] = loss_impl<Loss>::forward_backward(this->acts(layer_count) + b0 * output_size, y.data() + b0, 0, b1 - b0,
                                                       output_size, 1.0f / static_cast<float>(n), this->loss_gradient(lane));
      float* dparams = T > 1 ? partial_[lane].data() : grad_.data();
      std::fill(dparams, dparams + param_count, 0.0f);
      if (prof) meet(layer_buckets(lane, layer_count - 1), profile_phase::backward_data);
      this->backward_schedule(input_, b0, lane,
                              [&](auto I, auto& k, const float* xi, const float* yi, const float* dy, float* dx) {
                                if constexpr (!base::relu_backward_fused[I]) {  // else the next layer did it
                                  context c = make_context(t, I, true, b0);
                                  c.profile = pl;
                                  c.relu_mask = base::masks_previous(I);
                                  k.backward(c, xi, yi, dy, dx, b1 - b0, params_.data() + base::param_offsets[I],
                                             dparams + base::param_offsets[I]);
                                }
                                if (prof) {
                                  if (I > 0) meet(layer_buckets(lane, I - 1), profile_phase::backward_data);
                                  else meet(&prof_update_[lane], profile_phase::forward);
                                }
                              });
      if (T > 1) team_.barrier();  // all partial gradients are complete
      const auto [p0, p1] = thread_pool::split(param_count, t, T);
      if (T > 1) {
        for (std::size_t i = p0; i < p1; ++i) {
          float g = partial_[0][i];
          for (int u = 1; u < T; ++u) g += partial_[static_cast<std::size_t>(u)][i];
          grad_[i] = g;
        }
      }
      if (opt) update_slice(*opt, p0, p1, t_step);
      if (prof) meet(scratch, profile_phase::forward);  // the update's time is added
    });
    if (prof) {
      prof_step_ += std::chrono::duration<double>(profile_lane::clock::now() - step_start).count();
      ++prof_steps_;
      prof_samples_ += n;
    }
    if (opt) this->step_ = t_step;
    double total = 0;
    for (double l : losses) total += l;
    return static_cast<float>(total / static_cast<double>(n));
  }

  // Layer l's three buckets (forward, backward-data, backward-weights) of thread `lane`.
  double* layer_buckets(std::size_t lane, std::size_t l) { return prof_.data() + (lane * layer_count + l) * 3; }

  thread_pool team_;
  std::uint64_t seed_;
  std::size_t capacity_ = 0, inference_capacity_ = 0;
  std::size_t batch_ = 0;
  const float* input_ = nullptr;
  cnnbench::detail::aligned_vector<float> params_, state_, grad_;
  std::vector<cnnbench::detail::aligned_vector<float>> partial_;
  std::vector<std::array<cnnbench::detail::aligned_vector<float>, 2>> ibuf_;  // per thread, inference
  cnnbench::detail::aligned_vector<float> out_;                               // inference output
  std::vector<cnnbench::detail::aligned_vector<float>> workspace_;
  std::array<cnnbench::detail::aligned_vector<float>, 2> opt_state_;
  bool profiling_ = false;
  std::vector<profile_lane> prof_lanes_;           // per thread
  std::vector<double> prof_, prof_loss_, prof_update_;  // per thread: [layer][3], loss, update (seconds)
  double prof_step_ = 0;
  std::uint64_t prof_steps_ = 0, prof_samples_ = 0;
};

}  // namespace cnnbench::backend::eigen
