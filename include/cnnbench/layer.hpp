// cnnbench/layer.hpp: the layer protocol, the description of a layer's parameter tensors,
// and the compile-time check that runs for every layer of a model.
//
// WHAT A LAYER IS
//   A layer type carries only its hyper-parameters (template arguments). For an input shape In
//   (per sample, NCHW without N, see shape.hpp) it answers at compile time:
//
//     static constexpr std::string_view name;            type shown in summaries, e.g. "Conv"
//     static constexpr std::string_view key;             stem of indexed names, e.g. "conv" -> conv_1
//     template <shape In> static constexpr bool accepts;             can it take In? (never errors)
//     template <shape In> static consteval void validate();          optional: static_asserts with
//                                                                    "cnnbench: <Layer>: ..." messages
//     template <shape In> static constexpr shape output_shape;
//     template <shape In> static constexpr std::size_t param_count;  trainable scalars
//     template <shape In> static constexpr std::size_t flops;        forward, per sample, MAC = 2
//     template <shape In> static constexpr std::array<tensor_spec, K> params;  layout of its parameters
//     template <shape In> static constexpr std::array<tensor_spec, K> state;   optional: non-trainable
//                                                                    buffers (BatchNorm running stats)
//
//   A layer never names the previous layer; Sequential (sequential.hpp) feeds each layer the output
//   shape of the one before, and is itself a layer, so blocks nest.
//
// DIAGNOSTICS
//   When a model is used (any trait of sequential.hpp, or network<>), every layer goes through
//   detail::check<Index, Layer, In>. An impossible model stops compiling with a static_assert whose
//   message starts with "cnnbench:" and names the layer; the compiler's instantiation note names
//   the layer type, its index in the flattened model and the input shape, e.g.
//     required from 'cnnbench::detail::check<2, cnnbench::Conv<8, 30>, cnnbench::shape{8, 24, 24}>'
#pragma once
#include <array>
#include <concepts>
#include <cstddef>
#include <string_view>

#include "shape.hpp"

namespace cnnbench {

/// What a parameter tensor is for; initialisers and back ends dispatch on it.
enum class param_role {
  weight,        ///< Conv kernel (OIHW) or Dense matrix ([out, in]); initialised by the init scheme
  bias,          ///< additive bias; zero for Keras-style schemes, U(+-1/sqrt(fan_in)) for torch_default
  gamma,         ///< BatchNorm scale; initialised to 1
  beta,          ///< BatchNorm shift; initialised to 0
  running_mean,  ///< BatchNorm state; initialised to 0
  running_var,   ///< BatchNorm state; initialised to 1
};

/// Whether Conv and Dense learn an additive bias: `Conv<64, 3, 1, same, no_bias>` is PyTorch's
/// Conv2d(..., bias=False) and Keras' Conv2D(..., use_bias=False) (the usual choice before a
/// BatchNorm, which has its own shift). The default everywhere is with_bias.
enum class bias { with_bias, no_bias };
inline constexpr bias with_bias = bias::with_bias;
inline constexpr bias no_bias = bias::no_bias;

/// One parameter (or state) tensor of a layer, as laid out in the model's contiguous buffer.
/// `dims` is in PyTorch order (Conv weight OIHW, Dense weight [out, in]); `name` is PyTorch's
/// parameter name ("weight", "bias", "running_mean", ...), so a state_dict maps one to one.
/// fan_in / fan_out follow Keras and PyTorch (Conv: C*k*k and F*k*k; Dense: in and out).
struct tensor_spec {
  std::string_view name;
  param_role role = param_role::weight;
  std::array<std::size_t, 4> dims{};  // unused trailing entries are 0
  std::size_t rank = 0;
  std::size_t fan_in = 0;
  std::size_t fan_out = 0;

