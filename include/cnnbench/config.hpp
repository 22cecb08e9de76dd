// cnnbench/config.hpp: version and configuration macros.
//
// Every macro of the library starts with CNNBENCH_. None of them changes the definition of
// any entity (no #ifdef inside a class body), so translation units built with different
// macros can be linked together without ODR violations. The optional back ends are reached
// only through their own headers (exec/cudnn.hpp needs CNNBENCH_WITH_CUDA, exec/libtorch.hpp
// needs CNNBENCH_WITH_LIBTORCH); the CMake targets cnnbench::cuda and cnnbench::libtorch define them.
#pragma once

#define CNNBENCH_VERSION_MAJOR 0
#define CNNBENCH_VERSION_MINOR 1
#define CNNBENCH_VERSION_PATCH 0
/// Integer version, major * 10000 + minor * 100 + patch.
#define CNNBENCH_VERSION (CNNBENCH_VERSION_MAJOR * 10000 + CNNBENCH_VERSION_MINOR * 100 + CNNBENCH_VERSION_PATCH)

namespace cnnbench {
/// The library version as a string, "major.minor.patch".
inline constexpr const char* version_string = "0.1.0";
}  // namespace cnnbench
