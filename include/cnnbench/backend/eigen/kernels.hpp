// cnnbench/backend/eigen/kernels.hpp: every layer's kernel under exec::eigen_cpu (one file per layer
// family; the interface is in kernel.hpp), its losses and its optimizers.
#pragma once
#include "activation.hpp"
#include "batch_norm.hpp"
#include "conv.hpp"
#include "dense.hpp"
#include "dropout.hpp"
#include "flatten.hpp"
#include "identity.hpp"
#include "kernel.hpp"
#include "losses.hpp"
#include "optimizers.hpp"
#include "pool.hpp"
#include "residual.hpp"
#include "zero_pad.hpp"
