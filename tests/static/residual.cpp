// Residual<Ls..., Shortcut<Ss...>>: splitting the arguments into branches, shape, parameter, state and
// FLOP counts, the branches as bound layer lists with their offsets inside the Residual's slices, tensor
// specs and names, the architecture hash, and summaries. Numbers computed by hand in the comments.
#include <cnnbench/model.hpp>

#include <array>
#include <type_traits>

#include "../support/catch.hpp"

using namespace cnnbench;
using detail::type_list;

namespace {
// ResNet basic block, identity shortcut, at {8, 8, 8}:
//   conv 8*8*9 = 576, bn 16 (+16 state), ReLU, conv 576, bn 16 (+16 state)
using Basic = Residual<Conv<8, 3, 1, same, no_bias>, BatchNorm<>, ReLU, Conv<8, 3, 1, same, no_bias>, BatchNorm<>>;
// Downsampling with a projection shortcut, at {8, 8, 8} -> {16, 4, 4}:
//   main: conv 16*8*9 = 1152, bn 32 (+32); shortcut: conv 1x1 16*8 = 128, bn 32 (+32)
using Down = Residual<Conv<16, 3, 2, same, no_bias>, BatchNorm<>, Shortcut<Conv<16, 1, 2, valid, no_bias>, BatchNorm<>>>;
constexpr shape in{8, 8, 8};
}  // namespace

// ---- spelling: the last Shortcut<...> names the shortcut branch; otherwise the identity
static_assert(std::is_same_v<Basic::main_types, type_list<Conv<8, 3, 1, same, no_bias>, BatchNorm<>, ReLU,
                                                          Conv<8, 3, 1, same, no_bias>, BatchNorm<>>>);
static_assert(std::is_same_v<Basic::shortcut_types, type_list<>> && Basic::identity_shortcut);
static_assert(std::is_same_v<Basic::shortcut_branch, Identity>);
static_assert(std::is_same_v<Down::main_types, type_list<Conv<16, 3, 2, same, no_bias>, BatchNorm<>>>);
static_assert(std::is_same_v<Down::shortcut_types, type_list<Conv<16, 1, 2, valid, no_bias>, BatchNorm<>>>);
static_assert(std::is_same_v<Down::main_branch, Sequential<Conv<16, 3, 2, same, no_bias>, BatchNorm<>>>);
static_assert(!Down::identity_shortcut && Residual<ReLU, Shortcut<>>::identity_shortcut);

