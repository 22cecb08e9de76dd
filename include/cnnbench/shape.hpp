// cnnbench/shape.hpp: the per-sample shape of a tensor, and the arithmetic of windows over it.
//
// Units used throughout cnnbench (stated once, here):
//   - Layout is NCHW, float32. A `shape` is {C, H, W} of ONE sample: the batch size N is a run-time
//     extent and is never part of a shape.
//   - Counts (parameters, elements) are numbers of scalars; sizes are in bytes; times in seconds.
//   - FLOPs are per sample, for the forward pass, with one multiply-add counted as 2 FLOPs.
//   - A "flat" tensor (the output of Flatten or Dense) has shape {n, 1, 1}.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace cnnbench {

/// shape{c, h, w}: channels, height, width of one sample (NCHW without N).
/// A structural literal type, so it can be a template argument: `Conv<16,3>::output_shape<shape{1,28,28}>`.
/// Defaults are 1 so `shape{576}` is a flat vector of 576 features.
struct shape {
  std::size_t c = 1;
  std::size_t h = 1;
  std::size_t w = 1;

  /// Number of scalars in one sample, c * h * w.
  constexpr std::size_t size() const noexcept { return c * h * w; }
  /// True when h == w == 1 (a feature vector).
  constexpr bool flat() const noexcept { return h == 1 && w == 1; }
  friend constexpr bool operator==(shape, shape) = default;
};

/// Padding mode of Conv (and the size rule behind it).
///  - valid: no padding; out = floor((in - k) / s) + 1. Requires k <= in.
///  - same:  out = ceil(in / s); total padding max((out - 1) * s + k - in, 0), of which
///           floor(total / 2) goes before (top/left) and the rest after (bottom/right).
///           This is TensorFlow/Keras' rule ("SAME"); for odd k and s = 1 it equals PyTorch's
///           padding='same' (pad (k-1)/2 on each side).
enum class padding { valid, same };
inline constexpr padding valid = padding::valid;
inline constexpr padding same = padding::same;

/// A real-valued hyper-parameter usable as a template argument on every C++20 compiler
/// (clang before 18 has no floating-point non-type template parameters): `Dropout<0.25>`
/// converts 0.25 to `real` at compile time. Stored as value * 1e12 in an int64, so any decimal
/// with at most 12 fractional digits and magnitude below 9.2e6 is represented exactly and
/// `value()` returns the double nearest to it.
struct real {
  std::int64_t scaled = 0;
  static constexpr double scale = 1e12;
  consteval real(double v) : scaled(static_cast<std::int64_t>(v * scale + (v < 0 ? -0.5 : 0.5))) {}
  /// From the scaled representation itself: nvcc's front end re-emits template arguments this
  /// way. Not for users; it is why a rate must be written as a decimal (`Dropout<0.0>`, not
  /// `Dropout<0>`, which is ambiguous).
  constexpr real(std::int64_t scaled_value) noexcept : scaled(scaled_value) {}
  constexpr double value() const noexcept { return static_cast<double>(scaled) / scale; }
  friend constexpr bool operator==(real, real) = default;
};

/// "{c, h, w}", the notation of the compiler's diagnostics.
inline std::string to_string(shape s) {
  // std::to_string pieces appended one by one (operator+ chains make g++ 12 -O3 report a false -Wrestrict)
  std::string r = "{";
  r += std::to_string(s.c);
  r += ", ";
  r += std::to_string(s.h);
  r += ", ";
  r += std::to_string(s.w);
  r += "}";
  return r;
}

namespace detail {
/// Output extent of a valid (unpadded) window: floor((in - k) / s) + 1, or 0 when k > in.
constexpr std::size_t window_out(std::size_t in, std::size_t k, std::size_t s) noexcept {
  return (k > in || s == 0) ? 0 : (in - k) / s + 1;
}
/// Output extent of a "same" window: ceil(in / s).
constexpr std::size_t same_out(std::size_t in, std::size_t s) noexcept { return s == 0 ? 0 : (in + s - 1) / s; }
/// Total padding of a "same" window along one axis (TensorFlow's rule, see `padding`).
constexpr std::size_t same_pad_total(std::size_t in, std::size_t k, std::size_t s) noexcept {
  const std::size_t out = same_out(in, s);
  const std::size_t need = out == 0 ? 0 : (out - 1) * s + k;
  return need > in ? need - in : 0;
}
}  // namespace detail

}  // namespace cnnbench
