// register_mpi.cpp: spreads a benchmark program's trials over MPI ranks (mpi/trials.hpp). Compiled
// into each program when cnnbench::mpi is available (examples/CMakeLists.txt), naming the program's
// protocol family (CNNBENCH_EXAMPLE_FAMILY), so the program has no #ifdef and no MPI header:
//   mpirun -np 4 fashion_mnist --threads 1     4 ranks share the jobs; rank 0 writes the reports
//   fashion_mnist                              one rank (MPI singleton): exactly the single-process run
#include <cnnbench/bench/protocols.hpp>
#include <cnnbench/models/published.hpp>
#include <cnnbench/mpi/trials.hpp>

// A namespace of its own: examples/CMakeLists.txt compiles a program's files as one translation unit.
namespace mpi_registration {
namespace {
using Family = CNNBENCH_EXAMPLE_FAMILY;
const bool installed = cnnbench::mpi::install_trials_over_ranks<Family::model::net, Family::model::input>();
}  // namespace
}  // namespace mpi_registration