// ---- identity shortcut: shape kept; counts are the main branch's; FLOPs + 1 add per output element
static_assert(output_shape_v<Basic, in> == in);
static_assert(param_count_v<Basic, in> == 576 + 16 + 576 + 16);
static_assert(state_count_v<Basic, in> == 32);
// 2 convs 2*8*8*9*8*8 = 73,728 each, 2 BatchNorms 2*512, ReLU 512, the add 512
static_assert(flops_v<Basic, in> == 2 * 73'728 + 2 * 1'024 + 512 + 512);
static_assert(layer_count_v<Basic, in> == 1);  // a leaf layer of the model
// the branches, bound to their shapes (for back ends), and the offsets inside the Residual's slices
static_assert(std::is_same_v<Basic::main_layers<in>, bound_layers_t<Basic::main_branch, in>>);
static_assert(Basic::main_layers<in>::size == 5 && Basic::shortcut_layers<in>::size == 0);
static_assert(Basic::main_param_offsets<in> == std::array<std::size_t, 6>{0, 576, 592, 592, 1'168, 1'184});
static_assert(Basic::shortcut_param_offsets<in> == std::array<std::size_t, 1>{1'184});
static_assert(Basic::main_state_offsets<in> == std::array<std::size_t, 6>{0, 0, 16, 16, 16, 32});
static_assert(Basic::shortcut_state_offsets<in> == std::array<std::size_t, 1>{32});

// ---- projection shortcut
static_assert(output_shape_v<Down, in> == shape{16, 4, 4});
static_assert(param_count_v<Down, in> == 1'152 + 32 + 128 + 32);
static_assert(state_count_v<Down, in> == 64);
// main conv 2*16*8*9*4*4 = 36,864, bn 2*256; shortcut conv 2*16*8*16 = 4,096, bn 2*256; add 256
static_assert(flops_v<Down, in> == 36'864 + 512 + 4'096 + 512 + 256);
static_assert(std::is_same_v<Down::shortcut_layers<in>, type_list<bound<Conv<16, 1, 2, valid, no_bias>, in>,
                                                                  bound<BatchNorm<>, shape{16, 4, 4}>>>);
static_assert(Down::main_param_offsets<in> == std::array<std::size_t, 3>{0, 1'152, 1'184});
static_assert(Down::shortcut_param_offsets<in> == std::array<std::size_t, 3>{1'184, 1'312, 1'344});
static_assert(Down::main_state_offsets<in> == std::array<std::size_t, 3>{0, 0, 32});
static_assert(Down::shortcut_state_offsets<in> == std::array<std::size_t, 3>{32, 32, 64});

// ---- tensor specs: the sub-layers' specs in order (main, then shortcut), named by their path
constexpr auto down_params = bound<Down, in>::params;
static_assert(down_params.size() == 6);  // BatchNorm: weight (gamma) and bias (beta)
static_assert(down_params[0].name == "main.conv_1.weight" && down_params[0].fan_in == 72 && down_params[0].fan_out == 144);
static_assert(down_params[1].name == "main.batch_norm_1.weight" && down_params[1].role == param_role::gamma);
static_assert(down_params[2].name == "main.batch_norm_1.bias" && down_params[2].role == param_role::beta);
static_assert(down_params[3].name == "shortcut.conv_1.weight" && down_params[3].fan_in == 8);
static_assert(down_params[3].dims == std::array<std::size_t, 4>{16, 8, 1, 1});
static_assert(down_params[5].name == "shortcut.batch_norm_1.bias");
constexpr auto down_state = bound<Down, in>::state;
static_assert(down_state.size() == 4 && down_state[0].name == "main.batch_norm_1.running_mean");
static_assert(down_state[3].name == "shortcut.batch_norm_1.running_var" && down_state[3].role == param_role::running_var);
static_assert(bound<Basic, in>::params[3].name == "main.conv_2.weight");  // per-branch Keras-style index
// nesting: a Residual inside a Residual's branch; names are paths
using Nested = Residual<Basic, ReLU, Shortcut<Conv<8, 1, 1, valid, no_bias>>>;
static_assert(param_count_v<Nested, in> == 1'184 + 64 && state_count_v<Nested, in> == 32);
static_assert(flops_v<Nested, in> == flops_v<Basic, in> + 512 + 2 * 8 * 8 * 64 + 512);
static_assert(bound<Nested, in>::params[0].name == "main.residual_1.main.conv_1.weight");
static_assert(bound<Nested, in>::params[6].name == "shortcut.conv_1.weight");
static_assert(Nested::shortcut_param_offsets<in> == std::array<std::size_t, 2>{1'184, 1'248});
// a Sequential in a branch flattens into it
static_assert(std::is_same_v<Residual<Sequential<ReLU, Tanh>, Sigmoid>::main_layers<in>,
                             type_list<bound<ReLU, in>, bound<Tanh, in>, bound<Sigmoid, in>>>);

// ---- in a model: one leaf layer with one slice of each buffer
using Net = Sequential<Conv<8, 3, 1, same>, Basic, ReLU, Down, ReLU, GlobalAvgPool, Dense<10>>;
static_assert(layer_count_v<Net, shape{3, 8, 8}> == 7);
static_assert(output_shape_v<Net, shape{3, 8, 8}> == shape{10});
static_assert(param_count_v<Net, shape{3, 8, 8}> == 224 + 1'184 + 1'344 + 170);
static_assert(state_count_v<Net, shape{3, 8, 8}> == 32 + 64);
static_assert(param_offsets_v<Net, shape{3, 8, 8}>[3] == 224 + 1'184);  // Down starts after Basic
static_assert(state_offsets_v<Net, shape{3, 8, 8}>[3] == 32);
constexpr auto rows = summary<Net, shape{3, 8, 8}>().rows;
static_assert(rows[1].name() == "residual_1" && rows[1].type == "Residual" && rows[1].params == 1'184 && rows[1].state == 32);
static_assert(rows[3].name() == "residual_2" && rows[3].output == shape{16, 4, 4});

// ---- soft queries never stop compilation
static_assert(Basic::accepts<in> && Down::accepts<in>);
static_assert(!Residual<Conv<16, 3, 2, same>>::accepts<in>);  // {16, 4, 4} + {8, 8, 8}
static_assert(!Residual<ReLU, Shortcut<Conv<8, 9>>>::accepts<in>);  // the shortcut's conv cannot run
static_assert(!Sequential<Flatten, Residual<Conv<8, 3>>>::accepts<in>);

// ---- the architecture hash: the skip and the branches' contents are part of it
using NoSkip = Sequential<Conv<8, 3, 1, same, no_bias>, BatchNorm<>, ReLU, Conv<8, 3, 1, same, no_bias>, BatchNorm<>>;
static_assert(architecture_hash_v<Basic, in> != architecture_hash_v<NoSkip, in>);
static_assert(architecture_hash_v<Residual<Conv<8, 3, 1, same>, ReLU>, in> !=
              architecture_hash_v<Residual<Conv<8, 3, 1, same>, Tanh>, in>);  // same key, shapes and counts
static_assert(architecture_hash_v<Residual<ReLU, Tanh>, in> != architecture_hash_v<Residual<ReLU, Shortcut<Tanh>>, in>);
static_assert(architecture_hash_v<Residual<ReLU, Dropout<0.5>>, in> == architecture_hash_v<Residual<ReLU, Dropout<0.1>>, in>);
static_assert(summary<Net, shape{3, 8, 8}>().architecture_hash == architecture_hash_v<Net, shape{3, 8, 8}>);

TEST_CASE("Residual: branches, counts, offsets and names at compile time", "[static][residual]") {
  STATIC_REQUIRE(output_shape_v<Down, in> == shape{16, 4, 4});
  STATIC_REQUIRE(Down::shortcut_param_offsets<in>[1] == 1'312);
  STATIC_REQUIRE(bound<Down, in>::params[3].name == "shortcut.conv_1.weight");
  STATIC_REQUIRE(architecture_hash_v<Basic, in> != architecture_hash_v<NoSkip, in>);
}
