// cnnbench/loss.hpp: the losses (softmax_cross_entropy, binary_cross_entropy) and their type list.
//
// A loss is a type: its name, the model outputs it accepts (compile time), the number of label values.
// Its arithmetic lives in each back end (backend/<policy>/losses.hpp; backend/host/losses.hpp is the
// reference), dispatched on the type; a loss a policy does not implement is a compile error.
#pragma once
#include "detail/type_list.hpp"
#include "loss/binary_cross_entropy.hpp"
#include "loss/softmax_cross_entropy.hpp"

namespace cnnbench::loss {
/// Every loss, in the order the harness lists them (bench::loss_config is a variant over this list).
using all = cnnbench::detail::type_list<softmax_cross_entropy, binary_cross_entropy>;
}  // namespace cnnbench::loss
