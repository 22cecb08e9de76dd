// cnnbench/summary.hpp: the Keras-style model summary, as constexpr rows and as a printed table.
//
//   constexpr auto s = cnnbench::summary<Net, cnnbench::shape{1, 28, 28}>();
//   static_assert(s.rows[1].params == 160);
//   std::cout << s;     // Layer (type) | Output Shape | Param # | FLOPs, then the totals
//
// Rows are the leaf layers of the flattened model, named as Keras names them: the layer's key
// and a 1-based index per key (conv_1, conv_2, relu_1, ...). Output shapes are printed NCHW with
// the batch as None: "(None, 16, 28, 28)", or "(None, 576)" for a flat {576, 1, 1}.
// Totals follow Keras: "Total params" = trainable + non-trainable (BatchNorm running statistics);
// param_count_v is the trainable part only (PyTorch's sum of numel()).
#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>

#include "detail/format.hpp"
#include "sequential.hpp"

namespace cnnbench {

/// One row of a summary: a leaf layer of the model.
struct summary_row {
  std::array<char, 40> name_buf{};  ///< NUL-terminated indexed name, e.g. "conv_1"
  std::string_view type;            ///< layer type, e.g. "Conv"
  shape input;                      ///< input shape (per sample)
  shape output;                     ///< output shape (per sample)
  std::size_t params = 0;           ///< trainable scalars
  std::size_t state = 0;            ///< non-trainable scalars
  std::size_t flops = 0;            ///< forward FLOPs per sample
  std::size_t param_offset = 0;     ///< offset of its parameters in the model's buffer (scalars)

  constexpr std::string_view name() const noexcept {
    std::size_t n = 0;
    while (n < name_buf.size() && name_buf[n] != '\0') ++n;
    return {name_buf.data(), n};
  }
};

/// A whole summary: input shape, one row per leaf layer, totals.
template <std::size_t N>
struct model_summary {
  shape input;
  std::array<summary_row, N> rows{};
  std::size_t trainable_params = 0;      ///< = param_count_v
  std::size_t non_trainable_params = 0;  ///< = state_count_v
  std::size_t flops = 0;                 ///< = flops_v, per sample
  std::uint64_t architecture_hash = 0;   ///< = architecture_hash_v

  /// Keras' "Total params": trainable + non-trainable.
  constexpr std::size_t total_params() const noexcept { return trainable_params + non_trainable_params; }
};

namespace detail {
constexpr void append(std::array<char, 40>& buf, std::size_t& pos, std::string_view s) {
  for (char ch : s)
    if (pos + 1 < buf.size()) buf[pos++] = ch;
}
constexpr void append_number(std::array<char, 40>& buf, std::size_t& pos, std::size_t v) {
  char digits[24]{};
  std::size_t n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0)
    if (pos + 1 < buf.size()) buf[pos++] = digits[--n];
    else --n;
}

template <shape In, class... Bs>
constexpr auto make_summary(type_list<Bs...> list) {
  model_summary<sizeof...(Bs)> s;
  s.input = In;
  const auto offsets = prefix_sums(list, false);
  const std::string_view keys[] = {Bs::layer::key..., {}};
  const std::string_view types[] = {Bs::layer::name..., {}};
  const shape ins[] = {Bs::in..., shape{}};
  const shape outs[] = {Bs::out..., shape{}};
  const std::size_t params[] = {Bs::param_count..., 0};
  const std::size_t states[] = {Bs::state_count..., 0};
  const std::size_t flops[] = {Bs::flops..., 0};
  for (std::size_t i = 0; i < sizeof...(Bs); ++i) {
    std::size_t index = 1;
    for (std::size_t j = 0; j < i; ++j)
      if (keys[j] == keys[i]) ++index;
    auto& r = s.rows[i];
    std::size_t pos = 0;
    append(r.name_buf, pos, keys[i]);
    append(r.name_buf, pos, "_");
    append_number(r.name_buf, pos, index);
    r.type = types[i];
    r.input = ins[i];
    r.output = outs[i];
    r.params = params[i];
    r.state = states[i];
    r.flops = flops[i];
    r.param_offset = offsets[i];
    s.trainable_params += params[i];
    s.non_trainable_params += states[i];
    s.flops += flops[i];
  }
  s.architecture_hash = arch_hash(list);
  return s;
}

}  // namespace detail

/// Keras-style text of an output shape: "(None, 16, 28, 28)", or "(None, 576)" when flat.
inline std::string keras_shape(shape s) {
  std::ostringstream o;
  if (s.flat()) o << "(None, " << s.c << ")";
  else o << "(None, " << s.c << ", " << s.h << ", " << s.w << ")";
  return o.str();
}

/// The summary of model Net for input shape In, computed at compile time.
template <class Net, shape In>
constexpr auto summary() {
  return detail::make_summary<In>(bound_layers_t<Net, In>{});
}

/// Prints the summary as a Keras-style table with an extra FLOPs column and the totals.
template <std::size_t N>
std::ostream& operator<<(std::ostream& os, const model_summary<N>& s) {
  std::size_t w_name = std::string_view("Layer (type)").size(), w_shape = std::string_view("Output Shape").size();
  std::size_t w_params = std::string_view("Param #").size(), w_flops = std::string_view("FLOPs").size();
  for (const auto& r : s.rows) {
    w_name = std::max(w_name, r.name().size() + r.type.size() + 3);
    w_shape = std::max(w_shape, keras_shape(r.output).size());
    w_params = std::max(w_params, std::to_string(r.params).size());
    w_flops = std::max(w_flops, std::to_string(r.flops).size());
  }
  w_name += 2;
  w_shape += 2;
  w_params += 2;
  const std::size_t width = w_name + w_shape + w_params + w_flops;
  auto pad = [&](std::string t, std::size_t w) {
    t.resize(std::max(w, t.size()), ' ');
    return t;
  };
  os << "Model input: " << keras_shape(s.input) << "  (NCHW, batch = None)\n";
  os << std::string(width, '_') << '\n';
  os << pad("Layer (type)", w_name) << pad("Output Shape", w_shape) << pad("Param #", w_params) << "FLOPs\n";
  os << std::string(width, '=') << '\n';
  for (std::size_t i = 0; i < N; ++i) {
    const auto& r = s.rows[i];
    os << pad(std::string(r.name()) + " (" + std::string(r.type) + ")", w_name) << pad(keras_shape(r.output), w_shape)
       << pad(std::to_string(r.params + r.state), w_params) << r.flops << '\n';
    os << std::string(width, i + 1 == N ? '=' : '_') << '\n';
  }
  os << "Total params: " << detail::with_commas(s.total_params()) << '\n';
  os << "Trainable params: " << detail::with_commas(s.trainable_params) << '\n';
  os << "Non-trainable params: " << detail::with_commas(s.non_trainable_params) << '\n';
  os << "Forward FLOPs per sample: " << detail::with_commas(s.flops) << '\n';
  os << std::string(width, '_') << '\n';
  return os;
}

}  // namespace cnnbench
