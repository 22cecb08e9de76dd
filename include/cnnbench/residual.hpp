// cnnbench/residual.hpp: Residual<Ls...>, a block with a skip connection (ResNet's basic block),
// and Shortcut<Ss...>, the tag that names its shortcut branch.
//
//   // ResNet basic block, identity shortcut: out = ReLU(main(x) + x)
//   using Basic = Sequential<Residual<Conv<64, 3, 1, same, no_bias>, BatchNorm<>, ReLU,
//                                     Conv<64, 3, 1, same, no_bias>, BatchNorm<>>,
//                            ReLU>;
//   // with a projection shortcut (stride 2, 64 -> 128 channels): out = ReLU(main(x) + proj(x))
//   using Down = Sequential<Residual<ZeroPad<1>, Conv<128, 3, 2, valid, no_bias>, BatchNorm<>, ReLU,
//                                    Conv<128, 3, 1, same, no_bias>, BatchNorm<>,
//                                    Shortcut<Conv<128, 1, 2, valid, no_bias>, BatchNorm<>>>,
//                           ReLU>;
//
// SPELLING. Residual<Ls...>: the main branch is Ls..., except that when the LAST element is
// Shortcut<Ss...>, Ss... is the shortcut branch (anywhere else Shortcut is an error); without one, or
// with Shortcut<>, the shortcut is the identity. Branches are folded like a Sequential (they may hold
// Sequentials, which flatten, and Residuals, which nest).
//
// EXECUTION. A Residual is a LEAF layer of the model: bound_layers_t does not flatten into it, so it
// owns one slice of the parameter buffer and one of the state buffer, and a back end runs it as one
// layer, running its branches itself. Everything it needs is a compile-time member (In = the
// Residual's input shape):
//   main_layers<In>, shortcut_layers<In>       type_list<bound<L, S>...> of each branch (flattened,
//                                              bound to their shapes; shortcut_layers is type_list<>
//                                              for an identity shortcut, see identity_shortcut)
//   main_param_offsets<In>[j]                  offset of the j-th main layer's parameters INSIDE the
//                                              Residual's parameter slice; [size] = end of the branch
//   shortcut_param_offsets<In>[j]              likewise for the shortcut (starting where main ends)
//   main_state_offsets<In>, shortcut_state_offsets<In>   the same for the state slice
// So layer j of the main branch of the Residual that is leaf layer i of model Net has its parameters at
//   param_offsets_v<Net, In0>[i] + R::main_param_offsets<S_i>[j]   (S_i = layer_shapes_v<Net, In0>[i]).
//
// TENSORS. params<In> / state<In> are the concatenation of the sub-layers' tensor specs, main branch
// first, then the shortcut, in layer order, so the contiguous buffers, the init schemes (each tensor
// keeps its own fans), save/load and .npy exchange work unchanged. A sub-tensor's name is its path
// inside the Residual, "<branch>.<layer>_<k>.<tensor>" with the branch "main" or "shortcut" and the
// per-branch Keras-style index of summary() (PyTorch's dotted state_dict path), so network<>'s
// tensors read e.g. "residual_1.main.conv_2.weight", "residual_3.shortcut.batch_norm_1.running_var".
//
// Shape:    In -> the main branch's output, which must equal the shortcut's
// Params:   main's + shortcut's (likewise state)
// FLOPs:    main's + shortcut's + 1 per output element (the addition)
// Requires: a non-empty main branch; every layer of each branch accepts its input (their own
//           "cnnbench: <Layer>: ..." messages); equal branch output shapes (static_assert
//           "cnnbench: Residual: the main branch's output shape differs from the shortcut's", the
//           instantiation note `residual_output_shapes<shape{main}, shape{shortcut}>` shows both).
// Summary:  one row, "residual_<k> (Residual)", with the block's totals (as Keras shows a nested
//           Model and torchinfo a collapsed module); its tensor names show the inside.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <utility>

#include "detail/type_list.hpp"
#include "layer.hpp"
#include "layers/identity.hpp"
#include "sequential.hpp"

