// examples/build_info.hpp: what the example programs know about their own build. Defined in a
// source file CMake generates at build time (examples/build_info.cpp.in, examples/build_info.cmake),
// so that a new commit recompiles one small file and no header depends on a macro.
#pragma once
#include <string>

/// `git describe --always --dirty --abbrev=12` of the source tree when the program was built;
/// "unknown" outside a git checkout or without git.
std::string cnnbench_example_git_commit();
