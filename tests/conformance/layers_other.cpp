// Conformance, layers (ReLU, Sigmoid, Tanh, Softmax, Flatten, Dense, Dropout, BatchNorm; split from the other layers to keep each
// translation unit's compile time modest): every layer of the vocabulary, inside conformance::probe, under every policy of
// conformance::policies: inference logits and evaluate() against the double-precision reference model,
// the training-mode loss and every parameter gradient against central differences of the reference loss,
// BatchNorm running statistics after a training pass. Cases: tests/conformance/layer_cases.hpp.
#include "conformance/layer_cases.hpp"

using namespace conformance;

TEMPLATE_LIST_TEST_CASE("conformance: ReLU, Sigmoid, Tanh, Softmax, Flatten, Dense, Dropout 0 and at inference",
                        "[conformance][layers]", policies) {
  CONFORMANCE_REQUIRE_AVAILABLE();
  run_layer_cases<TestType, elementwise_cases>();
}

TEMPLATE_LIST_TEST_CASE("conformance: Dropout rate above 0 in training, the documented masks", "[conformance][layers][dropout]",
                        policies) {
  CONFORMANCE_REQUIRE_AVAILABLE();
  if (!TestType::reference_dropout_masks)
    CNNBENCH_SKIP(TestType::name << " draws its own dropout masks, not the documented counter-based ones: training "
                                    "with rate > 0 cannot be compared element by element (rate 0 and inference are "
                                    "checked with the other layers)");
  run_layer_cases<TestType, dropout_cases>();
}

TEMPLATE_LIST_TEST_CASE("conformance: BatchNorm in training (batch statistics, running statistics) and at inference",
                        "[conformance][layers][batch_norm]", policies) {
  CONFORMANCE_REQUIRE_AVAILABLE();
  run_layer_cases<TestType, batch_norm_cases>();
}

TEMPLATE_LIST_TEST_CASE("conformance: bias-free Conv and Dense, Identity, Residual blocks (identity and projection skips)",
                        "[conformance][layers][residual]", policies) {
  CONFORMANCE_REQUIRE_AVAILABLE();
  run_layer_cases<TestType, block_cases>();
}
