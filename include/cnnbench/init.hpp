// cnnbench/init.hpp: weight initialisation schemes, by their standard names.
//
// A scheme sets every parameter and state tensor of a model from its role and fans
// (tensor_spec in layer.hpp); fan_in / fan_out are Keras' and PyTorch's (Conv: C*k*k and F*k*k).
//   scheme         weights (Conv, Dense)                                   biases
//   glorot_uniform U(-a, a), a = sqrt(6 / (fan_in + fan_out))   (Keras default)   0
//   glorot_normal  truncated normal, sd = sqrt(2 / (fan_in + fan_out)) / 0.8796   0
//   he_uniform     U(-a, a), a = sqrt(6 / fan_in)                                 0
//   he_normal      truncated normal, sd = sqrt(2 / fan_in) / 0.8796               0
//   lecun_normal   truncated normal, sd = sqrt(1 / fan_in) / 0.8796               0
//   torch_default  U(-b, b), b = 1 / sqrt(fan_in)   (PyTorch Conv2d/Linear reset_parameters)  U(-b, b)
//   zeros          0                                                              0
// "Truncated normal" is Keras' VarianceScaling(distribution="truncated_normal"): a normal cut at 2 sd,
// scaled by 1/0.87962566103423978 to keep the variance (Keras initializers docs; Glorot & Bengio 2010,
// He et al. 2015, LeCun et al. 1998). PyTorch's xavier_normal_/kaiming_normal_ are untruncated; use the
// uniform forms, or torch_default, to match PyTorch exactly.
// BatchNorm: gamma = 1, beta = 0, running_mean = 0, running_var = 1 under every scheme.
//
// Random streams: tensor j of leaf layer i draws from rng(seed, 1000 * i + j), so a layer's initial
// values depend only on the seed, its position and its own shape.
#pragma once
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "error.hpp"
#include "layer.hpp"
#include "random.hpp"

namespace cnnbench {

enum class init_scheme { glorot_uniform, glorot_normal, he_uniform, he_normal, lecun_normal, torch_default, zeros };

/// The scheme's standard name, e.g. "glorot_uniform".
constexpr std::string_view to_string(init_scheme s) noexcept {
  switch (s) {
    case init_scheme::glorot_uniform: return "glorot_uniform";
    case init_scheme::glorot_normal: return "glorot_normal";
    case init_scheme::he_uniform: return "he_uniform";
    case init_scheme::he_normal: return "he_normal";
    case init_scheme::lecun_normal: return "lecun_normal";
    case init_scheme::torch_default: return "torch_default";
    case init_scheme::zeros: return "zeros";
  }
  return "?";
}

/// Parses a standard name; throws value_error naming the unknown name and the known ones.
inline init_scheme parse_init_scheme(std::string_view name) {
  for (auto s : {init_scheme::glorot_uniform, init_scheme::glorot_normal, init_scheme::he_uniform, init_scheme::he_normal,
                 init_scheme::lecun_normal, init_scheme::torch_default, init_scheme::zeros})
    if (to_string(s) == name) return s;
  throw value_error("unknown init scheme '" + std::string(name) +
                    "' (known: glorot_uniform, glorot_normal, he_uniform, he_normal, lecun_normal, torch_default, zeros)");
}

namespace detail {
inline constexpr double truncated_normal_correction = 0.87962566103423978;  // sd of N(0,1) cut at +-2

/// Fills one tensor according to its role and the scheme.
inline void init_tensor(std::span<float> out, const tensor_spec& t, init_scheme scheme, rng r) {
  auto fill = [&](auto draw) {
    for (float& v : out) v = static_cast<float>(draw());
  };
  switch (t.role) {
    case param_role::gamma:
    case param_role::running_var: fill([] { return 1.0; }); return;
    case param_role::beta:
    case param_role::running_mean: fill([] { return 0.0; }); return;
    case param_role::bias:
      if (scheme == init_scheme::torch_default && t.fan_in > 0) {
        const double b = 1.0 / std::sqrt(static_cast<double>(t.fan_in));
        fill([&] { return r.symmetric(b); });
      } else {
        fill([] { return 0.0; });
      }
      return;
    case param_role::weight: break;
  }
  const double fi = static_cast<double>(t.fan_in), fo = static_cast<double>(t.fan_out);
  switch (scheme) {
    case init_scheme::glorot_uniform: {
      const double a = std::sqrt(6.0 / (fi + fo));
      fill([&] { return r.symmetric(a); });
      return;
    }
    case init_scheme::he_uniform: {
      const double a = std::sqrt(6.0 / fi);
      fill([&] { return r.symmetric(a); });
      return;
    }
    case init_scheme::torch_default: {
      const double b = 1.0 / std::sqrt(fi);
      fill([&] { return r.symmetric(b); });
      return;
    }
    case init_scheme::glorot_normal:
    case init_scheme::he_normal:
    case init_scheme::lecun_normal: {
      const double var = scheme == init_scheme::glorot_normal ? 2.0 / (fi + fo)
                         : scheme == init_scheme::he_normal   ? 2.0 / fi
                                                              : 1.0 / fi;
      const double sd = std::sqrt(var) / truncated_normal_correction;
      fill([&] { return r.truncated_normal() * sd; });
      return;
    }
    case init_scheme::zeros: fill([] { return 0.0; }); return;
  }
}
}  // namespace detail

}  // namespace cnnbench
