// cnnbench/frameworks/spec.hpp: a model type and a training setup as JSON, the input of the Python
// code generators of bench/frameworks/ (the Rosetta Stone: one model type, code for every framework).
//
//   nlohmann::json m = frameworks::model_spec<Net, In>();        // "cnnbench-model" version 1
//   nlohmann::json t = frameworks::train_spec(loss, optimizer, {.batch_size = 64, .threads = 2});
//
// Model spec v1 (NCHW, batch excluded; layer names are summary()'s, tensor names network.hpp's):
//   {"format": "cnnbench-model", "version": 1, "input": [C,H,W], "output": [C,H,W], "param_count": N,
//    "state_count": S, "layers": [{"name": "conv_1", "kind": K, "in_shape": [...], "out_shape": [...], ...}],
//    "tensors": [{"name": "conv_1.weight", "shape": [F,C,KH,KW], "trainable": true}, ...]}
// kinds (a layer's `key`) and their fields:
//   zero_pad {"pads": [top, bottom, left, right]}
//   conv     {"filters", "kernel": [KH,KW], "stride": [SH,SW], "padding": "valid"|"same",
//             "pads": [t,b,l,r] (resolved: TensorFlow's split for "same", the extra row/column after), "bias"}
//            tensors weight [F,C,KH,KW] (OIHW, PyTorch's layout), bias [F]
//   dense    {"units", "bias"}, tensors weight [units, in] (PyTorch's layout), bias [units]
//   relu sigmoid tanh softmax identity {}; flatten {} (C, H, W order)
//   max_pool avg_pool {"window": [KH,KW], "stride": [SH,SW]} (floor); global_avg_pool {}
//   dropout  {"rate"}
//   batch_norm {"eps", "momentum"}: PyTorch's convention, running = (1 - momentum) running + momentum batch
//            (layers/batch_norm.hpp); tensors weight (gamma) [C], bias (beta) [C], running_mean [C],
//            running_var [C] (trainable false)
//   residual {"main": [layers], "shortcut": [layers] (empty: identity)}; sub-layers named "<key>_<k>"
//            within their branch, tensors "residual_1.main.conv_2.weight" (residual.hpp)
// param_count is param_count_v (trainable scalars); state_count is state_count_v (BatchNorm statistics).
//
// Training spec: {"loss": "softmax_cross_entropy"|"binary_cross_entropy" (from logits, mean over the
// batch), "optimizer": {"kind": "sgd"|"adam"|"rmsprop", and exactly the fields of optim/*.hpp, with
// their conventions: sgd lr momentum nesterov weight_decay decay; adam lr beta1 beta2 eps weight_decay
// decay epsilon_mode ("pytorch"|"keras"); rmsprop lr rho eps momentum eps_inside_sqrt decay},
// "batch_size", "threads", "seed", "init": "cnnbench"|"framework"}.
// Throws: nothing beyond std::bad_alloc; every model cnnbench can express has a spec.
#pragma once
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "../bench/protocol.hpp"
#include "../detail/type_list.hpp"
#include "../layers.hpp"
#include "../model.hpp"
#include "../network.hpp"
#include "../residual.hpp"

