// cnnbench/cnnbench.hpp: the umbrella header: the compile-time model algebra, the published models,
// network<>, init schemes, losses, optimizers, datasets and batch order, the IDX and CIFAR-10 readers,
// the synthetic generator, and the Eigen CPU policy. Never pulls CUDA or LibTorch headers: include <cnnbench/exec/cudnn.hpp> /
// <cnnbench/exec/libtorch.hpp> for those, and <cnnbench/io/npy.hpp> for .npy exchange (xtensor).
#pragma once
#include "data/augment.hpp"
#include "data/batches.hpp"
#include "data/cifar10.hpp"
#include "data/dataset.hpp"
#include "data/idx.hpp"
#include "data/image_folder.hpp"
#include "data/synthetic.hpp"
#include "exec/eigen_cpu.hpp"
#include "exec/policy.hpp"
#include "init.hpp"
#include "loss.hpp"
#include "model.hpp"
#include "models/published.hpp"
#include "network.hpp"
#include "optim.hpp"
#include "residual.hpp"
