// cnnbench/backend/runner_base.hpp: the skeleton every layer-by-layer runner is built on.
//
// runner_base<Net, In, Kernel, Buffer> owns what does not depend on the back end:
//   - the model's compile-time facts: its bound layers, shapes, parameter and state offsets (from
//     network<Net, In>, i.e. from the layers' declared tensor specs: never re-derived here);
//   - one kernel object per leaf layer, Kernel<L, In> ("the policy's implementation of layer L", the
//     same name in every back end: backend::eigen::kernel, backend::cuda::kernel);
//   - the activation buffers of a training step (acts(k): the output of layer k - 1, k = 1..L; the
//     input is the caller's; an in-place layer's output shares its input's buffer, see
//     shares_input, and an in-place ReLU's forward may be fused into the layer before's, see
//     relu_fused) and the activation-gradient buffers, one pair per lane (a lane is a
//     thread of eigen_cpu's team, or the one stream of cudnn), used in turn: the gradient with respect
//     to activation k lives in pair[grad_slot[k]] (k % 2 unless a ReLU's backward is fused into the
//     next layer's, see relu_backward_fused);
//   - the schedules: the training forward pass, the backward pass (last layer first) and the inference
//     pass (two buffers in turn, the last layer writing the output), each calling the back end's
//     `run(I, kernel, pointers...)` once per layer, in order;
//   - the training step counter and the optimizer-change rule (the state buffers are reset when the
//     optimizer type changes between calls), and the optimizer's name for checkpoints
//     (optimizer_name(), adopt_optimizer(name): see exec/runner.hpp's optimizer_state).
// A back end derives from it, allocates the buffers (Buffer needs data() and size()) and supplies how
// to run one layer. `first_row` offsets the shared activation buffers to a lane's first sample (each
// eigen_cpu thread runs its slice of the batch); lane buffers hold only that lane's rows.
#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "../error.hpp"
#include "../layers/activation.hpp"
#include "../exec/runner.hpp"
#include "../network.hpp"
#include "../optim.hpp"

namespace cnnbench::backend {

namespace detail {
template <template <class, shape> class Kernel, class List>
struct kernel_tuple;
template <template <class, shape> class Kernel, class... Bs>
struct kernel_tuple<Kernel, cnnbench::detail::type_list<Bs...>> {
  using type = std::tuple<Kernel<typename Bs::layer, Bs::in>...>;
};
}  // namespace detail

/// A kernel that may write its output over its input (out == in), and whose backward pass reads only
/// its output of the two (ReLU: dx = dy where y > 0): it declares `static constexpr bool in_place = true`.
template <class K>
concept in_place_kernel = requires { requires K::in_place; };
/// A kernel whose backward pass does not read its own output (Conv, Dense: they need x and dy only):
/// it declares `static constexpr bool backward_reads_output = false`. Not declaring it is always safe.
template <class K>
concept output_free_backward = requires { requires !K::backward_reads_output; };
/// A kernel whose training forward pass can apply ReLU to its output as it writes it (eigen_cpu's
/// Conv and Dense: the context's `relu` flag): it declares `static constexpr bool fuses_relu = true`.
template <class K>
concept relu_fusing_kernel = requires { requires K::fuses_relu; };
/// A kernel whose backward pass can apply the backward of a ReLU before it to its own dL/dx (zero where
/// its input, the ReLU's output, is not > 0; eigen_cpu's Conv, Dense and MaxPool: the context's
/// `relu_mask` flag): it declares `static constexpr bool masks_relu = true`.
template <class K>
concept relu_masking_kernel = requires { requires K::masks_relu; };

template <class Net, shape In, template <class, shape> class Kernel, class Buffer>
class runner_base {
 public:
  using network_type = network<Net, In>;
  using layers = typename network_type::layers;
  static constexpr std::size_t layer_count = network_type::layer_count;
  static constexpr std::size_t param_count = network_type::param_count;
  static constexpr std::size_t state_count = network_type::state_count;
  static constexpr shape output_shape = network_type::output_shape;
  static constexpr std::size_t output_size = output_shape.size();
  static constexpr auto shapes = network_type::shapes;
  static constexpr auto param_offsets = network_type::param_offsets;
  static constexpr auto state_offsets = network_type::state_offsets;

  /// Training steps applied so far (the optimizer's t is step() + 1 on the next step).
  std::uint64_t step() const noexcept { return step_; }

 protected:
  using kernels_type = typename detail::kernel_tuple<Kernel, layers>::type;

  /// The largest activation of one sample (the size of a lane buffer per row).
  static constexpr std::size_t max_activation() {
    std::size_t m = 0;
    for (std::size_t k = 1; k <= layer_count; ++k) m = std::max(m, shapes[k].size());
    return m;
  }
  /// Compile-time checks of a loss against the model's output.
  template <class Loss>
  static constexpr void check_loss() {
    static_assert(Loss::template accepts<output_shape>,
                  "cnnbench: the loss does not fit the model's output (see loss/: softmax_cross_entropy needs >= 2 "
                  "flat outputs, binary_cross_entropy exactly one)");
  }

