// tests/conformance/layer_cases.hpp: the layer cases of the conformance suite, one entry per case.
// Each is the layer inside conformance::probe (Conv 1x1 -> layer -> Flatten -> Dense<3>), on a small
// input, checked by conformance::check_model (inference logits, evaluate, and unless inference_only,
// training loss, every parameter gradient and BatchNorm running statistics) under every policy.
// To add a layer: add a layer_case to one of these lists (or a new list with its own test).
#pragma once
#include "conformance/check.hpp"

namespace conformance {

// Name, layer, input shape, batch, seed[, what is checked].
using spatial_cases = std::tuple<                                                        //
    layer_case<"ZeroPad 1", ZeroPad<1>, shape{3, 5, 6}, 4, 11>,                          //
    layer_case<"ZeroPad 2", ZeroPad<2>, shape{2, 3, 3}, 4, 12>,                          //
    layer_case<"Conv 3x3 valid", Conv<4, 3>, shape{3, 9, 9}, 4, 1>,                      //
    layer_case<"Conv 3x3 same", Conv<5, 3, 1, same>, shape{2, 8, 8}, 4, 2>,              //
    layer_case<"Conv 4x4 same (uneven padding)", Conv<3, 4, 1, same>, shape{2, 7, 7}, 4, 3>,  //
    layer_case<"Conv 3x3 stride 2 valid", Conv<4, 3, 2>, shape{3, 11, 11}, 4, 4>,        //
    layer_case<"Conv 3x3 stride 2 same", Conv<4, 3, 2, same>, shape{2, 8, 8}, 4, 5>,     //
    layer_case<"Conv 1x1", Conv<6, 1>, shape{4, 5, 5}, 4, 6>,                            //
    layer_case<"MaxPool 2", MaxPool<2>, shape{3, 8, 8}, 4, 13>,                          //
    layer_case<"MaxPool 2 on an odd size", MaxPool<2>, shape{2, 7, 7}, 4, 14>,          //
    layer_case<"MaxPool 3 stride 2", MaxPool<3, 2>, shape{2, 9, 9}, 4, 16>,              //
    layer_case<"AvgPool 2", AvgPool<2>, shape{3, 8, 7}, 4, 19>,                          //
    layer_case<"AvgPool 3 stride 1", AvgPool<3, 1>, shape{2, 6, 6}, 4, 20>,              //
    layer_case<"GlobalAvgPool", GlobalAvgPool, shape{5, 4, 3}, 4, 21>>;

using elementwise_cases = std::tuple<                                                    //
    layer_case<"ReLU", ReLU, shape{3, 4, 5}, 4, 31>,                                     //
    layer_case<"Sigmoid", Sigmoid, shape{3, 4, 5}, 4, 32>,                               //
    layer_case<"Tanh", Tanh, shape{3, 4, 5}, 4, 33>,                                     //
    layer_case<"Softmax over channels (before Flatten)", Softmax, shape{5, 3, 3}, 4, 35>,  //
    layer_case<"Softmax on a flat input", Softmax, shape{7}, 4, 34>,                     //
    layer_case<"Flatten", Flatten, shape{3, 2, 4}, 4, 36>,                               //
    layer_case<"Dense 9", Dense<9>, shape{13}, 5, 37>,                                   //
    layer_case<"Dense 1", Dense<1>, shape{4}, 3, 38>,                                    //
    layer_case<"Dense 17 on one input", Dense<17>, shape{1}, 3, 39>,                     //
    layer_case<"Dropout 0 (training is the identity)", Dropout<0.0>, shape{3, 4, 4}, 4, 41>,  //
    layer_case<"Dropout 0.5 at inference (the identity)", Dropout<0.5>, shape{3, 4, 4}, 4, 42, checks::inference_only>>;

/// Dropout with rate > 0 in training: only for policies whose masks are the documented ones.
using dropout_cases = std::tuple<                                       //
    layer_case<"Dropout 0.5", Dropout<0.5>, shape{3, 4, 4}, 4, 43>,     //
    layer_case<"Dropout 0.25", Dropout<0.25>, shape{2, 5, 5}, 6, 44>>;

using batch_norm_cases = std::tuple<                                             //
    layer_case<"BatchNorm (PyTorch defaults)", BatchNorm<>, shape{3, 4, 4}, 4, 51>,  //
    layer_case<"BatchNorm eps 1e-3 momentum 0.3", BatchNorm<1e-3, 0.3>, shape{2, 3, 3}, 3, 54>,  //
    layer_case<"KerasBatchNorm on a flat input", KerasBatchNorm, shape{6}, 7, 53>>;

using block_cases = std::tuple<                                                                           //
    layer_case<"Conv 3x3 same without bias", Conv<4, 3, 1, same, no_bias>, shape{2, 6, 6}, 4, 61>,        //
    layer_case<"Dense 5 without bias", Dense<5, no_bias>, shape{7}, 4, 62>,                                 //
    layer_case<"Identity", Identity, shape{3, 4, 4}, 4, 63>,                                               //
    layer_case<"Residual, identity skip", Residual<Conv<3, 3, 1, same, no_bias>, BatchNorm<>, ReLU, Conv<3, 3, 1, same>>,
               shape{3, 6, 6}, 4, 64>,  //
    layer_case<"Residual, projection skip (1x1 stride-2 conv + BatchNorm)",
               Residual<ZeroPad<1>, Conv<5, 3, 2, valid, no_bias>, BatchNorm<>, ReLU, Conv<5, 3, 1, same>,
                        Shortcut<Conv<5, 1, 2, valid, no_bias>, BatchNorm<>>>,
               shape{3, 8, 8}, 4, 65>>;

}  // namespace conformance
