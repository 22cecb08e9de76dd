# Which target each public header belongs to (the layers of README "Architecture").
#   cnnbench_header_owner(<header relative to include/, e.g. cnnbench/shape.hpp> <out-var>)
# sets <out-var> to core, cnnbench, harness, npy, cuda, libtorch, mpi or nccl. The top-level CMakeLists.txt
# uses it for the targets' header file sets, tests/headers to compile each header against its own
# target. A new header lands in `cnnbench` unless it matches one of the patterns below.
#
#   core      the compile-time model algebra: standard library only (no Eigen, no threads)
#   cnnbench  core + the Eigen CPU policy, network, losses, optimizers, data readers (Eigen, zlib, threads)
#   harness   the benchmark harness, bench/ (nlohmann_json, gnuplot at run time, POSIX)
#   npy       .npy weight exchange, io/npy.hpp (xtensor)
#   cuda      exec/cudnn.hpp, backend/cuda/ (cudart, cuBLAS, cuDNN, NVRTC)
#   libtorch  exec/libtorch.hpp, backend/torch/ (Torch)
#   mpi       mpi/, exec/data_parallel.hpp (harness + MPI)
#   nccl      exec/data_parallel_cudnn.hpp (mpi + cuda + NCCL)
include_guard(GLOBAL)

set(CNNBENCH_CORE_HEADERS_REGEX
    "^cnnbench/((config|error|layer|layers|model|random|residual|sequential|shape|summary)\\.hpp|(detail|layers|models)/)")
set(CNNBENCH_HARNESS_HEADERS_REGEX "^cnnbench/bench(\\.hpp|/)")
set(CNNBENCH_NPY_HEADERS_REGEX "^cnnbench/io/npy\\.hpp$")
set(CNNBENCH_CUDA_HEADERS_REGEX "^cnnbench/(exec/cudnn\\.hpp|backend/cuda/)")
set(CNNBENCH_LIBTORCH_HEADERS_REGEX "^cnnbench/(exec/libtorch\\.hpp|backend/torch/)")
set(CNNBENCH_MPI_HEADERS_REGEX "^cnnbench/(mpi/|exec/data_parallel\\.hpp$)")
set(CNNBENCH_NCCL_HEADERS_REGEX "^cnnbench/exec/data_parallel_cudnn\\.hpp$")

function(cnnbench_header_owner header out)
  foreach(owner core harness npy cuda libtorch mpi nccl)
    string(TOUPPER ${owner} upper)
    if(header MATCHES "${CNNBENCH_${upper}_HEADERS_REGEX}")
      set(${out} ${owner} PARENT_SCOPE)
      return()
    endif()
  endforeach()
  set(${out} cnnbench PARENT_SCOPE)
endfunction()