  /// Calls f(kernel) for every layer's kernel, in order.
  template <class F>
  void each_kernel(F&& f) {
    std::apply([&](auto&... k) { (f(k), ...); }, kernels_);
  }

  /// Activation k (k >= 1) of the training pass, the shared buffer (the buffer of owner[k]).
  float* acts(std::size_t k) { return acts_[owner[k]].data(); }
  const float* acts(std::size_t k) const { return acts_[owner[k]].data(); }

  /// shares_input[k] (k = 1..L): layer k - 1 runs in place, its output (activation k) written over its
  /// input (activation k - 1), as PyTorch's ReLU(inplace=True): when its kernel is an in_place_kernel,
  /// it is not the first layer (the input is the caller's) and the layer before it has an
  /// output_free_backward (nobody reads activation k - 1 after the in-place layer's forward: the layer
  /// before needs its input, the in-place layer its output). Saves the buffer and a third of the
  /// traffic of the in-place layer's forward (no separate output lines to fetch). A back end whose
  /// kernels declare neither trait keeps one buffer per activation.
  static constexpr std::array<bool, layer_count + 1> shares_input = [] {
    std::array<bool, layer_count + 1> a{};
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((a[I + 1] = I >= 1 && in_place_kernel<std::tuple_element_t<I, kernels_type>> &&
                   output_free_backward<std::tuple_element_t<(I >= 1 ? I - 1 : 0), kernels_type>>),
       ...);
    }(std::make_index_sequence<layer_count>{});
    return a;
  }();
  /// owner[k]: the activation whose buffer holds activation k (k itself unless it shares its input's).
  static constexpr std::array<std::size_t, layer_count + 1> owner = [] {
    std::array<std::size_t, layer_count + 1> o{};
    for (std::size_t k = 0; k <= layer_count; ++k) o[k] = k >= 1 && shares_input[k] ? o[k - 1] : k;
    return o;
  }();