  /// Number of scalars, the product of the first `rank` dims.
  constexpr std::size_t size() const noexcept {
    std::size_t n = 1;
    for (std::size_t i = 0; i < rank; ++i) n *= dims[i];
    return rank == 0 ? 0 : n;
  }
};

namespace detail {
template <std::size_t K>
constexpr std::size_t total_size(const std::array<tensor_spec, K>& ts) noexcept {
  std::size_t n = 0;
  for (const auto& t : ts) n += t.size();
  return n;
}

/// The parameter specs of Conv and Dense: the weight, then (HasBias) a bias of `n` scalars with the
/// weight's fans (PyTorch initialises the bias from the weight's fan_in).
template <bool HasBias>
constexpr std::array<tensor_spec, HasBias ? 2 : 1> weight_and_bias(const tensor_spec& weight, std::size_t n) {
  if constexpr (HasBias) {
    return {weight, tensor_spec{"bias", param_role::bias, {n, 0, 0, 0}, 1, weight.fan_in, weight.fan_out}};
  } else {
    return {weight};
  }
}
}  // namespace detail

/// A type that has the static members every layer has (name, key). Shape-dependent members
/// are member templates, checked by `layer_for`.
template <class L>
concept layer = requires {
  { L::name } -> std::convertible_to<std::string_view>;
  { L::key } -> std::convertible_to<std::string_view>;
};

/// L implements the whole protocol for input shape In (whether or not it accepts In).
template <class L, shape In>
concept layer_for = layer<L> && requires {
  { L::template accepts<In> } -> std::convertible_to<bool>;
  { L::template output_shape<In> } -> std::convertible_to<shape>;
  { L::template param_count<In> } -> std::convertible_to<std::size_t>;
  { L::template flops<In> } -> std::convertible_to<std::size_t>;
};

namespace detail {

template <class L, shape In>
concept has_validate = requires { L::template validate<In>(); };
// (Only whether the member exists: clang 14 judges `L::template params<In>.size()` unsatisfied when
// params<In> is a `static constexpr auto` variable template of a class-type argument (Conv,
// Residual), which silently dropped their specs: ResNet-18's state count came out 0.)
template <class L, shape In>
concept has_param_specs = requires { L::template params<In>; };
template <class L, shape In>
concept has_state_specs = requires { L::template state<In>; };

/// Parameter / state tensor specs of L for In; an empty array when the layer declares none.
template <class L, shape In>
constexpr auto param_specs() {
  if constexpr (has_param_specs<L, In>) return L::template params<In>;
  else return std::array<tensor_spec, 0>{};
}
template <class L, shape In>
constexpr auto state_specs() {
  if constexpr (has_state_specs<L, In>) return L::template state<In>;
  else return std::array<tensor_spec, 0>{};
}

/// The check every layer of a model goes through (Index = position in the flattened model).
/// An error below this line comes from a layer that cannot take its input: the compiler's
/// "required from check<Index, Layer, shape{c, h, w}>" note says which layer and which shape.
template <std::size_t Index, class L, shape In>
consteval bool check_layer() {
  static_assert(layer_for<L, In>,
                "cnnbench: not a layer: a model element must provide name, key, accepts<In>, "
                "output_shape<In>, param_count<In> and flops<In> (see cnnbench/layer.hpp)");
  static_assert(In.size() > 0, "cnnbench: layer input is empty (an extent of its input shape is 0)");
  if constexpr (layer_for<L, In> && In.size() > 0) {
    if constexpr (has_validate<L, In>) {
      L::template validate<In>();  // layer-specific messages
    } else {
      static_assert(L::template accepts<In>, "cnnbench: layer cannot accept its input shape");
    }
    static_assert(!L::template accepts<In> || L::template output_shape<In>.size() > 0,
                  "cnnbench: layer output would be empty (an extent of its output shape is 0)");
    static_assert(!has_param_specs<L, In> || total_size(param_specs<L, In>()) == L::template param_count<In>,
                  "cnnbench: layer's param_count disagrees with its parameter tensor specs");
    return L::template accepts<In>;
  } else {
    return false;
  }
}
/// Soft form of the check (no diagnostics): the input is not empty and L accepts it.
template <class L, shape In>
constexpr bool accepts_input() {
  if constexpr (In.size() == 0 || !layer_for<L, In>) return false;
  else return L::template accepts<In>;
}

template <std::size_t Index, class L, shape In>
struct check {
  static constexpr bool value = check_layer<Index, L, In>();
};

}  // namespace detail
}  // namespace cnnbench

namespace cnnbench::detail {
/// Base of parameter-free layers that keep their input shape (activations, Dropout).
/// FlopsPerElement: forward FLOPs per scalar of the sample.
template <std::size_t FlopsPerElement>
struct elementwise_layer {
  template <shape In>
  static constexpr bool accepts = true;
  template <shape In>
  static constexpr shape output_shape = In;
  template <shape In>
  static constexpr std::size_t param_count = 0;
  template <shape In>
  static constexpr std::size_t flops = FlopsPerElement * In.size();
};
}  // namespace cnnbench::detail
