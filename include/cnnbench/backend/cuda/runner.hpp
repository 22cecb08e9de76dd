// cnnbench/backend/cuda/runner.hpp: the runner of exec::cudnn (see exec/cudnn.hpp for the API).
//
// STRUCTURE. runner<Net, In> is built on backend::runner_base (the skeleton eigen_cpu shares): the
// model's constants, one kernel<L, In> per leaf layer (kernel.hpp; a Residual runs its branches
// itself, residual.hpp), the activation buffers, one lane's pair of activation-gradient buffers
// (also the inference pass's ping-pong pair), the forward / backward / inference schedules and the
// optimizer-change rule. Losses dispatch through loss_impl<Loss> (losses.hpp), optimizers through
// optimizer_impl<Opt> (optimizers.hpp). The stream, handles, compiled kernels and the memory
// accounting sit in a base initialised before and destroyed after the skeleton.
//
// DEVICE MEMORY. The runner owns every device buffer it uses (memory.hpp): the parameters, their
// gradients and the BatchNorm state (each one contiguous buffer, laid out exactly as network<>'s:
// Conv OIHW, Dense [out, in], bias after weight when the layer has one), the optimizer state, the input batch and labels,
// every activation of a training step (backward needs them), two gradient buffers used in turn
// (also the inference pass's ping-pong buffers), the inference output, the per-sample losses, the
// kernels' own buffers (explicitly padded inputs, max-pool indices, BatchNorm batch statistics, a
// Residual's branch activations and gradients) and one cuDNN workspace shared by the kernels (the
// largest any needs, a Residual reporting its sub-kernels'). Buffers grow to the largest batch seen and are kept.
//
// TRANSFERS. Every host<->device copy is an explicit cudaMemcpyAsync inside the calls below, on the
// runner's stream: a training step copies the batch and labels into pinned staging buffers, then
// to the device; the only host synchronisation of a step is the read-back of its loss.
//
// BATCH SIZES. Descriptors and algorithms depend on the batch size, which prepare() does not know.
// The first call with a new batch size configures the layers (a stream synchronisation, possibly
// buffer growth, and for each convolution an algorithm search: cudnnFind* runs every candidate once,
// tens to hundreds of milliseconds per layer); later batch sizes reuse the algorithms found first
// when cuDNN accepts them, and the choices are kept for the process (algorithm_cache), so a later
// runner of the same model and settings does not search again. Call reserve(n) before timing to
// keep the first configuration out of the measurement.
#pragma once
#if !defined(CNNBENCH_WITH_CUDA)
#error "cnnbench: backend/cuda/runner.hpp needs CNNBENCH_WITH_CUDA (link cnnbench::cuda)"
#endif
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "../../error.hpp"
#include "../../exec/runner.hpp"
#include "../../loss.hpp"
#include "../../network.hpp"
#include "../../optim.hpp"
#include "../runner_base.hpp"
#include "error.hpp"
#include "handles.hpp"
#include "device.hpp"
#include "kernels.hpp"
#include "losses.hpp"
#include "memory.hpp"
#include "nvrtc.hpp"
#include "optimizers.hpp"

namespace cnnbench::backend::cuda {

/// The policy's settings as the runner uses them (exec::cudnn converts to this).
struct runner_options {
  int device = 0;
  bool deterministic = true;
  bool allow_tf32 = false;
  std::size_t workspace_limit = 0;  ///< bytes, 0 = no limit (then: the free device memory at prepare)
  std::uint64_t seed = 0;           ///< dropout masks
};

namespace detail {
/// What the runner holds besides the model's buffers, in a base class initialised before and
/// destroyed after runner_base (whose kernels and buffers report to memory_ and must be released
/// with the runner's device current): the device restore, the options, the stream, the handles, the
/// compiled kernels and the memory accounting.
struct runner_resources {
  explicit runner_resources(const runner_options& o) : options_(o) {}
  /// Declared first, destroyed last: makes the caller's device current again after everything
  /// (released on the runner's device) is gone.
  struct device_restore {
    int device = -1;
    device_restore() = default;
    device_restore(const device_restore&) = delete;
    device_restore& operator=(const device_restore&) = delete;
    ~device_restore() {
      if (device >= 0) cudaSetDevice(device);
    }
  };
  device_restore restore_;
  runner_options options_;
  algo_requirements requirements_;
  stream_handle stream_;
  cudnn_handle cudnn_;
  cublas_handle cublas_;
  const kernel_module* module_ = nullptr;
  memory_tracker memory_;
};
}  // namespace detail

/// exec::cudnn's runner, on the shared skeleton (backend/runner_base.hpp): one lane (the stream),
/// so grads_ holds one pair of activation-gradient buffers, also the inference pass's ping-pong pair.
template <class Net, shape In>
class runner : private detail::runner_resources, public runner_base<Net, In, kernel, device_buffer<float>> {
  using base = runner_base<Net, In, kernel, device_buffer<float>>;