  /// relu_fused[I] (layer I = 0..L-1): layer I is a ReLU that runs in place (shares_input[I + 1]) after
  /// a relu_fusing_kernel, which writes max(0, .) of its output directly (the values a separate ReLU
  /// would write, bit for bit): the back end skips layer I's training forward and tells layer I - 1 to
  /// fuse it (fuses_next). The ReLU's backward reads the shared buffer, or is fused into the next
  /// layer's (relu_backward_fused). Inference runs every layer (its buffers are not shared).
  static constexpr std::array<bool, layer_count + 1> relu_fused = [] {
    std::array<bool, layer_count + 1> a{};
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((a[I] = I >= 1 && shares_input[I + 1] &&
               std::is_same_v<typename cnnbench::detail::at_t<I, layers>::layer, ReLU> &&
               relu_fusing_kernel<std::tuple_element_t<(I >= 1 ? I - 1 : 0), kernels_type>>),
       ...);
    }(std::make_index_sequence<layer_count>{});
    return a;
  }();
  /// Whether layer I's training forward applies the next layer's ReLU (relu_fused[I + 1]).
  static constexpr bool fuses_next(std::size_t I) noexcept { return I + 1 < layer_count && relu_fused[I + 1]; }

  /// relu_backward_fused[I] (layer I = 0..L-1): layer I is a ReLU, not the first or the last, whose next
  /// layer's kernel is a relu_masking_kernel: that layer's backward writes its dL/dx only where its input
  /// (the ReLU's output) is > 0, which is the ReLU's dL/dx bit for bit; the back end skips the ReLU's
  /// backward (masks_previous tells the next layer), and the two gradients share a buffer (grad_slot).
  static constexpr std::array<bool, layer_count + 1> relu_backward_fused = [] {
    std::array<bool, layer_count + 1> a{};
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((a[I] = I >= 1 && I + 1 < layer_count &&
               std::is_same_v<typename cnnbench::detail::at_t<I, layers>::layer, ReLU> &&
               relu_masking_kernel<std::tuple_element_t<(I + 1 < layer_count ? I + 1 : I), kernels_type>>),
       ...);
    }(std::make_index_sequence<layer_count>{});
    return a;
  }();
  /// Whether layer I's backward applies the backward of the ReLU before it (relu_backward_fused[I - 1]).
  static constexpr bool masks_previous(std::size_t I) noexcept { return I >= 1 && relu_backward_fused[I - 1]; }
  /// grad_slot[k] (k = 1..L): the buffer of a lane's pair that holds dLoss/d(activation k): k % 2 when
  /// nothing is fused; a fused ReLU's input and output gradients share one (the next layer writes the
  /// input's directly), and consecutive layers otherwise alternate, so no layer reads and writes one buffer.
  static constexpr std::array<std::size_t, layer_count + 1> grad_slot = [] {
    std::array<std::size_t, layer_count + 1> s{};
    s[layer_count] = layer_count % 2;
    for (std::size_t k = layer_count; k-- > 1;) s[k] = relu_backward_fused[k] ? s[k + 1] : 1 - s[k + 1];
    return s;
  }();

  /// Training forward pass: run(I, kernel_I, in, out) for I = 0..L-1, where in is the input (layer 0)
  /// or activation I, and out activation I + 1, both offset to row `first_row`.
  template <class Run>
  void forward_schedule(const float* input, std::size_t first_row, Run&& run) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((run(std::integral_constant<std::size_t, I>{}, std::get<I>(kernels_),
            (I == 0 ? input : acts(I)) + first_row * shapes[I].size(), acts(I + 1) + first_row * shapes[I + 1].size())),
       ...);
    }(std::make_index_sequence<layer_count>{});
  }

  /// Backward pass of lane `lane`: run(I, kernel_I, x, y, dy, dx) for I = L-1..0, where x and y are
  /// the layer's input and output activations (offset to `first_row`), dy = dLoss/dy (lane pair
  /// [grad_slot[I + 1]]) and dx = dLoss/dx (pair [grad_slot[I]]; nullptr for the first layer, whose input
  /// gradient nobody needs). The loss writes dLoss/dlogits into loss_gradient(lane) first. A back end
  /// that fuses a ReLU's backward (relu_backward_fused) does not run that layer's kernel (its dy and dx
  /// are then one buffer).
  template <class Run>
  void backward_schedule(const float* input, std::size_t first_row, std::size_t lane, Run&& run) {
    auto& pair = grads_[lane];
    [&]<std::size_t... J>(std::index_sequence<J...>) {
      (
          [&] {
            constexpr std::size_t I = layer_count - 1 - J;
            run(std::integral_constant<std::size_t, I>{}, std::get<I>(kernels_),
                (I == 0 ? input : acts(I)) + first_row * shapes[I].size(), acts(I + 1) + first_row * shapes[I + 1].size(),
                pair[grad_slot[I + 1]].data(),
                I == 0 ? nullptr : pair[grad_slot[I]].data());
          }(),
          ...);
    }(std::make_index_sequence<layer_count>{});
  }
  /// Where the loss writes dLoss/dlogits for the backward pass of `lane`.
  float* loss_gradient(std::size_t lane) { return grads_[lane][grad_slot[layer_count]].data(); }

  /// Inference pass through two buffers used in turn: run(I, kernel_I, in, out); layer 0 reads
  /// `input`, layer I > 0 reads pair[(I + 1) % 2], the last layer writes `output`, the others pair[I % 2].
  template <class Run>
  void inference_schedule(const float* input, float* output, std::array<Buffer, 2>& pair, Run&& run) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((run(std::integral_constant<std::size_t, I>{}, std::get<I>(kernels_), I == 0 ? input : pair[(I + 1) % 2].data(),
            I + 1 == layer_count ? output : pair[I % 2].data())),
       ...);
    }(std::make_index_sequence<layer_count>{});
  }

  /// Whether activation k (1 <= k < layer_count) is overwritten by the in-place layer after it
  /// (shares_input[k + 1]), so that the runner's activation(k) holds that layer's output.
  static constexpr bool activation_overwritten(std::size_t k) noexcept {
    return k >= 1 && k < layer_count && shares_input[k + 1];
  }

  /// True (once) when the optimizer type differs from the previous call's: the caller then resets
  /// the optimizer state buffers (Opt::state_buffers of them, param_count each, zero).
  template <class Opt>
  bool optimizer_changed() {
    if (opt_kind_ == optimizer_tag<Opt>()) return false;
    opt_kind_ = optimizer_tag<Opt>();
    return true;
  }
  /// Opt::name of the optimizer of the last update ("" before the first).
  std::string optimizer_name() const {
    std::string n;
    cnnbench::detail::for_each_type(optim::all{}, [&](auto, auto t) {
      using O = typename decltype(t)::type;
      if (opt_kind_ == optimizer_tag<O>()) n = O::name;
    });
    return n;
  }
  /// Makes the optimizer named `name` (an Opt::name of optim::all) the current one, as if it had made
  /// the last update, so that the next update with it keeps the state buffers (a checkpoint's, restored
  /// by the caller); "" forgets it. Returns its Opt::state_buffers. Throws value_error for an unknown name.
  std::size_t adopt_optimizer(const std::string& name) {
    if (name.empty()) {
      opt_kind_ = nullptr;
      return 0;
    }
    std::size_t buffers = 0;
    bool found = false;
    cnnbench::detail::for_each_type(optim::all{}, [&](auto, auto t) {
      using O = typename decltype(t)::type;
      if (!found && name == O::name) {
        opt_kind_ = optimizer_tag<O>();
        buffers = O::state_buffers;
        found = true;
      }
    });
    if (!found) throw value_error("optimizer state of an unknown optimizer '" + name + "'");
    return buffers;
  }

  kernels_type kernels_;
  std::array<Buffer, layer_count + 1> acts_;  ///< [0] unused: the input is the caller's; [k] unused where shares_input[k]
  std::vector<std::array<Buffer, 2>> grads_;  ///< per lane: the activation gradients, in turn
  std::uint64_t step_ = 0;

 private:
  template <class Opt>
  static const void* optimizer_tag() noexcept {
    static const char tag = 0;  // one address per optimizer type
    return &tag;
  }
  const void* opt_kind_ = nullptr;
};

}  // namespace cnnbench::backend