namespace cnnbench {

/// Shortcut<Ss...>: names the shortcut branch of a Residual, as its last element. Not a layer.
template <class... Ss>
struct Shortcut {};

namespace detail {

template <class T>
inline constexpr bool is_shortcut_v = false;
template <class... Ss>
inline constexpr bool is_shortcut_v<Shortcut<Ss...>> = true;

template <class List, class Seq>
struct take_first;
template <class... Ts, std::size_t... I>
struct take_first<type_list<Ts...>, std::index_sequence<I...>> {
  using type = type_list<at_t<I, type_list<Ts...>>...>;
};
template <class T>
struct shortcut_types {
  using type = type_list<>;
};
template <class... Ss>
struct shortcut_types<Shortcut<Ss...>> {
  using type = type_list<Ss...>;
};

/// Splits Residual's arguments into the main branch and the shortcut branch (as type_lists).
template <class... Ls>
struct residual_split {
  using main = type_list<>;
  using shortcut = type_list<>;
  static constexpr std::size_t misplaced_shortcuts = 0;
};
template <class L0, class... Ls>
struct residual_split<L0, Ls...> {
  using all = type_list<L0, Ls...>;
  using last = at_t<sizeof...(Ls), all>;
  static constexpr bool named = is_shortcut_v<last>;
  using main = std::conditional_t<named, typename take_first<all, std::make_index_sequence<sizeof...(Ls)>>::type, all>;
  using shortcut = typename shortcut_types<last>::type;
  static constexpr std::size_t misplaced_shortcuts =
      (std::size_t{is_shortcut_v<L0>} + ... + std::size_t{is_shortcut_v<Ls>}) - (named ? 1 : 0);
};

/// The model a branch is: Sequential<Ls...>, or Identity for an empty branch.
template <class List>
struct branch_model {
  using type = Identity;
};
template <class L0, class... Ls>
struct branch_model<type_list<L0, Ls...>> {
  using type = Sequential<L0, Ls...>;
};
template <class List>
using branch_model_t = typename branch_model<List>::type;

/// Everything about the two branches at input In (Checked: whether sub-layers are checked with hard
/// static_asserts, as in validate(), or only queried, as in accepts).
template <class Main, class Short, shape In, bool Checked>
struct residual_branches {
  using main_fold = fold_t<branch_model_t<Main>, In, Checked>;
  using shortcut_fold = fold_t<branch_model_t<Short>, In, Checked>;
  using main_layers = typename main_fold::list;
  using shortcut_layers = std::conditional_t<Short::size == 0, type_list<>, typename shortcut_fold::list>;
  static constexpr bool ok =
      Main::size > 0 && !main_fold::failed && !shortcut_fold::failed && main_fold::out == shortcut_fold::out;
};

/// Fails (with both shapes in the instantiation note) when the branches' output shapes differ.
template <shape Main, shape Shortcut>
struct residual_output_shapes {
  static_assert(Main == Shortcut,
                "cnnbench: Residual: the main branch's output shape differs from the shortcut's (the note "
                "'residual_output_shapes<shape{main}, shape{shortcut}>' names both; give the Residual a "
                "projection Shortcut<Conv<F, 1, S, valid, no_bias>, BatchNorm<>> or fix the branches)");
  static constexpr bool value = Main == Shortcut;
};

/// A tensor name built at compile time ("main.conv_1.weight").
struct residual_tensor_name {
  static constexpr std::size_t capacity = 96;
  std::array<char, capacity> chars{};
  std::size_t size = 0;
  constexpr void add(std::string_view s) {
    for (char ch : s) {
      if (size >= capacity) throw "cnnbench: Residual: a tensor name is longer than 96 characters (too deep nesting)";
      chars[size++] = ch;
    }
  }
  constexpr void add_number(std::size_t v) {
    char digits[24]{};
    std::size_t n = 0;
    do {
      digits[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (n > 0) add(std::string_view(&digits[--n], 1));
  }
  constexpr std::string_view view() const noexcept { return {chars.data(), size}; }
};

template <bool State, class... Bs>
constexpr std::size_t spec_count(type_list<Bs...>) {
  if constexpr (State) return (std::size_t{0} + ... + Bs::state.size());
  else return (std::size_t{0} + ... + Bs::params.size());
}

/// Appends the branch's tensor specs (and their names "<branch>.<key>_<k>.<tensor>") at out[k...].
template <bool State, class... Bs>
constexpr void branch_specs(type_list<Bs...>, std::string_view branch, tensor_spec* specs,
                            residual_tensor_name* names, std::size_t& k) {
  const std::string_view keys[] = {Bs::layer::key..., {}};
  std::size_t i = 0;
  auto one = [&](const auto& layer_specs) {
    std::size_t index = 1;
    for (std::size_t j = 0; j < i; ++j)
      if (keys[j] == keys[i]) ++index;
    for (const tensor_spec& t : layer_specs) {
      if (specs) specs[k] = t;
      if (names) {
        names[k].add(branch);
        names[k].add(".");
        names[k].add(keys[i]);
        names[k].add("_");
        names[k].add_number(index);
        names[k].add(".");
        names[k].add(t.name);
      }
      ++k;
    }
    ++i;
  };
  if constexpr (State) (one(Bs::state), ...);
  else (one(Bs::params), ...);
}

/// The Residual's tensor table at In: names (static storage) and specs naming them.
template <class Main, class Short, shape In, bool State>
struct residual_tensors {
  using B = residual_branches<Main, Short, In, false>;
  static constexpr std::size_t count =
      spec_count<State>(typename B::main_layers{}) + spec_count<State>(typename B::shortcut_layers{});
  static constexpr std::array<residual_tensor_name, count> names = [] {
    std::array<residual_tensor_name, count> n{};
    std::size_t k = 0;
    branch_specs<State>(typename B::main_layers{}, "main", nullptr, n.data(), k);
    branch_specs<State>(typename B::shortcut_layers{}, "shortcut", nullptr, n.data(), k);
    return n;
  }();
  static constexpr std::array<tensor_spec, count> specs = [] {
    std::array<tensor_spec, count> s{};
    std::size_t k = 0;
    branch_specs<State>(typename B::main_layers{}, "main", s.data(), nullptr, k);
    branch_specs<State>(typename B::shortcut_layers{}, "shortcut", s.data(), nullptr, k);
    for (std::size_t j = 0; j < count; ++j) s[j].name = names[j].view();
    return s;
  }();
};

/// Prefix sums of a branch's parameter (or state) counts, starting at `start`.
template <bool State, class... Bs>
constexpr auto branch_offsets(type_list<Bs...>, std::size_t start) {
  std::array<std::size_t, sizeof...(Bs) + 1> a{};
  const std::size_t counts[] = {(State ? Bs::state_count : Bs::param_count)..., 0};
  a[0] = start;
  for (std::size_t i = 0; i < sizeof...(Bs); ++i) a[i + 1] = a[i] + counts[i];
  return a;
}

}  // namespace detail

/// Residual<Ls...>: output = Main(x) + Shortcut(x), ResNet's skip connection (He et al. 2016). See the
/// top of this header for the spelling, the members back ends use, tensor names and requirements.
template <class... Ls>
struct Residual {
 private:
  using split = detail::residual_split<Ls...>;

