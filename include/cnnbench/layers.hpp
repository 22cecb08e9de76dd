// cnnbench/layers.hpp: every layer of the vocabulary (compile-time side only; no kernels).
//   ZeroPad<P>  Conv<F, K, S, Padding, Bias>  MaxPool<K, S>  AvgPool<K, S>  GlobalAvgPool
//   ReLU  Sigmoid  Tanh  Softmax  Dropout<Rate>  Flatten  Dense<Units, Bias>  BatchNorm<Eps, Momentum>
//   Identity
// Blocks (layers made of layers): Sequential<Ls...> (sequential.hpp) and Residual<Ls..., Shortcut<Ss...>>
// (residual.hpp, included by model.hpp).
#pragma once
#include "layers/activation.hpp"
#include "layers/batch_norm.hpp"
#include "layers/conv.hpp"
#include "layers/dense.hpp"
#include "layers/dropout.hpp"
#include "layers/flatten.hpp"
#include "layers/identity.hpp"
#include "layers/pool.hpp"
#include "layers/zero_pad.hpp"
