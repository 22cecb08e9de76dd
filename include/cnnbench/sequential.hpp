// cnnbench/sequential.hpp: Sequential<Layers...>, the model traits, and the per-layer table.
//
//   using Net = Sequential<ZeroPad<1>, Conv<16, 3>, ReLU, MaxPool<2>, Flatten, Dense<10>>;
//   static_assert(output_shape_v<Net, shape{1, 28, 28}> == shape{10});
//   static_assert(param_count_v<Net, shape{1, 28, 28}> == 160 + 16 * 14 * 14 * 10 + 10);
//
// Sequential folds its layers left to right, feeding each the output shape of the one before
// (a fold expression, so instantiation depth does not grow with the number of layers). It is
// itself a layer, so Sequentials nest as blocks; for execution and tables a model is flattened
// to its leaf layers, each bound to its input shape (`bound<L, In>`).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "detail/type_list.hpp"
#include "layer.hpp"

namespace cnnbench {

/// A leaf layer L bound to its input shape In: everything a kernel needs to know at compile time.
template <class L, shape In>
struct bound {
  using layer = L;
  static constexpr shape in = In;
  static constexpr shape out = L::template output_shape<In>;
  static constexpr std::size_t param_count = L::template param_count<In>;
  static constexpr auto params = detail::param_specs<L, In>();  // std::array<tensor_spec, K>
  static constexpr auto state = detail::state_specs<L, In>();
  static constexpr std::size_t state_count = detail::total_size(state);
  static constexpr std::size_t flops = L::template flops<In>;
};

template <class... Ls>
struct Sequential;

template <class T>
inline constexpr bool is_sequential_v = false;
template <class... Ls>
inline constexpr bool is_sequential_v<Sequential<Ls...>> = true;

namespace detail {

// ---- the fold ------------------------------------------------------------------------------
// State of a left fold over a model: current shape, whether a layer already failed (then the
// remaining layers are neither checked nor bound: one error per model, not a cascade), whether
// layers are checked (hard static_asserts) or only queried (`accepts`), and the list of bound
// leaf layers so far.
template <shape S, bool Failed, bool Checked, class List>
struct fold_state {
  static constexpr shape out = S;
  static constexpr bool failed = Failed;
  using list = List;
};
template <class L>
struct tag {};

template <bool Checked, std::size_t Index, class L, shape S>
consteval bool step_ok() {
  if constexpr (Checked) return check<Index, L, S>::value;
  else return accepts_input<L, S>();
}

// One step of the fold, as a class template (partial specialisation, not overloads with
// constraints, so that every compiler picks the same case before looking at the result type).
template <class State, class L>
struct step;
// A leaf layer: check it, bind it, move to its output shape.
template <shape S, bool C, class List, class L>
struct step<fold_state<S, false, C, List>, L> {
  using type = std::conditional_t<step_ok<C, List::size, L, S>(),
                                  fold_state<L::template output_shape<S>, false, C, concat_t<List, type_list<bound<L, S>>>>,
                                  fold_state<S, true, C, List>>;
};
// A nested Sequential: fold its layers onto the same state (this is what flattens a model).
template <shape S, bool C, class List, class... Inner>
struct step<fold_state<S, false, C, List>, Sequential<Inner...>> {
  using type = decltype((fold_state<S, false, C, List>{} >> ... >> tag<Inner>{}));
};
// After a failure nothing is checked any more: one error per model, not a cascade.
template <shape S, bool C, class List, class L>
struct step<fold_state<S, true, C, List>, L> {
  using type = fold_state<S, true, C, List>;
};
template <class State, class L>
auto operator>>(State, tag<L>) -> typename step<State, L>::type;

/// The fold of model Net from input In: ::out, ::failed, ::list (type_list of bound<...>).
template <class Net, shape In, bool Checked = true>
using fold_t = decltype(fold_state<In, false, Checked, type_list<>>{} >> tag<Net>{});

template <class List>
struct bound_sums;
template <class... Bs>
struct bound_sums<type_list<Bs...>> {
  static constexpr std::size_t params = (std::size_t{0} + ... + Bs::param_count);
  static constexpr std::size_t state = (std::size_t{0} + ... + Bs::state_count);
  static constexpr std::size_t flops = (std::size_t{0} + ... + Bs::flops);
};

// ---- compile-time hashing (architecture hash) -------------------------------------------------
struct fnv1a {
  std::uint64_t h = 14695981039346656037ull;
  constexpr void byte(unsigned char b) noexcept {
    h ^= b;
    h *= 1099511628211ull;
  }
  constexpr void text(std::string_view s) noexcept {
    for (char ch : s) byte(static_cast<unsigned char>(ch));
    byte(0);
  }
  constexpr void number(std::uint64_t v) noexcept {
    for (int i = 0; i < 8; ++i) byte(static_cast<unsigned char>((v >> (8 * i)) & 0xff));
  }
};

}  // namespace detail

/// Sequential<Layers...>: the layers applied in order. A layer itself (it nests).
/// Shape:    In -> the last layer's output shape
/// Params:   the sum of its layers' (likewise state and FLOPs)
/// Requires: at least one layer; every layer accepts the output of the one before. An impossible
///           model stops compiling with the first offending layer's "cnnbench: ..." message.
template <class... Ls>
struct Sequential {
  static_assert(sizeof...(Ls) > 0, "cnnbench: Sequential: a model needs at least one layer");
  static constexpr std::string_view name = "Sequential";
  static constexpr std::string_view key = "sequential";

