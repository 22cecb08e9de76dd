// cnnbench/exec/runner.hpp: the runner protocol (a C++20 concept), its input checks, and the
// execution-policy trait. The lowest header of exec/: back ends include this, never exec/policy.hpp.
//
// A policy P (a small value type: exec::eigen_cpu, exec::cudnn, exec::libtorch) opts in with
//   template <> inline constexpr bool enable_execution_policy<P> = true;
// and provides `prepare(const P&, const network<Net, In>&)`, which returns a runner for that network:
//
//   load_from(net), store_to(net)                   weight transfers (explicit, timeable)
//   forward(x, n) -> span<const float>              inference logits, n x output size, host memory
//   evaluate<Loss>(x, y, n) -> batch_eval           inference loss sum and correct count
//   compute_gradients<Loss>(x, y, n) -> float       training-mode forward + backward, mean loss;
//   gradients() -> span<const float>                ... whose dLoss/dparams this returns (the network's layout)
//   apply_gradients(opt)                            one optimizer update from those gradients
//   train_step<Loss>(x, y, n, opt) -> float         compute_gradients + apply_gradients, mean loss
//   params() -> (a range of) float                  the runner's copy of the parameters
//
// Optionally (runner_with_optimizer_state; eigen_cpu, cudnn and libtorch have it), for checkpoints:
//   export_optimizer_state() -> optimizer_state     the optimizer's buffers and step counter
//   import_optimizer_state(const optimizer_state&)  continue from them (the same policy, the same network)
// With the weights (store_to / load_from) and the step counter, that is everything a runner needs to
// continue training bit for bit: batch orders, augmentations and dropout masks are pure functions of
// the seeds, the epoch and the step (data/batches.hpp, data/augment.hpp, layers/dropout.hpp).
//
// with x: n * In.size() floats, NCHW, host memory; y: n int32 labels. Every runner checks its input
// with check_batch / check_labels below before anything runs: shape_error for sizes, value_error for
// a label out of range. A loss or optimizer that a policy does not implement is a compile error
// ("cnnbench: <policy> has no implementation of <loss>"), never a silent substitute.
#pragma once
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "../error.hpp"
#include "../loss.hpp"
#include "../network.hpp"
#include "../optim.hpp"
#include "../shape.hpp"

namespace cnnbench {

/// Loss and correct predictions summed over a batch (runner.evaluate, cnnbench::evaluate).
struct batch_eval {
  double loss_sum = 0;      ///< sum of per-sample losses
  std::size_t correct = 0;  ///< samples whose prediction equals the label
  std::size_t count = 0;    ///< samples
  batch_eval& operator+=(const batch_eval& o) noexcept {
    loss_sum += o.loss_sum;
    correct += o.correct;
    count += o.count;
    return *this;
  }
  double mean_loss() const noexcept { return count ? loss_sum / static_cast<double>(count) : 0.0; }
  double accuracy() const noexcept { return count ? static_cast<double>(correct) / static_cast<double>(count) : 0.0; }
};

/// A runner's optimizer state, as export_optimizer_state() gives it and import_optimizer_state() takes it.
/// `buffers` are the optimizer's state buffers in the network's parameter layout (Opt::state_buffers of
/// them, param_count floats each: SGD's momentum, Adam's m and v, RMSprop's mean square and momentum);
/// a policy whose state has another form (libtorch: torch.optim's own) puts it, serialised, in `opaque`.
/// A state is read back only by the policy that wrote it.
struct optimizer_state {
  std::string optimizer;                    ///< Opt::name of the last update ("sgd", "adam", ...); empty before any
  std::uint64_t step = 0;                   ///< training steps applied (dropout masks and Adam's t depend on it)
  std::vector<std::vector<float>> buffers;  ///< Opt::state_buffers x param_count floats
  std::string opaque;                       ///< a policy's own serialised state (bytes), else empty
};

/// Opt-in trait (std::ranges::enable_view style): true for every execution policy type.
template <class P>
inline constexpr bool enable_execution_policy = false;

template <class P>
concept execution_policy = enable_execution_policy<std::remove_cvref_t<P>>;

/// R is a runner of network<Net, In> (the protocol above), checked with softmax cross-entropy and SGD.
template <class R, class Net, shape In>
concept runner_for = requires(R& r, const R& cr, network<Net, In>& net, const network<Net, In>& cnet,
                              std::span<const float> x, std::span<const std::int32_t> y, std::size_t n,
                              const optim::sgd& opt) {
  r.load_from(cnet);
  cr.store_to(net);
  { r.forward(x, n) } -> std::convertible_to<std::span<const float>>;
  { r.template evaluate<loss::softmax_cross_entropy>(x, y, n) } -> std::same_as<batch_eval>;
  { r.template compute_gradients<loss::softmax_cross_entropy>(x, y, n) } -> std::convertible_to<float>;
  { cr.gradients() } -> std::convertible_to<std::span<const float>>;
  r.apply_gradients(opt);
  { r.template train_step<loss::softmax_cross_entropy>(x, y, n, opt) } -> std::convertible_to<float>;
  cr.params();
};

/// R can export and import its optimizer state (see optimizer_state). import_optimizer_state throws
/// value_error for a state of another optimizer shape (unknown name, wrong buffer count or size).
template <class R>
concept runner_with_optimizer_state = requires(R& r, const R& cr, const optimizer_state& s) {
  { cr.export_optimizer_state() } -> std::same_as<optimizer_state>;
  r.import_optimizer_state(s);
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
}  // namespace cnnbench
