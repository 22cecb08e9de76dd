// Every shape, parameter and FLOP formula documented in include/cnnbench/layers/*.hpp, mirrored
// by a static_assert with hand-computed numbers (and, for `accepts`, the soft queries that never
// stop compilation).
#include <cnnbench/model.hpp>

#include <type_traits>

#include "../support/catch.hpp"

using namespace cnnbench;

// ---- ZeroPad<P>: {C,H,W} -> {C, H+2P, W+2P}
static_assert(output_shape_v<ZeroPad<1>, shape{3, 28, 28}> == shape{3, 30, 30});
static_assert(output_shape_v<ZeroPad<2>, shape{1, 5, 7}> == shape{1, 9, 11});
static_assert(param_count_v<ZeroPad<2>, shape{1, 5, 7}> == 0 && flops_v<ZeroPad<2>, shape{1, 5, 7}> == 0);

// ---- Conv, valid: {C,H,W} -> {F, (H-K)/S+1, (W-K)/S+1}; params F*C*K*K + F; FLOPs 2*F*C*K^2*Ho*Wo
static_assert(output_shape_v<Conv<16, 3>, shape{1, 30, 30}> == shape{16, 28, 28});
// Conv declares its tensor specs and every compiler sees them (clang 14 once did not: layer.hpp's
// has_param_specs); the bound layer carries them.
static_assert(detail::has_param_specs<Conv<16, 3>, shape{1, 30, 30}> && !detail::has_state_specs<Conv<16, 3>, shape{1, 30, 30}>);
static_assert(bound<Conv<16, 3>, shape{1, 30, 30}>::params.size() == 2 && bound<Conv<16, 3>, shape{1, 30, 30}>::params[0].size() == 16 * 9);
static_assert(output_shape_v<Conv<8, 3, 2>, shape{3, 32, 31}> == shape{8, 15, 15});  // floor((32-3)/2)+1 = 15
static_assert(output_shape_v<Conv<4, 5, 3>, shape{2, 11, 12}> == shape{4, 3, 3});    // (11-5)/3+1 = 3, (12-5)/3+1 = 3
static_assert(param_count_v<Conv<16, 3>, shape{1, 30, 30}> == 16 * 1 * 9 + 16);
static_assert(param_count_v<Conv<32, 3>, shape{16, 16, 16}> == 4'640);
static_assert(flops_v<Conv<16, 3>, shape{1, 30, 30}> == 2 * 16 * 1 * 9 * 28 * 28);
static_assert(flops_v<Conv<8, 3, 2>, shape{3, 32, 31}> == 2 * 8 * 3 * 9 * 15 * 15);
// ---- Conv, same: {C,H,W} -> {F, ceil(H/S), ceil(W/S)}; TensorFlow's padding split
static_assert(output_shape_v<Conv<50, 3, 1, same>, shape{3, 32, 32}> == shape{50, 32, 32});
static_assert(output_shape_v<Conv<8, 3, 2, same>, shape{1, 7, 8}> == shape{8, 4, 4});
static_assert(Conv<8, 3, 1, same>::pad_top<shape{1, 7, 7}> == 1 && Conv<8, 3, 1, same>::pad_bottom<shape{1, 7, 7}> == 1);
static_assert(Conv<8, 4, 1, same>::pad_top<shape{1, 7, 7}> == 1 && Conv<8, 4, 1, same>::pad_bottom<shape{1, 7, 7}> == 2);
// stride 2 on 8: out 4, total = max((4-1)*2 + 3 - 8, 0) = 1 -> top 0, bottom 1 (TF puts the extra after)
static_assert(Conv<8, 3, 2, same>::pad_top<shape{1, 8, 8}> == 0 && Conv<8, 3, 2, same>::pad_bottom<shape{1, 8, 8}> == 1);
static_assert(Conv<8, 5, 1, same>::accepts<shape{1, 3, 3}>);  // same padding accepts a kernel larger than the input
static_assert(param_count_v<Conv<50, 3, 1, same>, shape{3, 32, 32}> == 1'400);
static_assert(flops_v<Conv<50, 3, 1, same>, shape{3, 32, 32}> == 2 * 50 * 3 * 9 * 32 * 32);
// tensor specs: weight OIHW with fans, then bias
static_assert(bound<Conv<16, 3>, shape{2, 9, 9}>::params[0].dims == std::array<std::size_t, 4>{16, 2, 3, 3});
static_assert(bound<Conv<16, 3>, shape{2, 9, 9}>::params[0].fan_in == 18);
static_assert(bound<Conv<16, 3>, shape{2, 9, 9}>::params[0].fan_out == 144);
static_assert(bound<Conv<16, 3>, shape{2, 9, 9}>::params[1].size() == 16);
// ---- Conv without bias (PyTorch bias=False): the weight only; same shape and FLOPs
static_assert(output_shape_v<Conv<16, 3, 1, valid, no_bias>, shape{2, 9, 9}> == shape{16, 7, 7});
static_assert(param_count_v<Conv<16, 3, 1, valid, no_bias>, shape{2, 9, 9}> == 16 * 2 * 9);
static_assert(param_count_v<Conv<128, 3, 2, same, no_bias>, shape{64, 32, 32}> == 73'728);
static_assert(output_shape_v<Conv<128, 3, 2, same, no_bias>, shape{64, 32, 32}> == shape{128, 16, 16});
static_assert(flops_v<Conv<16, 3, 1, valid, no_bias>, shape{2, 9, 9}> == flops_v<Conv<16, 3>, shape{2, 9, 9}>);
static_assert(bound<Conv<16, 3, 1, valid, no_bias>, shape{2, 9, 9}>::params.size() == 1);
static_assert(bound<Conv<16, 3, 1, valid, no_bias>, shape{2, 9, 9}>::params[0].name == "weight");
static_assert(bound<Conv<16, 3, 1, valid, no_bias>, shape{2, 9, 9}>::params[0].fan_in == 18);
static_assert(bound<Conv<16, 3>, shape{2, 9, 9}>::params.size() == 2);
static_assert(Conv<8, 3>::bias_mode == bias::with_bias && Conv<8, 3>::has_bias);
static_assert(std::is_same_v<Conv<8, 3>, Conv<8, 3, 1, valid, with_bias>> && !Conv<8, 3, 1, valid, no_bias>::has_bias);
// the architecture hash tells a biased conv from an unbiased one (different parameter layout)
static_assert(architecture_hash_v<Conv<8, 3>, shape{1, 5, 5}> != architecture_hash_v<Conv<8, 3, 1, valid, no_bias>, shape{1, 5, 5}>);
// soft queries
static_assert(!Conv<8, 5>::accepts<shape{1, 4, 4}>);
static_assert(Conv<8, 4>::accepts<shape{1, 4, 4}>);
static_assert(!Conv<0, 3>::accepts<shape{1, 4, 4}>);

// ---- MaxPool / AvgPool: {C,H,W} -> {C, (H-K)/S+1, (W-K)/S+1}; FLOPs K^2 per output element
static_assert(output_shape_v<MaxPool<2>, shape{16, 28, 28}> == shape{16, 14, 14});
static_assert(output_shape_v<MaxPool<2>, shape{64, 7, 7}> == shape{64, 3, 3});  // floor mode
static_assert(output_shape_v<MaxPool<3, 2>, shape{4, 7, 8}> == shape{4, 3, 3});
static_assert(output_shape_v<AvgPool<2>, shape{6, 24, 24}> == shape{6, 12, 12});
static_assert(flops_v<MaxPool<2>, shape{16, 28, 28}> == 4 * 16 * 14 * 14);
static_assert(flops_v<AvgPool<3, 2>, shape{4, 7, 8}> == 9 * 4 * 3 * 3);
static_assert(param_count_v<MaxPool<2>, shape{16, 28, 28}> == 0);
static_assert(!MaxPool<3>::accepts<shape{1, 2, 9}> && MaxPool<2>::accepts<shape{1, 2, 9}>);
static_assert(!AvgPool<2>::accepts<shape{1, 1, 1}>);

// ---- GlobalAvgPool: {C,H,W} -> {C,1,1}; FLOPs C*H*W
static_assert(output_shape_v<GlobalAvgPool, shape{64, 7, 5}> == shape{64});
static_assert(flops_v<GlobalAvgPool, shape{64, 7, 5}> == 64 * 35);

// ---- activations: shape kept, no parameters; FLOPs 1 per element (Softmax 3)
static_assert(output_shape_v<ReLU, shape{3, 4, 5}> == shape{3, 4, 5});
static_assert(flops_v<ReLU, shape{3, 4, 5}> == 60 && flops_v<Sigmoid, shape{3, 4, 5}> == 60);
static_assert(flops_v<Tanh, shape{10}> == 10 && flops_v<Softmax, shape{10}> == 30);
static_assert(param_count_v<Softmax, shape{10}> == 0);

// ---- Dropout<Rate>: shape kept, no parameters, no FLOPs
static_assert(Dropout<0.25>::rate == 0.25 && Dropout<0.5>::rate == 0.5 && Dropout<0.0>::rate == 0.0);
static_assert(output_shape_v<Dropout<0.5>, shape{512}> == shape{512});
static_assert(flops_v<Dropout<0.5>, shape{512}> == 0);
static_assert(!Dropout<1.0>::accepts<shape{4}>);

// ---- Flatten: {C,H,W} -> {C*H*W,1,1}
static_assert(output_shape_v<Flatten, shape{64, 3, 3}> == shape{576});
static_assert(output_shape_v<Flatten, shape{576}> == shape{576});

// ---- Dense<U>: {In,1,1} -> {U,1,1}; params U*In + U; FLOPs 2*In*U; weight [out, in]
static_assert(output_shape_v<Dense<72>, shape{576}> == shape{72});
static_assert(param_count_v<Dense<72>, shape{576}> == 41'544);
static_assert(flops_v<Dense<72>, shape{576}> == 2 * 576 * 72);
static_assert(bound<Dense<72>, shape{576}>::params[0].dims == std::array<std::size_t, 4>{72, 576, 0, 0});
static_assert(bound<Dense<72>, shape{576}>::params[0].rank == 2);
static_assert(!Dense<10>::accepts<shape{4, 6, 6}> && Dense<10>::accepts<shape{144}>);
// ---- Dense without bias (PyTorch Linear(bias=False)): params U*In; same FLOPs
static_assert(param_count_v<Dense<72, no_bias>, shape{576}> == 41'472);
static_assert(output_shape_v<Dense<72, no_bias>, shape{576}> == shape{72});
static_assert(flops_v<Dense<72, no_bias>, shape{576}> == flops_v<Dense<72>, shape{576}>);
static_assert(bound<Dense<72, no_bias>, shape{576}>::params.size() == 1);
static_assert(bound<Dense<72, no_bias>, shape{576}>::params[0].dims == std::array<std::size_t, 4>{72, 576, 0, 0});
static_assert(std::is_same_v<Dense<5>, Dense<5, with_bias>> && !Dense<5, no_bias>::has_bias);

// ---- Identity: shape kept, no parameters, no FLOPs
static_assert(output_shape_v<Identity, shape{3, 4, 5}> == shape{3, 4, 5});
static_assert(param_count_v<Identity, shape{3, 4, 5}> == 0 && flops_v<Identity, shape{3, 4, 5}> == 0);
static_assert(Identity::accepts<shape{7}> && summary<Sequential<Identity>, shape{2}>().rows[0].name() == "identity_1");

// ---- BatchNorm: shape kept; params 2C (gamma, beta); state 2C (running mean, var); FLOPs 2/element
static_assert(output_shape_v<BatchNorm<>, shape{8, 6, 6}> == shape{8, 6, 6});
static_assert(param_count_v<BatchNorm<>, shape{8, 6, 6}> == 16);
static_assert(state_count_v<BatchNorm<>, shape{8, 6, 6}> == 16);
static_assert(flops_v<BatchNorm<>, shape{8, 6, 6}> == 2 * 288);
static_assert(BatchNorm<>::eps == 1e-5 && BatchNorm<>::momentum == 0.1);
static_assert(KerasBatchNorm::eps == 1e-3 && KerasBatchNorm::momentum == 0.01);
static_assert(bound<BatchNorm<>, shape{8}>::params[0].role == param_role::gamma);
static_assert(bound<BatchNorm<>, shape{8}>::state[1].role == param_role::running_var);

// ---- real: decimal hyper-parameters as template arguments
static_assert(real(0.1).value() == 0.1 && real(1e-8).value() == 1e-8 && real(-2.5).value() == -2.5);

TEST_CASE("layer formulas hold at compile time", "[static][layers]") {
  STATIC_REQUIRE(param_count_v<Conv<32, 3>, shape{16, 16, 16}> == 4'640);
  STATIC_REQUIRE(output_shape_v<MaxPool<2>, shape{64, 7, 7}> == shape{64, 3, 3});
  STATIC_REQUIRE(param_count_v<Dense<72>, shape{576}> == 41'544);
  STATIC_REQUIRE(param_count_v<Conv<16, 3, 1, valid, no_bias>, shape{2, 9, 9}> == 288);
  STATIC_REQUIRE(param_count_v<Dense<72, no_bias>, shape{576}> == 41'472);
}