 public:
  using typename base::layers;
  using typename base::network_type;
  using base::layer_count;
  using base::output_shape;
  using base::output_size;
  using base::param_count;
  using base::param_offsets;
  using base::shapes;
  using base::state_count;
  using base::state_offsets;
  using base::step;

  /// Checks the device (device_error with the reason when it cannot be used), creates the stream
  /// and handles, compiles or fetches the kernels, allocates the parameters and loads `net`.
  runner(const runner_options& o, const network_type& net) : detail::runner_resources(o) {
    if (const std::string why = device_unavailable_reason(o.device); !why.empty())
      throw device_error("exec::cudnn: no usable CUDA device " + std::to_string(o.device) + ": " + why);
    device_guard guard(o.device);
    stream_ = make_stream();
    cudnn_ = make_cudnn(stream_.get());
    cublas_ = make_cublas(stream_.get(), o.allow_tf32);
    module_ = &kernel_module::for_device(o.device);
    requirements_ = {o.deterministic, o.workspace_limit, o.allow_tf32};
    if (requirements_.workspace_limit == 0) {  // "no limit": what the device can hold now
      std::size_t free = 0, total = 0;
      CNNBENCH_CUDA_CHECK(cudaMemGetInfo(&free, &total));
      requirements_.workspace_limit = free / 2;
    }
    grads_.resize(1);  // one lane
    for (auto* b : {&params_, &param_grads_, &state_, &x_, &grads_[0][0], &grads_[0][1], &out_, &opt_state_[0], &opt_state_[1]})
      b->track(&memory_);
    for (auto& a : acts_) a.track(&memory_);
    for (auto* b : {&labels_, &correct_, &correct_sum_}) b->track(&memory_);
    for (auto* b : {&losses_, &loss_sum_}) b->track(&memory_);
    workspace_.track(&memory_);
    params_.reserve(param_count);
    param_grads_.reserve(param_count);
    state_.reserve(state_count);
    loss_sum_.reserve(1);
    correct_sum_.reserve(1);
    loss_host_.reserve(1);
    correct_host_.reserve(1);
    CNNBENCH_CUDA_CHECK(cudaMemsetAsync(param_grads_.data(), 0, param_count * sizeof(float), stream_.get()));
    load_from(net);
  }
  runner(const runner&) = delete;
  runner& operator=(const runner&) = delete;
  /// Waits for the queued work, then releases everything (buffers, descriptors, handles, stream)
  /// with the runner's device current, and makes the caller's device current again.
  ~runner() {
    if (!stream_) return;
    int current = -1;
    if (cudaGetDevice(&current) == cudaSuccess && current != options_.device && cudaSetDevice(options_.device) == cudaSuccess)
      restore_.device = current;  // restored by restore_'s destructor, after every member is released
    cudaStreamSynchronize(stream_.get());
  }

  /// The CUDA device index.
  int device() const noexcept { return options_.device; }
  /// High-water mark of the runner's own device allocations, bytes (not the CUDA context, not the
  /// libraries' internal memory, not cudnnFind's temporary buffers).
  std::size_t peak_device_bytes() const noexcept { return memory_.peak(); }
  /// The runner's device allocations now, bytes.
  std::size_t device_bytes() const noexcept { return memory_.current(); }
  /// The kernels' compilation: "sm_90 (CUBIN)" or "compute_90 (PTX)".
  std::string kernel_target() const {
    return (module_->cubin() ? "sm_" : "compute_") + std::to_string(module_->arch()) + (module_->cubin() ? " (CUBIN)" : " (PTX)");
  }
  /// One line per convolution: the algorithms chosen for the last configured batch size.
  std::string algorithms() const {
    std::string s;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (
          [&] {
            if constexpr (requires { std::get<I>(kernels_).describe(std::string_view{}); }) {
              const std::string d = std::get<I>(kernels_).describe(rows_[I].name());
              if (!d.empty()) s += d + "\n";
            }
          }(),
          ...);
    }(std::make_index_sequence<layer_count>{});
    return s;
  }

