// cnnbench/model.hpp: the compile-time model algebra alone (shapes, layers, Sequential, Residual, summary).
// Needs only the C++20 standard library: no Eigen, no CUDA, no LibTorch. Include this where a
// translation unit only describes or checks models; include cnnbench.hpp to train them.
#pragma once
#include "config.hpp"
#include "layer.hpp"
#include "layers.hpp"
#include "residual.hpp"
#include "sequential.hpp"
#include "shape.hpp"
#include "summary.hpp"
