// peak_flops: the machine's FP32 peak as the benchmarks assume it, measured rather than looked up.
//
// For each vector width the CPU has (AVX2 + FMA: 8 floats; AVX-512F: 16 floats), it runs 12 independent
// FMA chains per core (enough to fill two FMA pipes of 4-cycle latency) on one core, then on every core
// at once, and reports GFLOP/s = FMAs x 2 FLOP / seconds. This measures the clock the cores really run
// at under that load and how many FMA units the width has (some AVX-512 CPUs have one 512-bit FMA unit
// per core, others two; Zen 4 splits 512-bit FMAs in two), instead of assuming them.
// The peak a build can reach is the one of the widest vectors its compiler flags allow: a -march=
// x86-64-v3 build (AVX2) cannot use AVX-512, so "peak_gflops_build" is the AVX2 peak for it.
// Prints one JSON line: {"cores", "avx2": {...}, "avx512": {...} or null, "build_isa", "peak_gflops_build"}.
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace {
using clock_type = std::chrono::steady_clock;

__attribute__((target("avx2,fma"))) double fma_gflops_avx2(long iterations) {
  __m256 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(1.0f + static_cast<float>(i) * 1e-3f);
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  const auto t0 = clock_type::now();
  for (long k = 0; k < iterations; ++k) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  }
  const double dt = std::chrono::duration<double>(clock_type::now() - t0).count();
  volatile float sink = 0;
  for (int i = 0; i < 12; ++i) sink = sink + _mm256_cvtss_f32(acc[i]);
  return static_cast<double>(iterations) * 12 * 16 / dt / 1e9;  // 8 lanes x 2 FLOPs per FMA
}

__attribute__((target("avx512f"))) double fma_gflops_avx512(long iterations) {
  __m512 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm512_set1_ps(1.0f + static_cast<float>(i) * 1e-3f);
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  const auto t0 = clock_type::now();
  for (long k = 0; k < iterations; ++k) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  }
  const double dt = std::chrono::duration<double>(clock_type::now() - t0).count();
  volatile float sink = 0;
  for (int i = 0; i < 12; ++i) sink = sink + _mm512_reduce_add_ps(acc[i]);
  return static_cast<double>(iterations) * 12 * 32 / dt / 1e9;  // 16 lanes x 2 FLOPs per FMA
}

struct measured {
  double one_core = 0, all_cores = 0;
};

template <class F>
measured measure(F f, unsigned cores) {
  measured m;
  f(20'000'000);  // warm up the clock (and the wide units)
  for (int r = 0; r < 3; ++r) m.one_core = std::max(m.one_core, f(100'000'000));
  std::vector<double> each(cores);
  std::vector<std::thread> ts;
  for (unsigned c = 0; c < cores; ++c) ts.emplace_back([&each, c, &f] { each[c] = f(100'000'000); });
  for (auto& t : ts) t.join();
  for (double g : each) m.all_cores += g;
  return m;
}

std::string json(const measured& m, unsigned cores, int flop_per_cycle_per_unit) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "{\"gflops_one_core\": %.1f, \"gflops_all_cores\": %.1f, \"peak_gflops\": %.1f, "
                "\"ghz_if_two_fma_units\": %.3f}",
                m.one_core, m.all_cores, cores * m.one_core, m.one_core / (2.0 * flop_per_cycle_per_unit));
  return buf;
}
}  // namespace

int main() {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
    std::fprintf(stderr, "peak_flops: this CPU has no AVX2 + FMA\n");
    return 1;
  }
  const measured avx2 = measure(fma_gflops_avx2, cores);
  const bool has512 = __builtin_cpu_supports("avx512f");
  measured avx512;
  if (has512) avx512 = measure(fma_gflops_avx512, cores);
#if defined(__AVX512F__)
  const char* isa = "avx512";
  const double build_peak = has512 ? cores * avx512.one_core : cores * avx2.one_core;
#else
  const char* isa = "avx2";
  const double build_peak = cores * avx2.one_core;
#endif
  std::printf("{\"cores\": %u, \"avx2\": %s, \"avx512\": %s, \"build_isa\": \"%s\", \"peak_gflops_build\": %.1f, "
              "\"peak_gflops\": %.1f}\n",
              cores, json(avx2, cores, 16).c_str(), has512 ? json(avx512, cores, 32).c_str() : "null", isa, build_peak,
              build_peak);
}