namespace cnnbench::frameworks {

/// How a policy that runs a framework starts: from cnnbench's initial weights (the default, so every
/// policy trains the same model), or from the framework's own default initialisation (deliverable 4:
/// how much of a published spread came from defaults).
enum class init_mode { cnnbench, framework };

inline std::string to_string(init_mode m) { return m == init_mode::cnnbench ? "cnnbench" : "framework"; }

namespace detail {

inline nlohmann::json shape_json(shape s) { return nlohmann::json::array({s.c, s.h, s.w}); }

template <class B>
nlohmann::json layer_json(std::string name);

/// The layers of a branch (bound layers), named "<key>_<k>" as residual.hpp names their tensors.
template <class... Bs>
nlohmann::json branch_json(cnnbench::detail::type_list<Bs...>) {
  nlohmann::json out = nlohmann::json::array();
  const std::string_view keys[] = {Bs::layer::key..., {}};
  std::size_t i = 0;
  auto one = [&](auto tag) {
    using B = typename decltype(tag)::type;
    std::size_t index = 1;
    for (std::size_t j = 0; j < i; ++j)
      if (keys[j] == keys[i]) ++index;
    out.push_back(layer_json<B>(std::string(keys[i]) + "_" + std::to_string(index)));
    ++i;
  };
  (one(std::type_identity<Bs>{}), ...);
  (void)one;  // an empty branch (identity shortcut)
  return out;
}

/// One bound layer's entry.
template <class B>
nlohmann::json layer_json(std::string name) {
  using L = typename B::layer;
  constexpr shape In = B::in;
  constexpr std::string_view k = L::key;
  nlohmann::json j = {{"name", std::move(name)}, {"kind", std::string(k)}, {"in_shape", shape_json(In)}, {"out_shape", shape_json(B::out)}};
  if constexpr (k == "zero_pad") {
    j["pads"] = {L::pad, L::pad, L::pad, L::pad};
  } else if constexpr (k == "conv") {
    j["filters"] = L::filters;
    j["kernel"] = {L::kernel, L::kernel};
    j["stride"] = {L::stride, L::stride};
    j["padding"] = L::pad_mode == padding::same ? "same" : "valid";
    j["pads"] = {L::template pad_top<In>, L::template pad_bottom<In>, L::template pad_left<In>, L::template pad_right<In>};
    j["bias"] = L::has_bias;
  } else if constexpr (k == "dense") {
    j["units"] = L::units;
    j["bias"] = L::has_bias;
  } else if constexpr (k == "max_pool" || k == "avg_pool") {
    j["window"] = {L::window, L::window};
    j["stride"] = {L::stride, L::stride};
  } else if constexpr (k == "dropout") {
    j["rate"] = L::rate;
  } else if constexpr (k == "batch_norm") {
    j["eps"] = L::eps;
    j["momentum"] = L::momentum;
  } else if constexpr (k == "residual") {
    j["main"] = branch_json(typename L::template main_layers<In>{});
    j["shortcut"] = branch_json(typename L::template shortcut_layers<In>{});
  } else {
    static_assert(k == "relu" || k == "sigmoid" || k == "tanh" || k == "softmax" || k == "identity" || k == "flatten" ||
                      k == "global_avg_pool",
                  "cnnbench: frameworks::model_spec: a layer kind without a spec entry (add it here and to the generators)");
  }
  return j;
}

}  // namespace detail

/// The model spec v1 of model Net on per-sample input In (see the top of this file).
template <class Net, shape In>
nlohmann::json model_spec() {
  constexpr auto rows = summary<Net, In>().rows;
  nlohmann::json layers = nlohmann::json::array();
  cnnbench::detail::for_each_type(bound_layers_t<Net, In>{}, [&](auto index, auto t) {
    using B = typename decltype(t)::type;
    layers.push_back(detail::layer_json<B>(std::string(rows[decltype(index)::value].name())));
  });
  nlohmann::json tensors = nlohmann::json::array();
  for (const auto& e : network<Net, In>::tensor_table) {
    nlohmann::json dims = nlohmann::json::array();
    for (std::size_t i = 0; i < e.spec.rank; ++i) dims.push_back(e.spec.dims[i]);
    tensors.push_back({{"name", std::string(e.name_view())}, {"shape", dims}, {"trainable", e.trainable}});
  }
  return {{"format", "cnnbench-model"},
          {"version", 1},
          {"input", detail::shape_json(In)},
          {"output", detail::shape_json(output_shape_v<Net, In>)},
          {"param_count", param_count_v<Net, In>},
          {"state_count", state_count_v<Net, In>},
          {"layers", layers},
          {"tensors", tensors}};
}

/// An optimizer's fields, exactly as optim/*.hpp defines them, with "kind".
inline nlohmann::json optimizer_json(const bench::optimizer_config& opt) {
  return std::visit(
      [](const auto& o) -> nlohmann::json {
        using O = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<O, optim::sgd>)
          return {{"kind", "sgd"}, {"lr", o.lr}, {"momentum", o.momentum}, {"nesterov", o.nesterov},
                  {"weight_decay", o.weight_decay}, {"decay", o.decay}};
        else if constexpr (std::is_same_v<O, optim::adam>)
          return {{"kind", "adam"}, {"lr", o.lr}, {"beta1", o.beta1}, {"beta2", o.beta2}, {"eps", o.eps},
                  {"weight_decay", o.weight_decay}, {"decay", o.decay},
                  {"epsilon_mode", o.mode == optim::adam::epsilon_mode::keras ? "keras" : "pytorch"}};
        else {
          static_assert(std::is_same_v<O, optim::rmsprop>, "cnnbench: frameworks::optimizer_json: an optimizer without a spec entry");
          return {{"kind", "rmsprop"}, {"lr", o.lr}, {"rho", o.rho}, {"eps", o.eps}, {"momentum", o.momentum},
                  {"eps_inside_sqrt", o.eps_inside_sqrt}, {"decay", o.decay}};
        }
      },
      opt);
}

/// The training setup besides loss and optimizer.
struct train_options {
  std::size_t batch_size = 64;   ///< the protocol's (the generated standalone main uses it)
  int threads = 1;               ///< intra- and inter-op threads of the framework
  std::uint64_t seed = 1;        ///< the framework's own seed (its init in init_mode::framework, its dropout)
  init_mode init = init_mode::cnnbench;
};

/// The training spec (see the top of this file).
inline nlohmann::json train_spec(const bench::loss_config& loss, const bench::optimizer_config& opt, const train_options& o) {
  return {{"loss", bench::describe(loss)},   {"optimizer", optimizer_json(opt)}, {"batch_size", o.batch_size},
          {"threads", o.threads},            {"seed", o.seed},                  {"init", to_string(o.init)}};
}

}  // namespace cnnbench::frameworks