  /// Copies the network's parameters and state to the device (synchronous).
  void load_from(const network_type& net) {
    device_guard guard(options_.device);
    copy_in(params_.data(), net.params().data(), param_count);
    copy_in(state_.data(), net.state().data(), state_count);
    sync();
  }
  /// Copies the parameters and state back into `net` (synchronous).
  void store_to(network_type& net) const {
    device_guard guard(options_.device);
    copy_out(net.params().data(), params_.data(), param_count);
    copy_out(net.state().data(), state_.data(), state_count);
    sync();
  }
  /// The runner's parameters, copied to a host buffer (synchronous; valid until the next call).
  std::span<const float> params() const {
    device_guard guard(options_.device);
    params_host_.resize(param_count);
    copy_out(params_host_.data(), params_.data(), param_count);
    sync();
    return params_host_;
  }
  /// The optimizer's state buffers and step counter (exec/runner.hpp's optimizer_state), copied to the
  /// host (synchronous), for checkpoints.
  optimizer_state export_optimizer_state() const {
    device_guard guard(options_.device);
    optimizer_state s;
    s.optimizer = this->optimizer_name();
    s.step = step_;
    const std::size_t buffers = state_buffers_of(s.optimizer);
    for (std::size_t i = 0; i < buffers && i < 2; ++i) {
      s.buffers.emplace_back(param_count);
      copy_out(s.buffers.back().data(), opt_state_[i].data(), param_count);
    }
    sync();
    return s;
  }
  /// Continues from `s` (exported by a cudnn runner of this network; synchronous). Throws value_error
  /// for an unknown optimizer or buffers of the wrong count or size (nothing is changed then).
  void import_optimizer_state(const optimizer_state& s) {
    const std::size_t buffers = state_buffers_of(s.optimizer);
    if (s.buffers.size() != buffers)
      throw value_error("optimizer state '" + s.optimizer + "' with " + std::to_string(s.buffers.size()) +
                        " buffers, expected " + std::to_string(buffers));
    for (const auto& b : s.buffers)
      if (b.size() != param_count)
        throw value_error("optimizer state buffer of " + std::to_string(b.size()) + " floats, the network has " +
                          std::to_string(param_count) + " parameters");
    device_guard guard(options_.device);
    this->adopt_optimizer(s.optimizer);
    for (std::size_t i = 0; i < buffers && i < 2; ++i) {
      grow(opt_state_[i], param_count);
      copy_in(opt_state_[i].data(), s.buffers[i].data(), param_count);
    }
    sync();
    step_ = s.step;
  }
  /// dLoss/dparams of the last compute_gradients / train_step, copied to a host buffer (synchronous).
  std::span<const float> gradients() const {
    device_guard guard(options_.device);
    grads_host_.resize(param_count);
    copy_out(grads_host_.data(), param_grads_.data(), param_count);
    sync();
    return grads_host_;
  }
  /// The gradient buffer itself, in DEVICE memory, writable: what apply_gradients reads (work on it
  /// must be ordered on stream()). For exec::data_parallel over NCCL (exec/data_parallel_cudnn.hpp).
  std::span<float> device_gradient_buffer() noexcept { return {param_grads_.data(), param_count}; }
  /// The runner's CUDA stream (owned by the runner).
  cudaStream_t stream() const noexcept { return stream_.get(); }
  /// Activation k of the last training-mode call (k = 0 the input, k = i + 1 the output of layer i),
  /// copied to a host buffer (synchronous).
  std::span<const float> activation(std::size_t k) const {
    if (k > layer_count) throw value_error("activation index " + std::to_string(k) + " out of range");
    device_guard guard(options_.device);
    const std::size_t count = train_batch_ * shapes[k].size();
    activation_host_.resize(count);
    copy_out(activation_host_.data(), k == 0 ? x_.data() : acts_[k].data(), count);
    sync();
    return {activation_host_.data(), count};
  }

