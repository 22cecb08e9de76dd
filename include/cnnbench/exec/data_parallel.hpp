// cnnbench/exec/data_parallel.hpp: exec::data_parallel, data-parallel training over MPI ranks: a
// policy that wraps another. Reachable only with CNNBENCH_WITH_MPI: link cnnbench::mpi.
//
//   auto run = cnnbench::prepare(exec::data_parallel{exec::eigen_cpu{.threads = 1}}, net);
//   float loss = run.train_step(x, y, 64, optim::adam::pytorch());   // x, y: the GLOBAL batch, on every rank
//
// Every rank of `comm` (default MPI_COMM_WORLD) calls the same sequence with the same global batch
// (n samples, n * In.size() floats NCHW, host memory) and starts from the same weights. Rank r trains
// on its share, rows [n*r/p, n*(r+1)/p) (contiguous, sizes differ by at most one; a rank whose share
// is empty contributes zero), and the gradients are summed so that every rank holds dLoss/dparams of
// the mean loss over all n samples, then applies the same optimizer update: the ranks' weights stay
// equal, bit for bit, step after step.
//
// SCALING. The inner runner returns the gradient of its share's mean loss ((1/m) * sum over its m
// samples); each rank multiplies it by m/n before the sum. For equal shares m/n is 1/p, exact when
// p is a power of two.
// ORDER. The sum over ranks is mpi::ordered_sum (MPI_Allreduce with a non-commutative operation:
// operands in rank order), so a run is bit-reproducible for a given number of ranks. Against one
// process: p ranks x 1 thread of eigen_cpu equals 1 rank x p threads bit for bit when p is a power of
// two and the model has no BatchNorm or Dropout (the same rows per lane, the same scaled-by-1/p
// partial sums, added in the same order; tests/mpi measure it on S1). Otherwise the sums are grouped
// differently: the same gradients within float32 reduction error (tests/mpi compare 1 rank x 1 thread
// with 2 ranks x 1 thread on S1 at each of 20 steps, from the same weights); over many steps the
// trajectories can part further, as any two float32 summation orders do on a chaotic loss surface.
// BATCHNORM. Statistics per rank, as PyTorch DistributedDataParallel: each rank normalises its share
// with its share's batch statistics and updates its own running statistics (store_to gives the
// calling rank's; rank 0's are what DDP keeps, as it broadcasts rank 0's buffers). Synchronised
// statistics (SyncBatchNorm) are not offered: they need a collective inside every BatchNorm layer's
// forward and backward, i.e. inside the inner back end.
// DROPOUT. The inner policy's seed is offset by the rank (inner.seed + rank * 0x9E3779B97F4A7C15), so
// ranks draw different masks; they are not the masks of a single-process run of the same batch.
// COMMUNICATION. One sum of param_count floats per step (reduce_bytes()), plus an 8-byte gather of
// the loss; runner.communication_seconds() / reductions() time them.
//
// Runner (mpi::data_parallel_runner): the runner protocol of exec/runner.hpp (forward runs the whole
// batch on the calling rank, without communication; evaluate splits it and gathers the sums), plus
// rank(), ranks(), inner(), reserve(n), communication_seconds(), reductions(), reduce_bytes().
// Every training and evaluation call is collective. Throws what the inner runner throws, and
// mpi::mpi_error when an MPI call fails.
// The inner runner must expose gradient_buffer() (a writable span of its gradients): eigen_cpu does;
// exec::cudnn is wrapped over NCCL by exec/data_parallel_cudnn.hpp (link cnnbench::nccl).
#pragma once
#include <concepts>
#include <cstdint>
#include <span>

#include "../mpi/communicator.hpp"
#include "../mpi/data_parallel_runner.hpp"
#include "eigen_cpu.hpp"
#include "runner.hpp"

namespace cnnbench {
namespace exec {
/// Data-parallel training over the ranks of `comm`, each running `inner` on its share of the batch.
template <class Inner>
struct data_parallel {
  Inner inner{};
  MPI_Comm comm = MPI_COMM_WORLD;
  static constexpr const char* name = "data_parallel";
};
template <class Inner>
data_parallel(Inner) -> data_parallel<Inner>;
template <class Inner>
data_parallel(Inner, MPI_Comm) -> data_parallel<Inner>;
}  // namespace exec

template <class Inner>
inline constexpr bool enable_execution_policy<exec::data_parallel<Inner>> = true;

namespace mpi::detail {
/// The inner policy as rank `rank` runs it: its dropout seed offset by the rank.
template <class Inner>
Inner for_rank(Inner p, int rank) {
  if constexpr (requires { p.seed; }) p.seed += static_cast<std::uint64_t>(rank) * 0x9E3779B97F4A7C15ull;
  return p;
}
}  // namespace mpi::detail

/// Prepares the inner policy's runner on this rank and wraps it (collective over p.comm: initialises
/// MPI through mpi::session when the program has not). Host-gradient inner policies (eigen_cpu).
template <class Inner, class Net, shape In>
auto prepare(const exec::data_parallel<Inner>& p, const network<Net, In>& net) {
  using R = decltype(prepare(p.inner, net));
  static_assert(requires(R& r) { { r.gradient_buffer() } -> std::same_as<std::span<float>>; },
                "cnnbench: exec::data_parallel needs an inner runner with host gradient_buffer() (eigen_cpu); for "
                "exec::cudnn include exec/data_parallel_cudnn.hpp (NCCL, link cnnbench::nccl)");
  mpi::session::get();
  int rank = 0;
  mpi::check(MPI_Comm_rank(p.comm, &rank), "MPI_Comm_rank");
  return mpi::data_parallel_runner<Net, In, R, mpi::host_reducer>(mpi::detail::for_rank(p.inner, rank), net,
                                                                  mpi::host_reducer{p.comm}, p.comm);
}

}  // namespace cnnbench
