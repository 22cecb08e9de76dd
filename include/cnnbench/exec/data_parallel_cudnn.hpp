// cnnbench/exec/data_parallel_cudnn.hpp: exec::data_parallel over exec::cudnn: one GPU per rank,
// gradients summed with NCCL. Reachable only with CNNBENCH_WITH_NCCL: link cnnbench::nccl
// (cnnbench::mpi + cnnbench::cuda + libnccl).
//
//   auto run = cnnbench::prepare(exec::data_parallel{exec::cudnn{.device = local_rank}}, net);
//
// Everything exec/data_parallel.hpp says holds (shares, m/n scaling, BatchNorm per rank, dropout seed
// per rank, collective calls), except the sum: the inner runner's DEVICE gradient buffer is summed in
// place by ncclAllReduce on the runner's stream, with NCCL's pre-multiplied sum
// (ncclRedOpCreatePreMulSum: each rank's m/n applied inside the reduction). The NCCL communicator is
// made once per runner: rank 0 creates the unique id (ncclGetUniqueId) and MPI broadcasts it over
// p.comm, then ncclCommInitRank on the inner policy's device. NCCL's sum order is fixed by its ring or
// tree for a given topology and version (NCCL documents its reductions as deterministic for the same
// configuration), not across rank counts; the bound against one GPU is as for eigen_cpu (float32
// reduction error), NOT MEASURED: no GPU was available when this was written; its tests are Skipped
// without a device. Errors: ncclResult_t failures throw mpi::mpi_error naming the call and NCCL's
// string; a missing device throws device_error from exec::cudnn's prepare.
#pragma once
#if !defined(CNNBENCH_WITH_NCCL)
#error "cnnbench: exec/data_parallel_cudnn.hpp needs CNNBENCH_WITH_NCCL (link cnnbench::nccl)"
#endif
#include <nccl.h>

#include <cuda_runtime_api.h>

#include <memory>
#include <span>
#include <string>

#include "cudnn.hpp"
#include "data_parallel.hpp"

namespace cnnbench {
namespace mpi {

/// Throws mpi_error naming `call` when an NCCL call fails.
inline void check_nccl(ncclResult_t r, const char* call) {
  if (r != ncclSuccess) throw mpi_error(std::string(call) + ": " + ncclGetErrorString(r));
}

/// Sums the cudnn runner's device gradients over the ranks with NCCL (see the file comment).
class nccl_reducer {
 public:
  static constexpr const char* name = "NCCL";
  /// Collective over comm: rank 0's unique id is broadcast, then every rank joins on `device`.
  nccl_reducer(MPI_Comm comm, int device) {
    int rank = 0, size = 1;
    check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank");
    check(MPI_Comm_size(comm, &size), "MPI_Comm_size");
    ncclUniqueId id{};
    if (rank == 0) check_nccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
    check(MPI_Bcast(&id, sizeof id, MPI_BYTE, 0, comm), "MPI_Bcast (NCCL unique id)");
    if (cudaSetDevice(device) != cudaSuccess) throw device_error("cudaSetDevice(" + std::to_string(device) + ") failed");
    ncclComm_t c = nullptr;
    check_nccl(ncclCommInitRank(&c, size, id, rank), "ncclCommInitRank");
    comm_ = std::shared_ptr<ncclComm>(c, [](ncclComm_t p) { ncclCommDestroy(p); });
  }
  template <class R>
  void reduce(R& inner, float scale) const {
    const std::span<float> g = inner.device_gradient_buffer();
    cudaStream_t s = inner.stream();
    if (scale == 0.0f && cudaMemsetAsync(g.data(), 0, g.size_bytes(), s) != cudaSuccess)
      throw device_error("cudaMemsetAsync (empty share) failed");
    ncclRedOp_t op;
    check_nccl(ncclRedOpCreatePreMulSum(&op, &scale, ncclFloat32, ncclScalarHostImmediate, comm_.get()),
               "ncclRedOpCreatePreMulSum");
    const ncclResult_t r = ncclAllReduce(g.data(), g.data(), g.size(), ncclFloat32, op, comm_.get(), s);
    ncclRedOpDestroy(op, comm_.get());
    check_nccl(r, "ncclAllReduce");
    if (cudaStreamSynchronize(s) != cudaSuccess) throw device_error("cudaStreamSynchronize after ncclAllReduce failed");
  }

 private:
  std::shared_ptr<ncclComm> comm_;
};

}  // namespace mpi

/// Prepares exec::cudnn on this rank's device and wraps it, gradients summed over NCCL (collective).
template <class Net, shape In>
auto prepare(const exec::data_parallel<exec::cudnn>& p, const network<Net, In>& net) {
  mpi::session::get();
  if (const std::string why = exec::cudnn::unavailable_reason(p.inner.device); !why.empty()) throw device_error(why);
  int rank = 0;
  mpi::check(MPI_Comm_rank(p.comm, &rank), "MPI_Comm_rank");
  using R = decltype(prepare(p.inner, net));
  return mpi::data_parallel_runner<Net, In, R, mpi::nccl_reducer>(mpi::detail::for_rank(p.inner, rank), net,
                                                                  mpi::nccl_reducer(p.comm, p.inner.device), p.comm);
}

}  // namespace cnnbench
