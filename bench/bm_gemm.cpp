// Google Benchmark: the two float32 GEMMs of exec::eigen_cpu side by side, Eigen 3.4's product
// (backend/eigen/gemm.hpp, what the policy uses) and cnnbench's register-blocked one
// (backend/eigen/sgemm.hpp), one thread, on the matrix shapes of the published models' convolutions
// (im2col + GEMM per sample, bm_train's batch) and a square reference:
//   fwd    C[F x HW] = W[F x CKK] * col[CKK x HW]
//   dW     dW[F x CKK] += dY[F x HW] * col^T            (B transposed)
//   dcol   dcol[CKK x HW] = W^T * dY[F x HW]             (A transposed)
// with F filters, CKK = C_in x 3 x 3, HW the output positions of one sample.
//   bm_gemm --benchmark_filter=S3 --benchmark_min_time=1
// Counter GFLOP/s = 2 M N K per call / second. Run it on an otherwise idle machine: on a shared one,
// both sides lose unequally (AVX-512 units shared between hyperthreads).
#include "bench_models.hpp"

#include <cnnbench/backend/eigen/gemm.hpp>
#include <cnnbench/backend/eigen/sgemm.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace {

template <bool Own>
void gemm_bm(benchmark::State& st) {
  const auto M = st.range(0), N = st.range(1), K = st.range(2);
  const bool ta = st.range(3) & 1, tb = st.range(3) & 2, acc = st.range(3) & 4;
  std::vector<float> A(static_cast<std::size_t>(M * K), 0.5f), B(static_cast<std::size_t>(K * N), 0.25f),
      C(static_cast<std::size_t>(M * N), 0.0f);
  const auto lda = ta ? M : K, ldb = tb ? K : N;
  for (auto _ : st) {
    if constexpr (Own)
      cnnbench::backend::eigen::sgemm::gemm(static_cast<std::size_t>(M), static_cast<std::size_t>(N),
                                            static_cast<std::size_t>(K), A.data(), static_cast<std::size_t>(lda), ta,
                                            B.data(), static_cast<std::size_t>(ldb), tb, C.data(),
                                            static_cast<std::size_t>(N), acc);
    else
      cnnbench::backend::eigen::gemm(M, N, K, A.data(), lda, ta, B.data(), ldb, tb, C.data(), N, acc);
    benchmark::DoNotOptimize(C.data());
  }
  st.counters["GFLOP/s"] = benchmark::Counter(2.0 * static_cast<double>(M * N * K), benchmark::Counter::kIsIterationInvariantRate,
                                              benchmark::Counter::kIs1000);
}

// name, M, N, K, flags (1: A transposed, 2: B transposed, 4: accumulate)
struct shape_case {
  const char* name;
  std::int64_t M, N, K, flags;
};
const shape_case cases[] = {
    {"S3.conv2.fwd", 32, 900, 288, 0},   {"S3.conv2.dW", 32, 288, 900, 6},   {"S3.conv2.dcol", 288, 900, 32, 1},
    {"S3.conv4.fwd", 64, 338, 576, 0},   {"S3.conv4.dW", 64, 576, 338, 6},   {"S3.conv4.dcol", 576, 338, 64, 1},
    {"S2.conv2.fwd", 50, 1024, 450, 0},  {"S2.conv4.fwd", 100, 256, 900, 0}, {"S2.conv4.dcol", 900, 256, 100, 1},
    {"S1.conv2.fwd", 32, 392, 144, 0},   {"S3.dense.fwd", 64, 512, 2304, 2}, {"square512", 512, 512, 512, 0},
};

const bool registered = [] {
  for (const auto& c : cases) {
    benchmark::RegisterBenchmark((std::string(c.name) + "/eigen").c_str(), gemm_bm<false>)
        ->Args({c.M, c.N, c.K, c.flags})->ArgNames({"M", "N", "K", "flags"});
    benchmark::RegisterBenchmark((std::string(c.name) + "/sgemm").c_str(), gemm_bm<true>)
        ->Args({c.M, c.N, c.K, c.flags})->ArgNames({"M", "N", "K", "flags"});
  }
  return true;
}();
}  // namespace

int main(int argc, char** argv) { return bench_models::run_benchmarks(argc, argv); }
