// mpi_scaling: data-parallel training steps of S1 (batch 64) and S3 (batch 128) on synthetic data,
// under exec::data_parallel{exec::eigen_cpu{.threads = T}}: images/s of the global batch, and the
// communication share of a step (time in the gradient sum and loss gather over the step time, rank 0).
//   mpirun -np 1 build/release/bench/mpi_scaling --threads 2      1 rank x 2 threads
//   mpirun -np 2 build/release/bench/mpi_scaling --threads 1      2 ranks x 1 thread
// bench/compare_mpi.py alternates the two in one run and prints the medians. Prints one line per
// model: "model ranks threads batch img/s comm_share allreduce_bytes allreduce_ms allreduce_alone_ms"
// (comm_share and allreduce_ms: inside the steps, including waiting for the slower rank;
// allreduce_alone_ms: the sum alone after a barrier).
#include <cnnbench/cnnbench.hpp>
#include <cnnbench/data/synthetic.hpp>
#include <cnnbench/exec/data_parallel.hpp>
#include <cnnbench/models/published.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

using namespace cnnbench;

template <class M>
void measure(const char* name, std::size_t batch, int threads, std::size_t steps) {
  auto& s = mpi::session::get();
  const dataset d = synthetic_dataset(M::input, batch * 4, 10, 1);
  std::vector<host_batch> bs(4);
  for (std::size_t k = 0; k < bs.size(); ++k) {
    std::vector<std::size_t> idx(batch);
    std::iota(idx.begin(), idx.end(), k * batch);
    bs[k].gather(d, idx);
  }
  network<typename M::net, M::input> net(init_scheme::he_uniform, 1);
  auto run = prepare(exec::data_parallel{exec::eigen_cpu{.threads = threads}}, net);
  run.reserve(batch);
  const auto opt = optim::sgd{.lr = 0.01, .momentum = 0.9};
  for (std::size_t k = 0; k < 3; ++k) run.train_step(bs[k % 4].x, bs[k % 4].y, batch, opt);  // warm-up
  const double c0 = run.communication_seconds();
  MPI_Barrier(MPI_COMM_WORLD);
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t k = 0; k < steps; ++k) run.train_step(bs[k % 4].x, bs[k % 4].y, batch, opt);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double comm = run.communication_seconds() - c0;
  // The gradient sum alone, every rank ready (after a barrier): transfer and arithmetic without the
  // waiting for a slower rank that the in-step time includes. Median of 11.
  std::vector<float> g(run.reduce_bytes() / sizeof(float), 1.0f);
  std::vector<double> alone;
  for (int k = 0; k < 11; ++k) {
    MPI_Barrier(MPI_COMM_WORLD);
    const auto a0 = std::chrono::steady_clock::now();
    mpi::ordered_sum(MPI_COMM_WORLD, g.data(), g.size());
    alone.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - a0).count());
  }
  std::sort(alone.begin(), alone.end());
  if (s.rank() == 0)
    std::printf("%s ranks %d threads %d batch %zu img/s %.1f comm_share %.4f allreduce_bytes %zu allreduce_ms %.3f "
                "allreduce_alone_ms %.3f\n",
                name, s.size(), threads, batch, static_cast<double>(steps * batch) / secs, comm / secs, run.reduce_bytes(),
                1e3 * comm / static_cast<double>(steps), 1e3 * alone[alone.size() / 2]);
}

int main(int argc, char** argv) {
  int threads = 1;
  std::size_t steps = 30;
  for (int i = 1; i + 1 < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--steps")) steps = static_cast<std::size_t>(std::atoi(argv[i + 1]));
  }
  measure<models::s1>("S1", 64, threads, steps);
  measure<models::s3>("S3", 128, threads, steps / 3 + 1);
  return 0;
}
