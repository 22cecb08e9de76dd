// cnnbench/backend/cuda/kernels.hpp: every kernel of exec::cudnn (one file per layer family; see
// kernel.hpp for the interface).
#pragma once
#include "activation.hpp"
#include "batch_norm.hpp"
#include "conv.hpp"
#include "dense.hpp"
#include "dropout.hpp"
#include "flatten.hpp"
#include "identity.hpp"
#include "kernel.hpp"
#include "pool.hpp"
#include "residual.hpp"
#include "zero_pad.hpp"
