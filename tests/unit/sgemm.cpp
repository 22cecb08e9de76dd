// backend/eigen/sgemm.hpp (the register-blocked GEMM) and backend/eigen/gemm.hpp (Eigen's) against a
// naive double-precision triple loop, on shapes that exercise every edge of the blocking: M, N, K
// not multiples of the tile (mr x nr) or of the blocks (mc, kc, nc), K > kc (C reloaded between
// depth blocks), N > nc, both transposes, accumulate and overwrite, and leading dimensions larger
// than the rows. Bound: |error| <= 1e-6 * (sum over k of |a_ik b_kj|) + 1e-30, float32 rounding of a
// K-term sum (each partial sum rounds with relative error 2^-24 ~ 6e-8; 1e-6 leaves a margin of 16).
#include <cnnbench/backend/eigen/gemm.hpp>
#include <cnnbench/backend/eigen/sgemm.hpp>
#include <cnnbench/random.hpp>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "support/catch.hpp"

namespace {
using cnnbench::backend::eigen::sgemm::kc;
using cnnbench::backend::eigen::sgemm::mr;
using cnnbench::backend::eigen::sgemm::nc;
using cnnbench::backend::eigen::sgemm::nr;

struct problem {
  std::size_t M, N, K;
  bool ta, tb, acc;
};

template <class Gemm>
void check(const problem& p, Gemm gemm) {
  cnnbench::rng r(7, p.M * 1000003 + p.N * 1009 + p.K);
  const std::size_t lda = (p.ta ? p.M : p.K) + 3, ldb = (p.tb ? p.K : p.N) + 5, ldc = p.N + 2;
  std::vector<float> A((p.ta ? p.K : p.M) * lda), B((p.tb ? p.N : p.K) * ldb), C(p.M * ldc);
  std::uint64_t i = 0;
  for (auto& v : A) v = static_cast<float>(r.uniform01_at(i++) * 2.0 - 1.0);
  for (auto& v : B) v = static_cast<float>(r.uniform01_at(i++) * 2.0 - 1.0);
  for (auto& v : C) v = static_cast<float>(r.uniform01_at(i++) * 2.0 - 1.0);
  const std::vector<float> C0 = C;
  gemm(p.M, p.N, p.K, A.data(), lda, p.ta, B.data(), ldb, p.tb, C.data(), ldc, p.acc);
  double worst = 0;
  for (std::size_t m = 0; m < p.M; ++m)
    for (std::size_t n = 0; n < p.N; ++n) {
      double want = p.acc ? C0[m * ldc + n] : 0.0, scale = std::fabs(want);
      for (std::size_t k = 0; k < p.K; ++k) {
        const double a = p.ta ? A[k * lda + m] : A[m * lda + k], b = p.tb ? B[n * ldb + k] : B[k * ldb + n];
        want += a * b;
        scale += std::fabs(a * b);
      }
      const double err = std::fabs(C[m * ldc + n] - want);
      worst = std::max(worst, err / (scale + 1e-30));
      if (err > 1e-6 * scale + 1e-30) {
        INFO("M " << p.M << " N " << p.N << " K " << p.K << " ta " << p.ta << " tb " << p.tb << " acc " << p.acc
                  << " at (" << m << ", " << n << "): " << C[m * ldc + n] << " vs " << want);
        REQUIRE(err <= 1e-6 * scale + 1e-30);
      }
    }
  // Padding between rows (ldc > N) is never written.
  for (std::size_t m = 0; m < p.M; ++m)
    for (std::size_t n = p.N; n < ldc; ++n) REQUIRE(C[m * ldc + n] == C0[m * ldc + n]);
}

std::vector<problem> problems() {
  std::vector<problem> ps;
  const std::size_t sizes[][3] = {{1, 1, 1},          {mr, nr, 7},        {mr + 1, nr - 1, kc + 3},
                                  {37, 53, 19},       {32, 900, 288},     {100, 3 * nr + 5, 2 * kc + 1},
                                  {2 * mr - 1, nc + nr + 3, 5}, {5, 9, 0}};
  for (const auto& s : sizes)
    for (int t = 0; t < 8; ++t) ps.push_back({s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0, (t & 4) != 0});
  return ps;
}
}  // namespace

TEST_CASE("sgemm.matches_double_reference", "[sgemm]") {
  for (const auto& p : problems()) check(p, cnnbench::backend::eigen::sgemm::gemm);
}

TEST_CASE("sgemm.eigen_gemm_matches_double_reference", "[sgemm]") {
  for (const auto& p : problems())
    check(p, [](std::size_t M, std::size_t N, std::size_t K, const float* A, std::size_t lda, bool ta, const float* B,
                std::size_t ldb, bool tb, float* C, std::size_t ldc, bool acc) {
      using I = Eigen::Index;
      cnnbench::backend::eigen::gemm(static_cast<I>(M), static_cast<I>(N), static_cast<I>(K), A, static_cast<I>(lda), ta,
                                     B, static_cast<I>(ldb), tb, C, static_cast<I>(ldc), acc);
    });
}

TEST_CASE("sgemm.same_bits_every_call", "[sgemm]") {
  const std::size_t M = 45, N = 77, K = 2 * kc + 9;
  std::vector<float> A(M * K), B(K * N), C1(M * N), C2(M * N);
  for (std::size_t i = 0; i < A.size(); ++i) A[i] = std::sin(static_cast<float>(i));
  for (std::size_t i = 0; i < B.size(); ++i) B[i] = std::cos(static_cast<float>(i));
  cnnbench::backend::eigen::sgemm::gemm(M, N, K, A.data(), K, false, B.data(), N, false, C1.data(), N, false);
  cnnbench::backend::eigen::sgemm::gemm(M, N, K, A.data(), K, false, B.data(), N, false, C2.data(), N, false);
  REQUIRE(std::memcmp(C1.data(), C2.data(), C1.size() * sizeof(float)) == 0);
}
