# Dependencies of the cnnbench targets. Included by the top-level CMakeLists.txt.
# Sets CNNBENCH_INSTALL_TARGETS, CNNBENCH_HAVE_CUDA, CNNBENCH_HAVE_LIBTORCH.

# Core: data readers (gzip IDX) need zlib; weight exchange as .npy needs xtensor; reports need
# nlohmann_json. All are Debian packages (zlib1g-dev, xtensor-dev, nlohmann-json3-dev).
find_package(ZLIB REQUIRED)
find_package(xtensor REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
target_link_libraries(cnnbench INTERFACE ZLIB::ZLIB xtensor nlohmann_json::nlohmann_json)
set(CNNBENCH_INSTALL_TARGETS cnnbench)

# ---- cuDNN + cuBLAS back end: cnnbench::cuda ----------------------------------------------------
set(CNNBENCH_HAVE_CUDA OFF)
if(NOT CNNBENCH_WITH_CUDA STREQUAL "OFF")
  set(_cnnbench_req "")
  if(CNNBENCH_WITH_CUDA STREQUAL "ON")
    set(_cnnbench_req REQUIRED)
  endif()
  find_package(CUDAToolkit ${_cnnbench_req})
  if(CUDAToolkit_FOUND)
    find_package(CUDNN ${_cnnbench_req})
  endif()
  if(CUDAToolkit_FOUND AND CUDNN_FOUND)
    add_library(cnnbench_cuda INTERFACE)
    add_library(cnnbench::cuda ALIAS cnnbench_cuda)
    set_target_properties(cnnbench_cuda PROPERTIES EXPORT_NAME cuda)
    target_link_libraries(cnnbench_cuda INTERFACE cnnbench CUDA::cudart CUDA::cublas CUDA::nvrtc CUDNN::cudnn)
    target_compile_definitions(cnnbench_cuda INTERFACE CNNBENCH_WITH_CUDA=1)
    list(APPEND CNNBENCH_INSTALL_TARGETS cnnbench_cuda)
    set(CNNBENCH_HAVE_CUDA ON)
  endif()
endif()

# ---- LibTorch adapter: cnnbench::libtorch -------------------------------------------------------
# Torch's compile flags (its ABI define) stay on this target and whatever links it.
set(CNNBENCH_HAVE_LIBTORCH OFF)
if(NOT CNNBENCH_WITH_LIBTORCH STREQUAL "OFF")
  if(CNNBENCH_WITH_LIBTORCH STREQUAL "ON")
    find_package(Torch REQUIRED)
  else()
    find_package(Torch QUIET)
  endif()
  if(Torch_FOUND)
    add_library(cnnbench_libtorch INTERFACE)
    add_library(cnnbench::libtorch ALIAS cnnbench_libtorch)
    set_target_properties(cnnbench_libtorch PROPERTIES EXPORT_NAME libtorch)
    target_link_libraries(cnnbench_libtorch INTERFACE cnnbench ${TORCH_LIBRARIES})
    target_include_directories(cnnbench_libtorch SYSTEM INTERFACE ${TORCH_INCLUDE_DIRS})
    target_compile_definitions(cnnbench_libtorch INTERFACE CNNBENCH_WITH_LIBTORCH=1)
    list(APPEND CNNBENCH_INSTALL_TARGETS cnnbench_libtorch)
    set(CNNBENCH_HAVE_LIBTORCH ON)
  endif()
endif()