  /// Configures everything for batches of n samples (buffers, descriptors, algorithm searches) so
  /// that the first timed call does not pay for it. training = false prepares inference only.
  void reserve(std::size_t n, bool training = true) {
    if (n == 0) throw shape_error("empty batch (n = 0)");
    device_guard guard(options_.device);
    configure(n, training);
  }

  /// Inference: logits (n x output_size, row-major) for n samples x (n x In.size(), NCHW, host).
  /// Dropout is off, BatchNorm uses the running statistics. Synchronous; the span (pinned host
  /// memory) lives until the next call.
  std::span<const float> forward(std::span<const float> x, std::size_t n) {
    check_input(x, n);
    device_guard guard(options_.device);
    configure(n, false);
    stage_input(x, n);
    inference_pass(n);
    out_host_.reserve(n * output_size);
    CNNBENCH_CUDA_CHECK(cudaMemcpyAsync(out_host_.data(), out_.data(), n * output_size * sizeof(float), cudaMemcpyDeviceToHost,
                                        stream_.get()));
    sync();
    return {out_host_.data(), n * output_size};
  }

  /// Inference loss (sum over the batch) and correct count for n samples with labels y (synchronous).
  template <class Loss = loss::softmax_cross_entropy>
  batch_eval evaluate(std::span<const float> x, std::span<const std::int32_t> y, std::size_t n) {
    base::template check_loss<Loss>();
    check_input(x, n);
    check_labels<Loss>(y, n);
    device_guard guard(options_.device);
    configure(n, false);
    stage_input(x, n);
    stage_labels(y, n);
    inference_pass(n);
    loss_pass<Loss>(out_.data(), n, nullptr, 0.0f);
    sync();
    batch_eval e;
    e.loss_sum = loss_host_.data()[0];
    e.correct = static_cast<std::size_t>(correct_host_.data()[0]);
    e.count = n;
    return e;
  }

  /// Training-mode forward, loss (mean over the batch) and backward: gradients() then holds
  /// dLoss/dparams. Does not change the parameters or the step counter (so dropout masks stay the
  /// same when it is called again); BatchNorm running statistics are updated, as in eigen_cpu.
  template <class Loss = loss::softmax_cross_entropy>
  float compute_gradients(std::span<const float> x, std::span<const std::int32_t> y, std::size_t n) {
    return train<Loss>(x, y, n, static_cast<const optim::sgd*>(nullptr));
  }
  /// One training step: compute_gradients, then the optimizer update on the device. Returns the
  /// batch's mean loss (before the update; NaN/Inf returned as is). One host synchronisation.
  template <class Loss = loss::softmax_cross_entropy, optimizer Opt>
  float train_step(std::span<const float> x, std::span<const std::int32_t> y, std::size_t n, const Opt& opt) {
    opt.check();
    return train<Loss>(x, y, n, &opt);
  }
  /// Applies the optimizer to the gradients of the last compute_gradients (asynchronous).
  template <optimizer Opt>
  void apply_gradients(const Opt& opt) {
    opt.check();
    device_guard guard(options_.device);
    prepare_optimizer(opt);
    update(opt, ++step_);
  }
  /// Waits until the queued work is done.
  void synchronize() const {
    device_guard guard(options_.device);
    sync();
  }

 private:
  using base::acts_;
  using base::grads_;
  using base::kernels_;
  using base::max_activation;
  using base::step_;
  static constexpr auto rows_ = summary<Net, In>().rows;

  void sync() const { CNNBENCH_CUDA_CHECK(cudaStreamSynchronize(stream_.get())); }
  static std::size_t state_buffers_of(const std::string& optimizer) {
    std::size_t n = 0;
    cnnbench::detail::for_each_type(optim::all{}, [&](auto, auto t) {
      if (optimizer == decltype(t)::type::name) n = decltype(t)::type::state_buffers;
    });
    return n;
  }
  void copy_in(float* dst, const float* src, std::size_t count) {
    if (count)
      CNNBENCH_CUDA_CHECK(cudaMemcpyAsync(dst, src, count * sizeof(float), cudaMemcpyHostToDevice, stream_.get()));
  }
  void copy_out(float* dst, const float* src, std::size_t count) const {
    if (count)
      CNNBENCH_CUDA_CHECK(cudaMemcpyAsync(dst, src, count * sizeof(float), cudaMemcpyDeviceToHost, stream_.get()));
  }
  /// Grows a device buffer, first waiting for queued work that may still use it.
  template <class T>
  void grow(device_buffer<T>& b, std::size_t count) {
    if (count <= b.size()) return;
    sync();
    b.reserve(count);
  }

