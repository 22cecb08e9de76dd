// cnnbench/random.hpp: one seeded, platform-independent random number generator.
//
// The same seed gives the same numbers, bit for bit, with every compiler, standard library and
// optimisation level. That rules out the std:: distributions (whose algorithms are
// implementation-defined) and any floating-point step a compiler may fuse differently: uniform
// variates use only exact integer work and exactly rounded IEEE operations; normal variates use
// Marsaglia's polar method with a logarithm computed here from explicit std::fma calls (so no
// -ffp-contract setting can change it) and std::sqrt (exactly rounded by IEEE 754).
//
// The generator is counter-based: value i of stream s under seed k is a pure function
// mix(key(k, s) + i * gamma) (SplitMix64, Steele et al. 2014), so any element can be drawn
// independently of the others: dropout masks are the same whatever the thread count, and one
// layer's initial weights do not depend on the sizes of the other layers.
#pragma once
#include <cmath>
#include <cstdint>

namespace cnnbench {

namespace detail {
constexpr std::uint64_t splitmix64(std::uint64_t z) noexcept {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/// Natural logarithm of x > 0 (finite), to about 1 ulp, computed with exactly rounded operations and
/// explicit fused multiply-adds only: x = m * 2^e with m in [sqrt(1/2), sqrt(2)), log(m) = 2 atanh(s),
/// s = (m - 1) / (m + 1), atanh by its odd series (|s| < 0.172, 12 terms).
inline double portable_log(double x) noexcept {
  int e = 0;
  double m = std::frexp(x, &e);  // exact: m in [0.5, 1)
  if (m < 0x1.6a09e667f3bcdp-1) {  // sqrt(1/2)
    m *= 2.0;                      // exact
    e -= 1;
  }
  const double s = (m - 1.0) / (m + 1.0);
  const double z = s * s;
  double p = 1.0 / 25;
  for (int k = 11; k >= 1; --k) p = std::fma(p, z, 1.0 / (2 * k + 1));  // 1/3 + z/5 + ... + z^11/25
  const double atanh = std::fma(s * z, p, s);                           // s + s^3/3 + s^5/5 + ...
  return std::fma(static_cast<double>(e), 0x1.62e42fefa39efp-1, 2.0 * atanh);  // e*ln2 + 2 atanh(s)
}
}  // namespace detail

/// A counter-based stream of random numbers: (seed, stream) select the stream, draws advance a counter.
class rng {
 public:
  constexpr rng(std::uint64_t seed, std::uint64_t stream = 0) noexcept
      : key_(detail::splitmix64(seed ^ detail::splitmix64(stream + 0x632be59bd9b4e019ull))) {}

  /// The stream's key (the SplitMix64 state of element 0), for device code that recomputes at(i).
  constexpr std::uint64_t key() const noexcept { return key_; }
  /// The i-th 64-bit value of this stream, without touching the counter: SplitMix64's output for state
  /// key + i * golden gamma, i.e. element i of the SplitMix64 sequence that starts at the stream's key.
  constexpr std::uint64_t at(std::uint64_t i) const noexcept { return detail::splitmix64(key_ + i * 0x9e3779b97f4a7c15ull); }
  /// The next 64-bit value.
  constexpr std::uint64_t next_u64() noexcept { return at(counter_++); }
  /// Uniform double in [0, 1) with 53 random bits (exact).
  constexpr double uniform01() noexcept { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  /// Uniform double in [0, 1) for element i, without touching the counter.
  constexpr double uniform01_at(std::uint64_t i) const noexcept { return static_cast<double>(at(i) >> 11) * 0x1.0p-53; }
  /// Uniform double in [-a, a): (2u - 1) is exact, one rounding for the product.
  constexpr double symmetric(double a) noexcept { return (2.0 * uniform01() - 1.0) * a; }
  /// Uniform integer in [0, n), unbiased (rejection of the lowest 2^64 mod n values). n > 0.
  constexpr std::uint64_t below(std::uint64_t n) noexcept {
    const std::uint64_t threshold = (0 - n) % n;
    for (;;) {
      const std::uint64_t x = next_u64();
      if (x >= threshold) return x % n;
    }
  }
  /// Standard normal variate (Marsaglia's polar method with portable_log).
  double normal() noexcept {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    for (;;) {
      const double u = 2.0 * uniform01() - 1.0, v = 2.0 * uniform01() - 1.0;
      const double s = std::fma(u, u, v * v);
      if (s >= 1.0 || s == 0.0) continue;
      const double f = std::sqrt(-2.0 * detail::portable_log(s) / s);
      spare_ = v * f;
      has_spare_ = true;
      return u * f;
    }
  }
  /// Normal variate truncated to [-2, 2] standard deviations by rejection (Keras' truncated_normal).
  double truncated_normal() noexcept {
    for (;;) {
      const double z = normal();
      if (z >= -2.0 && z <= 2.0) return z;
    }
  }

 private:
  std::uint64_t key_;
  std::uint64_t counter_ = 0;
  double spare_ = 0;
  bool has_spare_ = false;
};

}  // namespace cnnbench
