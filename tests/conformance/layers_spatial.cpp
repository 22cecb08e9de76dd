// Conformance, layers (ZeroPad, Conv, MaxPool, AvgPool, GlobalAvgPool; split from the other layers to keep each
// translation unit's compile time modest): every layer of the vocabulary, inside conformance::probe, under every policy of
// conformance::policies: inference logits and evaluate() against the double-precision reference model,
// the training-mode loss and every parameter gradient against central differences of the reference loss,
// BatchNorm running statistics after a training pass. Cases: tests/conformance/layer_cases.hpp.
#include "conformance/layer_cases.hpp"

using namespace conformance;

TEMPLATE_LIST_TEST_CASE("conformance: ZeroPad, Conv (valid, same, uneven same, stride 2, 1x1), MaxPool, AvgPool, GlobalAvgPool",
                        "[conformance][layers]", policies) {
  CONFORMANCE_REQUIRE_AVAILABLE();
  run_layer_cases<TestType, spatial_cases>();
}