  void check_input(std::span<const float> x, std::size_t n) const {
    cnnbench::detail::check_batch<In>(x, n);
    if (n > static_cast<std::size_t>(1) << 30) throw shape_error("batch of " + std::to_string(n) + " samples is too large");
  }
  template <class Loss>
  void check_labels(std::span<const std::int32_t> y, std::size_t n) const {
    cnnbench::detail::check_labels<Loss>(y, n, output_size);
  }

  device_context make_context(std::size_t layer) {
    device_context c;
    c.stream = stream_.get();
    c.cudnn = cudnn_.get();
    c.cublas = cublas_.get();
    c.kernels = module_;
    c.memory = &memory_;
    c.requirements = requirements_;
    c.device = options_.device;
    c.workspace_setting = options_.workspace_limit;
    c.workspace = workspace_.empty() ? nullptr : workspace_.data();
    c.workspace_bytes = workspace_.bytes();
    c.seed = options_.seed;
    c.step = step_;
    c.layer = layer;
    c.name = rows_[layer].name();
    c.state = state_count ? state_.data() + state_offsets[layer] : nullptr;
    c.scratch = grads_[0][0].data();
    return c;
  }

  /// Descriptors, algorithms and buffers for batches of n (training: also backward and activations).
  void configure(std::size_t n, bool training) {
    if (n != configured_n_ || (training && !configured_training_)) {
      sync();
      const bool tr = training || (n == configured_n_ && configured_training_);
      [&]<std::size_t... I>(std::index_sequence<I...>) {
        (
            [&] {
              device_context c = make_context(I);
              std::get<I>(kernels_).configure(c, static_cast<int>(n), tr);
            }(),
            ...);
      }(std::make_index_sequence<layer_count>{});
      std::size_t ws = 0;  // the largest any kernel needs (a Residual reports its sub-kernels')
      this->each_kernel([&](auto& k) { ws = std::max(ws, static_cast<std::size_t>(k.workspace_bytes())); });
      workspace_.reserve(ws);  // the stream is idle (synchronised above)
      configured_n_ = n;
      configured_training_ = tr;
    }
    grow(x_, n * In.size());
    grow(grads_[0][0], n * max_activation());
    grow(grads_[0][1], n * max_activation());
    grow(labels_, n);
    grow(losses_, n);
    grow(correct_, n);
    if (training)
      for (std::size_t k = 1; k <= layer_count; ++k) grow(acts_[k], n * shapes[k].size());
    else
      grow(out_, n * output_size);
  }

  void stage_input(std::span<const float> x, std::size_t n) {
    x_host_.reserve(n * In.size());  // the previous call has synchronised: the staging buffer is free
    std::memcpy(x_host_.data(), x.data(), n * In.size() * sizeof(float));
    CNNBENCH_CUDA_CHECK(
        cudaMemcpyAsync(x_.data(), x_host_.data(), n * In.size() * sizeof(float), cudaMemcpyHostToDevice, stream_.get()));
  }
  void stage_labels(std::span<const std::int32_t> y, std::size_t n) {
    y_host_.reserve(n);
    std::memcpy(y_host_.data(), y.data(), n * sizeof(std::int32_t));
    CNNBENCH_CUDA_CHECK(cudaMemcpyAsync(labels_.data(), y_host_.data(), n * sizeof(std::int32_t), cudaMemcpyHostToDevice,
                                        stream_.get()));
  }

