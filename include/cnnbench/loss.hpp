// cnnbench/loss.hpp: the losses (softmax_cross_entropy, binary_cross_entropy).
#pragma once
#include "loss/binary_cross_entropy.hpp"
#include "loss/softmax_cross_entropy.hpp"
