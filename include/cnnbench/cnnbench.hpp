// cnnbench/cnnbench.hpp: the umbrella header: the compile-time model algebra and the published
// models. (The Eigen CPU policy joins it with its issue.) Never pulls CUDA or LibTorch headers:
// include <cnnbench/exec/cudnn.hpp> / <cnnbench/exec/libtorch.hpp> for those.
#pragma once
#include "model.hpp"
#include "models/published.hpp"