  template <shape In>
  static constexpr bool accepts = !detail::fold_t<Sequential, In, false>::failed;
  template <shape In>
  static constexpr shape output_shape = detail::fold_t<Sequential, In>::out;
  template <shape In>
  static constexpr std::size_t param_count = detail::bound_sums<typename detail::fold_t<Sequential, In>::list>::params;
  template <shape In>
  static constexpr std::size_t state_count = detail::bound_sums<typename detail::fold_t<Sequential, In>::list>::state;
  template <shape In>
  static constexpr std::size_t flops = detail::bound_sums<typename detail::fold_t<Sequential, In>::list>::flops;
};

// ---- model traits (work for a single layer as well as for a Sequential) ------------------------

/// The leaf layers of Net, flattened and each bound to its input shape: type_list<bound<L, S>...>.
template <class Net, shape In>
using bound_layers_t = typename detail::fold_t<Net, In>::list;

/// Output shape of Net (a layer or a Sequential) for input In.
template <class Net, shape In>
inline constexpr shape output_shape_v = detail::fold_t<Net, In>::out;
/// Trainable parameters (scalars) of Net for input In; equals the sum of numel() of the
/// parameters of the equivalent PyTorch module. Keras' "Total params" is this + state_count_v.
template <class Net, shape In>
inline constexpr std::size_t param_count_v = detail::bound_sums<bound_layers_t<Net, In>>::params;
/// Non-trainable state (scalars): BatchNorm running mean and variance.
template <class Net, shape In>
inline constexpr std::size_t state_count_v = detail::bound_sums<bound_layers_t<Net, In>>::state;
/// Forward FLOPs per sample (one multiply-add = 2 FLOPs).
template <class Net, shape In>
inline constexpr std::size_t flops_v = detail::bound_sums<bound_layers_t<Net, In>>::flops;
/// Number of leaf layers after flattening nested Sequentials.
template <class Net, shape In>
inline constexpr std::size_t layer_count_v = bound_layers_t<Net, In>::size;

namespace detail {
template <class... Bs>
constexpr auto shapes_of(type_list<Bs...>) {
  constexpr std::size_t n = sizeof...(Bs);
  std::array<shape, n + 1> a{};
  const shape ins[] = {Bs::in..., shape{}};
  const shape outs[] = {Bs::out..., shape{}};
  if constexpr (n > 0) {
    a[0] = ins[0];
    for (std::size_t i = 0; i < n; ++i) a[i + 1] = outs[i];
  }
  return a;
}
template <class... Bs>
constexpr auto prefix_sums(type_list<Bs...>, bool state) {
  std::array<std::size_t, sizeof...(Bs) + 1> a{};
  const std::size_t counts[] = {(state ? Bs::state_count : Bs::param_count)..., 0};
  for (std::size_t i = 0; i < sizeof...(Bs); ++i) a[i + 1] = a[i] + counts[i];
  return a;
}
/// A layer with inner structure (Residual) declares `template <shape In> static constexpr
/// std::uint64_t structure_hash`, folded into the architecture hash after its own entry.
template <class L, shape In>
concept has_structure_hash = requires { L::template structure_hash<In>; };
template <class... Bs>
constexpr std::uint64_t arch_hash(type_list<Bs...>) {
  fnv1a f;
  f.text("cnnbench-arch-v1");
  (
      [&] {
        f.text(Bs::layer::key);
        for (shape s : {Bs::in, Bs::out}) {
          f.number(s.c);
          f.number(s.h);
          f.number(s.w);
        }
        f.number(Bs::param_count);
        f.number(Bs::state_count);
        // A block that runs its own sub-layers (Residual) adds their structure; leaf layers have none,
        // so the hash of a model without such blocks is what it always was.
        if constexpr (has_structure_hash<typename Bs::layer, Bs::in>) f.number(Bs::layer::template structure_hash<Bs::in>);
      }(),
      ...);
  return f.h;
}
}  // namespace detail

/// Shapes along the flattened model: [0] = In, [i + 1] = output of leaf layer i.
template <class Net, shape In>
inline constexpr auto layer_shapes_v = detail::shapes_of(bound_layers_t<Net, In>{});
/// Offsets of each leaf layer's parameters in the model's contiguous buffer (in scalars):
/// layer i owns [param_offsets_v[i], param_offsets_v[i + 1]); the last entry is param_count_v.
/// Within a layer the tensors of `bound<L, S>::params` follow each other (weight, then bias).
template <class Net, shape In>
inline constexpr auto param_offsets_v = detail::prefix_sums(bound_layers_t<Net, In>{}, false);
/// Offsets of each leaf layer's state in the model's state buffer, likewise.
template <class Net, shape In>
inline constexpr auto state_offsets_v = detail::prefix_sums(bound_layers_t<Net, In>{}, true);

/// 64-bit FNV-1a hash of the architecture: for each leaf layer its key, input and output shape,
/// parameter and state counts (and, for a Residual, the same of each layer of its two branches). Two models share a hash exactly when their parameter buffers have
/// the same layout and meaning; hyper-parameters that change neither (a dropout rate) are not part
/// of it. The same on every compiler and platform; stored in weight files (network::save).
template <class Net, shape In>
inline constexpr std::uint64_t architecture_hash_v = detail::arch_hash(bound_layers_t<Net, In>{});

}  // namespace cnnbench
