// Sequential: folding, nesting (a block is a layer), flattening, the per-layer table (shapes,
// parameter offsets), the soft `accepts` query and the architecture hash.
#include <cnnbench/models/published.hpp>

#include "../support/catch.hpp"

using namespace cnnbench;

using Block = Sequential<ZeroPad<1>, Conv<16, 3>, ReLU, MaxPool<2>>;
using Nested = Sequential<Block, Sequential<Sequential<Flatten>, Dense<10>>>;
using Flat = Sequential<ZeroPad<1>, Conv<16, 3>, ReLU, MaxPool<2>, Flatten, Dense<10>>;
constexpr shape in{1, 28, 28};

// A Sequential is a layer: its output feeds the next layer, counts add up.
static_assert(output_shape_v<Block, in> == shape{16, 14, 14});
static_assert(param_count_v<Block, in> == 160);
static_assert(Block::param_count<in> == 160 && Block::output_shape<in> == shape{16, 14, 14});
static_assert(param_count_v<Nested, in> == 160 + 16 * 14 * 14 * 10 + 10);
static_assert(flops_v<Nested, in> == flops_v<Flat, in>);
// Nesting flattens to the same leaf layers, with the same table and hash.
static_assert(std::is_same_v<bound_layers_t<Nested, in>, bound_layers_t<Flat, in>>);
static_assert(layer_count_v<Nested, in> == 6);
static_assert(architecture_hash_v<Nested, in> == architecture_hash_v<Flat, in>);
// A single layer is a model too.
static_assert(layer_count_v<Dense<3>, shape{4}> == 1 && param_count_v<Dense<3>, shape{4}> == 15);

// The table: shapes[0] = input, shapes[i+1] = output of layer i; offsets are prefix sums.
constexpr auto shapes = layer_shapes_v<Flat, in>;
static_assert(shapes.size() == 7);
static_assert(shapes[0] == in && shapes[1] == shape{1, 30, 30} && shapes[2] == shape{16, 28, 28});
static_assert(shapes[4] == shape{16, 14, 14} && shapes[5] == shape{3136} && shapes[6] == shape{10});
constexpr auto offsets = param_offsets_v<Flat, in>;
static_assert(offsets[0] == 0 && offsets[1] == 0 && offsets[2] == 160 && offsets[5] == 160);
static_assert(offsets[6] == param_count_v<Flat, in>);
// state offsets (BatchNorm running statistics)
using WithBn = Sequential<Conv<8, 3>, BatchNorm<>, ReLU, Flatten, Dense<2>, BatchNorm<>>;
static_assert(state_offsets_v<WithBn, shape{1, 5, 5}>[2] == 16 && state_offsets_v<WithBn, shape{1, 5, 5}>[6] == 20);
static_assert(state_count_v<WithBn, shape{1, 5, 5}> == 20);
static_assert(param_count_v<WithBn, shape{1, 5, 5}> == 80 + 16 + (72 * 2 + 2) + 4);

// The soft query never stops compilation.
static_assert(Flat::accepts<in>);
static_assert(!Flat::accepts<shape{1, 1, 1}>);  // MaxPool<2> on 1x1 after the conv
static_assert(!Sequential<Conv<4, 3>, Dense<10>>::accepts<shape{1, 8, 8}>);
static_assert(!Sequential<Flatten>::accepts<shape{0, 4, 4}>);

// The architecture hash distinguishes layouts and kinds, not dropout rates.
static_assert(architecture_hash_v<Flat, in> != architecture_hash_v<Flat, shape{1, 30, 30}>);
static_assert(architecture_hash_v<Sequential<Conv<8, 3>, ReLU>, in> != architecture_hash_v<Sequential<Conv<8, 3>, Tanh>, in>);
static_assert(architecture_hash_v<Sequential<MaxPool<2>>, in> != architecture_hash_v<Sequential<AvgPool<2>>, in>);
static_assert(architecture_hash_v<Sequential<Dense<4>, Dropout<0.5>>, shape{3}> ==
              architecture_hash_v<Sequential<Dense<4>, Dropout<0.25>>, shape{3}>);

// Summaries as constexpr data: Keras-style indexed names.
constexpr auto s = summary<models::FashionMnistCnn, models::fashion_mnist_input>();
static_assert(s.rows.size() == 16);
static_assert(s.rows[0].name() == "zero_pad_1" && s.rows[1].name() == "conv_1" && s.rows[5].name() == "conv_2");
static_assert(s.rows[14].name() == "relu_4" && s.rows[15].name() == "dense_2" && s.rows[15].type == "Dense");
static_assert(s.rows[13].param_offset == 160 + 4'640 + 18'496);
static_assert(s.trainable_params == 65'570 && s.non_trainable_params == 0 && s.total_params() == 65'570);
static_assert(s.flops == flops_v<models::FashionMnistCnn, models::fashion_mnist_input>);
constexpr auto sbn = summary<WithBn, shape{1, 5, 5}>();
static_assert(sbn.rows[1].name() == "batch_norm_1" && sbn.rows[5].name() == "batch_norm_2");
static_assert(sbn.total_params() == param_count_v<WithBn, shape{1, 5, 5}> + 20);

TEST_CASE("Sequential folds, nests and flattens at compile time", "[static][sequential]") {
  STATIC_REQUIRE(std::is_same_v<bound_layers_t<Nested, in>, bound_layers_t<Flat, in>>);
  STATIC_REQUIRE(layer_shapes_v<Flat, in>[5] == shape{3136});
  STATIC_REQUIRE(!Flat::accepts<shape{1, 1, 1}>);
}
