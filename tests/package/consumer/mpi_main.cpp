// The consumer of find_package(cnnbench COMPONENTS mpi): exec::data_parallel and the MPI layer compile
// and link against the installed tree; MPI_Get_library_version (callable before MPI_Init) proves the
// MPI library is linked. Prints "consumer (mpi): <library>, data_parallel over eigen_cpu".
#include <cnnbench/exec/data_parallel.hpp>
#include <cnnbench/mpi/trials.hpp>

#include <iostream>
#include <string>

static_assert(cnnbench::execution_policy<cnnbench::exec::data_parallel<cnnbench::exec::eigen_cpu>>);

int main() {
  char v[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(v, &len);
  std::string lib(v, static_cast<std::size_t>(len));
  lib = lib.substr(0, lib.find_first_of(",\n"));
  const auto p = cnnbench::exec::data_parallel{cnnbench::exec::eigen_cpu{.threads = 1}};
  std::cout << "consumer (mpi): " << lib << ", " << p.name << " over " << p.inner.name << '\n';
  return 0;
}