 public:
  static_assert(split::main::size > 0,
                "cnnbench: Residual: the main branch is empty (Residual<> or Residual<Shortcut<...>>): "
                "give it at least one layer");
  static_assert(split::misplaced_shortcuts == 0,
                "cnnbench: Residual: Shortcut<...> must be the last element of a Residual, and there is one");

  static constexpr std::string_view name = "Residual";
  static constexpr std::string_view key = "residual";

  /// The branches as written: type_list<Main...> and type_list<Shortcut's layers...> (empty: identity).
  using main_types = typename split::main;
  using shortcut_types = typename split::shortcut;
  /// True when the shortcut is the identity (no Shortcut<...>, or Shortcut<>).
  static constexpr bool identity_shortcut = shortcut_types::size == 0;
  /// The branches as models: Sequential<Main...>; Sequential<Ss...>, or Identity for an identity shortcut.
  using main_branch = detail::branch_model_t<main_types>;
  using shortcut_branch = detail::branch_model_t<shortcut_types>;

 private:
  template <shape In>
  using soft = detail::residual_branches<main_types, shortcut_types, In, false>;

 public:
  /// Each branch's leaf layers, flattened and bound to their input shapes (checked: an impossible
  /// branch stops compiling with its layer's message). shortcut_layers is type_list<> for identity.
  template <shape In>
  using main_layers = typename detail::residual_branches<main_types, shortcut_types, In, true>::main_layers;
  template <shape In>
  using shortcut_layers = typename detail::residual_branches<main_types, shortcut_types, In, true>::shortcut_layers;

