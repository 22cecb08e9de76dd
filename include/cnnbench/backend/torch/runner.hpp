// cnnbench/backend/torch/runner.hpp: the runner of exec::libtorch (see exec/libtorch.hpp for the API).
// (Namespace torch_adapter, not torch: a cnnbench::backend::torch would hide ::torch inside cnnbench.)
#pragma once
#include <dlfcn.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <sstream>
#include <span>
#include <string>
#include <vector>

#include "../../error.hpp"
#include "../../exec/runner.hpp"
#include "../../loss.hpp"
#include "../../network.hpp"
#include "../../optim.hpp"
#include "losses.hpp"
#include "modules.hpp"
#include "optimizers.hpp"

namespace cnnbench::backend::torch_adapter {

/// Sets the thread count of the OpenBLAS torch calls, when OpenBLAS is loaded (n > 0); returns
/// whether it was found. Process-wide, like torch::set_num_threads.
inline bool set_blas_threads(int n) {
  if (n <= 0) return false;
  using setter = void (*)(int);
  if (void* f = dlsym(RTLD_DEFAULT, "openblas_set_num_threads")) {
    reinterpret_cast<setter>(f)(n);
    return true;
  }
  return false;
}

template <class Net, shape In>
class runner {
 public:
  using network_type = network<Net, In>;
  static constexpr shape output_shape = network_type::output_shape;
  static constexpr std::size_t output_size = output_shape.size();
  static constexpr std::size_t param_count = network_type::param_count;

  runner(const std::string& device, int threads, bool float64, const network_type& net)
      : device_(parse_device(device)), dtype_(float64 ? ::torch::kFloat64 : ::torch::kFloat32) {
    if (threads > 0) ::torch::set_num_threads(threads);
    builder b = build<Net, In>();
    seq_ = b.seq;
    bindings_ = std::move(b.bindings);
    description_ = std::move(b.description);
    seq_->to(device_, dtype_);
    load_from(net);
  }

  /// The torch module (for inspection; do not change its structure).
  ::torch::nn::Sequential& module() { return seq_; }
  /// The torch modules in order, e.g. "Conv2d(1, 16, 3, stride 1, padding (0, 0))".
  const std::vector<std::string>& description() const { return description_; }
  /// Sum of numel() over the module's parameters (equals param_count_v; tested).
  std::size_t torch_parameter_count() const {
    std::size_t n = 0;
    for (const auto& p : seq_->parameters()) n += static_cast<std::size_t>(p.numel());
    return n;
  }
  std::uint64_t step() const noexcept { return step_; }

  /// Copies the network's parameters and BatchNorm state into the module (no reordering).
  void load_from(const network_type& net) {
    ::torch::NoGradGuard no_grad;
    for (const auto& b : bindings_) {
      const float* src = (b.trainable ? net.params() : net.state()).data() + b.offset;
      auto host = ::torch::from_blob(const_cast<float*>(src), b.tensor.sizes(), ::torch::kFloat32);
      b.tensor.copy_(host);
    }
  }
  /// Copies the module's parameters and state out into the network.
  void store_to(network_type& net) const {
    ::torch::NoGradGuard no_grad;
    for (const auto& b : bindings_) {
      auto host = b.tensor.detach().to(::torch::kCPU, ::torch::kFloat32).contiguous();
      float* dst = (b.trainable ? net.params() : net.state()).data() + b.offset;
      std::copy_n(host.template data_ptr<float>(), b.size, dst);
    }
  }
  /// The module's parameters in the network's layout (copied to the host).
  std::vector<float> params() const {
    std::vector<float> out(param_count);
    for (const auto& b : bindings_)
      if (b.trainable) {
        auto host = b.tensor.detach().to(::torch::kCPU, ::torch::kFloat32).contiguous();
        std::copy_n(host.template data_ptr<float>(), b.size, out.data() + b.offset);
      }
    return out;
  }

  /// Inference logits (n x output_size), host memory; eval mode (no dropout, running statistics).
  std::span<const float> forward(std::span<const float> x, std::size_t n) {
    check_input(x, n);
    ::torch::NoGradGuard no_grad;
    seq_->eval();
    auto z = seq_->forward(input(x, n)).to(::torch::kCPU, ::torch::kFloat32).contiguous();
    out_.assign(z.template data_ptr<float>(), z.template data_ptr<float>() + n * output_size);
    return out_;
  }

  template <class Loss = loss::softmax_cross_entropy>
  batch_eval evaluate(std::span<const float> x, std::span<const std::int32_t> y, std::size_t n) {
    check_labels<Loss>(y, n);
    forward(x, n);
    batch_eval e;
    e.loss_sum = loss_impl<Loss>::forward_backward(out_.data(), y.data(), 0, n, output_size, 0.0f, nullptr);
    e.correct = loss_impl<Loss>::correct(out_.data(), y.data(), 0, n, output_size);
    e.count = n;
    return e;
  }

  /// The optimizer's state (exec/runner.hpp's optimizer_state): the step counter and, in `opaque`, the
  /// torch.optim optimizer serialised by torch::save (its per-parameter buffers and own step counts).
  optimizer_state export_optimizer_state() const {
    if (pending_) return *pending_;  // imported, not used yet
    optimizer_state s;
    s.optimizer = kind_name_;
    s.step = step_;
    if (optimizer_) {
      std::ostringstream o;
      ::torch::save(*optimizer_, o);
      s.opaque = o.str();
    }
    return s;
  }
  /// Continues from `s` (exported by a libtorch runner of this network): the torch optimizer made by
  /// the next step with the optimizer type `s.optimizer` loads it (torch::load). Throws value_error for
  /// a state with float buffers (another policy's).
  void import_optimizer_state(const optimizer_state& s) {
    if (!s.buffers.empty())
      throw value_error("libtorch: an optimizer state with " + std::to_string(s.buffers.size()) +
                        " float buffers is another policy's (libtorch keeps torch.optim's own state)");
    optimizer_.reset();
    kind_ = nullptr;
    kind_name_.clear();
    step_ = s.step;
    pending_.reset();
    if (!s.optimizer.empty()) pending_ = s;
  }

