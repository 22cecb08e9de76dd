// cnnbench/backend/cuda/layers.hpp: kept for existing includes; the kernels of exec::cudnn now live
// one file per layer family (kernel.hpp for the interface, kernels.hpp for all of them).
#pragma once
#include "kernels.hpp"
