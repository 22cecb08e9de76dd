// cnnbench/mpi/communicator.hpp: the MPI layer of cnnbench (Open MPI): process-wide initialisation,
// errors as exceptions, the rank/host facts the reports list, and the fixed-order gradient sum.
// Reachable only with CNNBENCH_WITH_MPI: link cnnbench::mpi.
//
//   cnnbench::mpi::session& s = cnnbench::mpi::session::get();   // MPI_Init_thread once (FUNNELED)
//   s.rank(), s.size(), s.hosts()                                 // 0-based rank, ranks, "host (ranks 0-1)"
//   cnnbench::mpi::ordered_sum(comm, data, count);                // in place: sum over ranks, rank order
//
// ERRORS. Every MPI call is checked: a failing call throws cnnbench::mpi::mpi_error
// ("[cnnbench.mpi] MPI_Allreduce: <MPI's error string>"); MPI_COMM_WORLD gets the MPI_ERRORS_RETURN
// handler so that a failure reaches that check instead of MPI's default abort without context. A rank
// that cannot go on calls fail(), which prints "<program>: rank r of n (host): <what>" on stderr and
// MPI_Abort()s the whole job with exit code 1: the other ranks never wait for it. A rank that dies
// (a signal, an exit without MPI_Finalize) is detected by Open MPI's run time (mpirun), which kills
// the job and names the rank; `mpirun --timeout S` bounds a run that would otherwise wait forever.
//
// THREADS. MPI_THREAD_FUNNELED: only the thread that initialised MPI calls it (cnnbench's thread
// teams never do).
//
// FIXED ORDER. ordered_sum reduces with a user-defined operation declared NON-commutative
// (MPI_Op_create(..., commute = 0)), whose operands MPI must combine in rank order (r0 + r1 + ...,
// never r1 + r0; the grouping is the library's fixed choice for a given number of ranks). Open MPI
// implements a non-commutative allreduce as a reduction followed by a broadcast, so every rank holds
// the same bits, in every run with the same number of ranks.
#pragma once
#if !defined(CNNBENCH_WITH_MPI)
#error "cnnbench: mpi/ headers and exec/data_parallel.hpp need CNNBENCH_WITH_MPI (link cnnbench::mpi)"
#endif
#include <mpi.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "../error.hpp"

namespace cnnbench::mpi {

/// An MPI call failed ("[cnnbench.mpi] <call>: <MPI's error string>").
struct mpi_error : cnnbench::error {
  explicit mpi_error(const std::string& what) : error("mpi", what) {}
};

/// Throws mpi_error naming `call` when `code` is not MPI_SUCCESS.
inline void check(int code, const char* call) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(code, text, &len) != MPI_SUCCESS) len = std::snprintf(text, sizeof text, "error code %d", code);
  throw mpi_error(std::string(call) + ": " + std::string(text, static_cast<std::size_t>(len)));
}

/// True when this process was started by an MPI launcher (mpirun/mpiexec of Open MPI, or a PMI/PMIx
/// launcher such as MPICH's hydra or Slurm's srun): then MPI is worth initialising.
inline bool launched_by_mpirun() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(v)) return true;
  return false;
}