  /// Training-mode forward, loss and backward; gradients() then holds dLoss/dparams. Returns the mean loss.
  template <class Loss = loss::softmax_cross_entropy>
  float compute_gradients(std::span<const float> x, std::span<const std::int32_t> y, std::size_t n) {
    const float loss = forward_backward<Loss>(x, y, n);
    grad_.assign(param_count, 0.0f);
    for (const auto& b : bindings_)
      if (b.trainable && b.tensor.grad().defined()) {
        auto g = b.tensor.grad().to(::torch::kCPU, ::torch::kFloat32).contiguous();
        std::copy_n(g.template data_ptr<float>(), b.size, grad_.data() + b.offset);
      }
    return loss;
  }
  std::span<const float> gradients() const noexcept { return grad_; }

  /// Applies the optimizer to the gradients of the last compute_gradients (torch.optim's step).
  template <optimizer Opt>
  void apply_gradients(const Opt& opt) {
    opt.check();
    optimizer_for(opt);
    before_step(opt, step_ + 1);
    optimizer_->step();
    ++step_;
  }

  /// One training step with torch's kernels and optimizer; returns the batch's mean loss.
  template <class Loss = loss::softmax_cross_entropy, optimizer Opt>
  float train_step(std::span<const float> x, std::span<const std::int32_t> y, std::size_t n, const Opt& opt) {
    opt.check();
    optimizer_for(opt);
    const float loss = forward_backward<Loss>(x, y, n);
    before_step(opt, step_ + 1);
    optimizer_->step();
    ++step_;
    return loss;
  }

 private:
  static ::torch::Device parse_device(const std::string& d) {
    ::torch::Device dev(::torch::kCPU);
    try {
      dev = ::torch::Device(d);
    } catch (const std::exception& e) {
      throw value_error("libtorch: device '" + d + "' is not a torch device (\"cpu\" or \"cuda:N\")");
    }
    if (dev.is_cuda() && !::torch::cuda::is_available())
      throw device_error("libtorch: device '" + d + "' requested, but this LibTorch has no usable CUDA device " +
                         "(Debian's libtorch 1.13 is built without CUDA)");
    return dev;
  }
  void check_input(std::span<const float> x, std::size_t n) const { cnnbench::detail::check_batch<In>(x, n); }
  template <class Loss>
  void check_labels(std::span<const std::int32_t> y, std::size_t n) const {
    static_assert(Loss::template accepts<output_shape>, "cnnbench: the loss does not fit the model's output");
    cnnbench::detail::check_labels<Loss>(y, n, output_size);
  }
  ::torch::Tensor input(std::span<const float> x, std::size_t n) const {
    auto t = ::torch::from_blob(const_cast<float*>(x.data()),
                                {static_cast<std::int64_t>(n), static_cast<std::int64_t>(In.c), static_cast<std::int64_t>(In.h),
                                 static_cast<std::int64_t>(In.w)},
                                ::torch::kFloat32);
    return t.to(device_, dtype_);  // the host-to-device copy of each batch (and float64 conversion) happens here
  }

  template <class Loss>
  float forward_backward(std::span<const float> x, std::span<const std::int32_t> y, std::size_t n) {
    check_input(x, n);
    check_labels<Loss>(y, n);
    seq_->train();
    for (auto& p : seq_->parameters()) p.mutable_grad() = ::torch::Tensor();
    auto z = seq_->forward(input(x, n));
    auto labels = ::torch::from_blob(const_cast<std::int32_t*>(y.data()), {static_cast<std::int64_t>(n)}, ::torch::kInt32)
                      .to(device_, ::torch::kInt64);
    ::torch::Tensor loss = loss_impl<Loss>::training(z, labels, dtype_);
    loss.backward();
    return static_cast<float>(loss.template item<double>());
  }

  // One torch optimizer per optimizer type used; a new type starts a fresh one.
  // An imported state (import_optimizer_state) is loaded into the first one made, if of its type.
  template <class Opt>
  void optimizer_for(const Opt& o) {
    static const char tag = 0;
    if (optimizer_ && kind_ == &tag) return;
    optimizer_ = optimizer_impl<Opt>::make(seq_->parameters(), o);
    if (pending_ && pending_->optimizer == Opt::name && !pending_->opaque.empty()) {
      std::istringstream in(pending_->opaque);
      ::torch::load(*optimizer_, in);
    }
    pending_.reset();
    kind_ = &tag;
    kind_name_ = std::string(Opt::name);
  }
  template <class Opt>
  void before_step(const Opt& o, std::uint64_t t) {
    optimizer_impl<Opt>::before_step(*optimizer_, o, t);
  }

  ::torch::Device device_;
  ::torch::Dtype dtype_;
  ::torch::nn::Sequential seq_{nullptr};
  std::vector<binding> bindings_;
  std::vector<std::string> description_;
  std::unique_ptr<::torch::optim::Optimizer> optimizer_;
  const void* kind_ = nullptr;
  std::string kind_name_;                   // Opt::name of kind_
  std::optional<optimizer_state> pending_;  // imported, loaded by the next optimizer_for
  std::uint64_t step_ = 0;
  std::vector<float> out_, grad_;
};

}  // namespace cnnbench::backend::torch_adapter