  /// Training forward pass (runner_base's schedule; the activations stay for backward).
  void forward_pass(std::size_t n) {
    this->forward_schedule(x_.data(), 0, [&](auto I, auto& k, const float* in, float* out) {
      device_context c = make_context(I);
      k.forward(c, in, out, static_cast<int>(n), params_.data() + param_offsets[I], true);
    });
  }
  /// Inference pass through the lane's pair of gradient buffers; the last layer writes out_.
  void inference_pass(std::size_t n) {
    this->inference_schedule(x_.data(), out_.data(), grads_[0], [&](auto I, auto& k, const float* in, float* out) {
      device_context c = make_context(I);
      k.forward(c, in, out, static_cast<int>(n), params_.data() + param_offsets[I], false);
    });
  }
  /// Backward pass (last layer first); every kernel overwrites its dw.
  void backward_pass(std::size_t n) {
    this->backward_schedule(x_.data(), 0, 0, [&](auto I, auto& k, const float* x, const float* y, const float* dy, float* dx) {
      device_context c = make_context(I);
      k.backward(c, x, y, dy, dx, static_cast<int>(n), params_.data() + param_offsets[I], param_grads_.data() + param_offsets[I]);
    });
  }

  /// Per-sample losses (and, with dz, their gradient * scale) of logits z, reduced on the device;
  /// the sums are copied to pinned memory (read them after a sync).
  template <class Loss>
  void loss_pass(const float* z, std::size_t n, float* dz, float scale) {
    const int count = static_cast<int>(n);
    loss_impl<Loss>::run(*module_, stream_.get(), count, z, labels_.data(), static_cast<int>(output_size), scale, dz,
                         losses_.data(), correct_.data());
    launch::cnb_reduce_loss(*module_, stream_.get(), 1, count, losses_.data(), correct_.data(), loss_sum_.data(),
                            correct_sum_.data());
    CNNBENCH_CUDA_CHECK(
        cudaMemcpyAsync(loss_host_.data(), loss_sum_.data(), sizeof(double), cudaMemcpyDeviceToHost, stream_.get()));
    CNNBENCH_CUDA_CHECK(
        cudaMemcpyAsync(correct_host_.data(), correct_sum_.data(), sizeof(int), cudaMemcpyDeviceToHost, stream_.get()));
  }

  /// Resets the optimizer state when the optimizer type differs from the previous call's.
  template <class Opt>
  void prepare_optimizer(const Opt&) {
    if (!this->template optimizer_changed<Opt>()) return;
    for (std::size_t i = 0; i < Opt::state_buffers && i < 2; ++i) {
      grow(opt_state_[i], param_count);
      CNNBENCH_CUDA_CHECK(cudaMemsetAsync(opt_state_[i].data(), 0, param_count * sizeof(float), stream_.get()));
    }
  }
  /// The optimizer's update at step t (optimizers.hpp).
  template <class Opt>
  void update(const Opt& opt, std::uint64_t t) {
    cuda::update(*module_, stream_.get(), opt, t, params_.data(), param_grads_.data(), opt_state_[0].data(), opt_state_[1].data(),
                 static_cast<long long>(param_count));
  }

  template <class Loss, class Opt>
  float train(std::span<const float> x, std::span<const std::int32_t> y, std::size_t n, const Opt* opt) {
    base::template check_loss<Loss>();
    check_input(x, n);
    check_labels<Loss>(y, n);
    device_guard guard(options_.device);
    configure(n, true);
    stage_input(x, n);
    stage_labels(y, n);
    if (opt) prepare_optimizer(*opt);
    train_batch_ = n;
    forward_pass(n);
    loss_pass<Loss>(acts_[layer_count].data(), n, this->loss_gradient(0), 1.0f / static_cast<float>(n));
    backward_pass(n);
    if (opt) update(*opt, step_ + 1);
    sync();  // the step's one host synchronisation: the loss read-back
    if (opt) ++step_;
    return static_cast<float>(loss_host_.data()[0] / static_cast<double>(n));
  }

  std::size_t configured_n_ = 0;
  bool configured_training_ = false;
  std::size_t train_batch_ = 0;  // batch of the last training-mode call (activation())
  device_buffer<float> params_, param_grads_, state_, x_, out_;
  std::array<device_buffer<float>, 2> opt_state_;
  device_buffer<std::int32_t> labels_, correct_, correct_sum_;
  device_buffer<double> losses_, loss_sum_;
  device_buffer<unsigned char> workspace_;
  pinned_buffer<float> x_host_, out_host_;
  pinned_buffer<std::int32_t> y_host_, correct_host_;
  pinned_buffer<double> loss_host_;
  mutable std::vector<float> params_host_, grads_host_, activation_host_;
};

}  // namespace cnnbench::backend::cuda
