// cnnbench/detail/format.hpp: number formatting shared by summaries, descriptions and reports.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

namespace cnnbench::detail {

/// 1234567 -> "1,234,567" (Keras' summary style).
inline std::string with_commas(std::uint64_t v) {
  const std::string digits = std::to_string(v);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}
/// A real rounded to the nearest integer, with thousands separators; "-" when not finite.
inline std::string thousands(double v) {
  if (!std::isfinite(v)) return "-";
  const long long r = std::llround(v);
  return (r < 0 ? "-" : "") + with_commas(static_cast<std::uint64_t>(r < 0 ? -r : r));
}
/// A hyper-parameter as people write it: 0.01, 0.9, 1e-06, 1e-08 (shortest %g form).
inline std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

}  // namespace cnnbench::detail