/// The process's MPI session: initialised on first use (MPI_Init_thread, FUNNELED; or adopted when
/// the program initialised MPI itself), finalised at exit when this session initialised it.
class session {
 public:
  /// The session (initialises MPI on the first call). Throws mpi_error.
  static session& get() {
    static session s;
    return s;
  }
  session(const session&) = delete;
  session& operator=(const session&) = delete;
  ~session() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (owned_ && !finalized) MPI_Finalize();
  }

  /// This process's rank in MPI_COMM_WORLD (0-based) and the number of ranks.
  int rank() const noexcept { return rank_; }
  int size() const noexcept { return size_; }
  /// This rank's host name (MPI_Get_processor_name).
  const std::string& host() const noexcept { return host_; }
  /// Every rank's host, by rank (gathered once, at initialisation).
  const std::vector<std::string>& hosts() const noexcept { return hosts_; }
  /// "2 ranks on 1 host: ci-1 (ranks 0-1)" / "4 ranks on 2 hosts: a (ranks 0, 2), b (ranks 1, 3)".
  std::string describe() const {
    std::map<std::string, std::vector<int>> by_host;
    for (int r = 0; r < size_; ++r) by_host[hosts_[static_cast<std::size_t>(r)]].push_back(r);
    std::string s = std::to_string(size_) + (size_ == 1 ? " rank" : " ranks") + " on " + std::to_string(by_host.size()) +
                    (by_host.size() == 1 ? " host: " : " hosts: ");
    bool first = true;
    for (const auto& [h, rs] : by_host) {
      s += (first ? "" : ", ") + h + " (" + (rs.size() == 1 ? "rank " : "ranks ");
      first = false;
      const bool contiguous = rs.back() - rs.front() + 1 == static_cast<int>(rs.size());
      if (contiguous && rs.size() > 2) s += std::to_string(rs.front()) + "-" + std::to_string(rs.back());
      else
        for (std::size_t i = 0; i < rs.size(); ++i) s += (i ? ", " : "") + std::to_string(rs[i]);
      s += ")";
    }
    return s;
  }
  /// The MPI library's own version line ("Open MPI v4.1.4, ...", first line).
  std::string library() const {
    char v[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    MPI_Get_library_version(v, &len);
    std::string s(v, static_cast<std::size_t>(len));
    if (const auto cut = s.find_first_of(",\n"); cut != std::string::npos) s.resize(cut);
    return s;
  }

  /// Prints "<who>: rank r of n (host): <what>" on stderr and aborts every rank with exit code 1
  /// (MPI_Abort). Never returns.
  [[noreturn]] void fail(const std::string& who, const std::string& what) const {
    std::cerr << who << ": rank " << rank_ << " of " << size_ << " (" << host_ << "): " << what
              << "\n" << who << ": aborting all ranks" << std::endl;
    MPI_Abort(MPI_COMM_WORLD, 1);
    std::abort();  // MPI_Abort does not return; this satisfies [[noreturn]] if it did
  }

 private:
  session() {
    int initialized = 0;
    check(MPI_Initialized(&initialized), "MPI_Initialized");
    if (!initialized) {
      int provided = 0;
      check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
      owned_ = true;
    }
    check(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
    check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
    check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
    char name[MPI_MAX_PROCESSOR_NAME] = {};
    int len = 0;
    check(MPI_Get_processor_name(name, &len), "MPI_Get_processor_name");
    host_.assign(name, static_cast<std::size_t>(len));
    std::vector<char> all(static_cast<std::size_t>(size_) * MPI_MAX_PROCESSOR_NAME, '\0');
    check(MPI_Allgather(name, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, all.data(), MPI_MAX_PROCESSOR_NAME, MPI_CHAR, MPI_COMM_WORLD),
          "MPI_Allgather (host names)");
    for (int r = 0; r < size_; ++r) hosts_.emplace_back(all.data() + static_cast<std::size_t>(r) * MPI_MAX_PROCESSOR_NAME);
  }

  bool owned_ = false;
  int rank_ = 0, size_ = 1;
  std::string host_;
  std::vector<std::string> hosts_;
};

namespace detail {
// in_out[i] = in[i] + in_out[i]: MPI passes the lower-ranked operand as `in` for a non-commutative op.
inline void ordered_float_sum(void* in, void* inout, int* len, MPI_Datatype*) {
  const float* a = static_cast<const float*>(in);
  float* b = static_cast<float*>(inout);
  for (int i = 0; i < *len; ++i) b[i] = a[i] + b[i];
}
inline MPI_Op ordered_float_sum_op() {
  static MPI_Op op = [] {
    MPI_Op o;
    check(MPI_Op_create(&ordered_float_sum, /*commute=*/0, &o), "MPI_Op_create");
    return o;
  }();
  return op;
}
}  // namespace detail

/// In place: data[i] = sum over the ranks of `comm` of their data[i], added in rank order (see the
/// file comment), the same bits on every rank. count floats; collective (every rank calls it).
/// Throws mpi_error.
inline void ordered_sum(MPI_Comm comm, float* data, std::size_t count) {
  // MPI counts are int: large buffers go in chunks (each chunk still summed in rank order).
  constexpr std::size_t chunk = std::size_t{1} << 30;
  for (std::size_t off = 0; off < count; off += chunk) {
    const int n = static_cast<int>(std::min(chunk, count - off));
    check(MPI_Allreduce(MPI_IN_PLACE, data + off, n, MPI_FLOAT, detail::ordered_float_sum_op(), comm), "MPI_Allreduce");
  }
}

}  // namespace cnnbench::mpi