  template <shape In>
  static constexpr bool accepts = soft<In>::ok;
  template <shape In>
  static consteval void validate() {
    using checked = detail::residual_branches<main_types, shortcut_types, In, true>;
    // The folds above run every sub-layer's own check (its "cnnbench: <Layer>: ..." message).
    if constexpr (main_types::size > 0 && !checked::main_fold::failed && !checked::shortcut_fold::failed)
      static_cast<void>(detail::residual_output_shapes<checked::main_fold::out, checked::shortcut_fold::out>::value);
  }
  template <shape In>
  static constexpr shape output_shape = soft<In>::main_fold::out;

  /// Offsets inside the Residual's own parameter slice: main layer j owns
  /// [main_param_offsets<In>[j], main_param_offsets<In>[j + 1]); the shortcut's follow (its [0] is
  /// main's end, its last entry param_count<In>).
  template <shape In>
  static constexpr auto main_param_offsets = detail::branch_offsets<false>(typename soft<In>::main_layers{}, 0);
  template <shape In>
  static constexpr auto shortcut_param_offsets =
      detail::branch_offsets<false>(typename soft<In>::shortcut_layers{}, main_param_offsets<In>.back());
  /// The same inside the Residual's state slice (BatchNorm running statistics).
  template <shape In>
  static constexpr auto main_state_offsets = detail::branch_offsets<true>(typename soft<In>::main_layers{}, 0);
  template <shape In>
  static constexpr auto shortcut_state_offsets =
      detail::branch_offsets<true>(typename soft<In>::shortcut_layers{}, main_state_offsets<In>.back());

  template <shape In>
  static constexpr std::size_t param_count = shortcut_param_offsets<In>.back();
  template <shape In>
  static constexpr std::size_t state_count = shortcut_state_offsets<In>.back();
  template <shape In>
  static constexpr std::size_t flops = detail::bound_sums<typename soft<In>::main_layers>::flops +
                                       detail::bound_sums<typename soft<In>::shortcut_layers>::flops +
                                       output_shape<In>.size();
  /// Main's tensor specs, then the shortcut's, named "main.conv_1.weight", "shortcut.conv_1.weight", ...
  template <shape In>
  static constexpr auto params = detail::residual_tensors<main_types, shortcut_types, In, false>::specs;
  template <shape In>
  static constexpr auto state = detail::residual_tensors<main_types, shortcut_types, In, true>::specs;

  /// Folded into architecture_hash_v: the architecture hash of each branch, so that a Residual
  /// differs from the same layers without the skip and from other branches with the same totals.
  template <shape In>
  static constexpr std::uint64_t structure_hash = [] {
    detail::fnv1a f;
    f.text("residual");
    f.text("main");
    f.number(detail::arch_hash(typename soft<In>::main_layers{}));
    f.text("shortcut");
    f.number(identity_shortcut ? 0 : detail::arch_hash(typename soft<In>::shortcut_layers{}));
    return f.h;
  }();
};

}  // namespace cnnbench
