// cnnbench/error.hpp: the exceptions of cnnbench.
//
// Every run-time error derives from cnnbench::error (a std::runtime_error) and its message starts
// with "[cnnbench.<kind>] ", in the style of nlohmann_json's exception ids, then names the file,
// value or shape that was wrong. Compile-time errors are static_asserts ("cnnbench: ...").
#pragma once
#include <stdexcept>
#include <string>

namespace cnnbench {

/// Base of all cnnbench exceptions. kind() is the word after "cnnbench." in the message.
class error : public std::runtime_error {
 public:
  error(const std::string& kind, const std::string& what)
      : std::runtime_error("[cnnbench." + kind + "] " + what), kind_(kind) {}
  const std::string& kind() const noexcept { return kind_; }

 private:
  std::string kind_;
};

/// A file could not be opened, read or written ("[cnnbench.io] <path>: ...").
struct io_error : error {
  explicit io_error(const std::string& what) : error("io", what) {}
};
/// A file was read but its content is wrong: truncated, corrupt, inconsistent ("[cnnbench.data] ...").
struct data_error : error {
  explicit data_error(const std::string& what) : error("data", what) {}
};
/// Weights of another architecture ("[cnnbench.model_mismatch] ... expected hash X, found Y").
struct model_mismatch : error {
  explicit model_mismatch(const std::string& what) : error("model_mismatch", what) {}
};
/// A run-time size that does not fit the model: batch buffer lengths, label counts ("[cnnbench.shape] ...").
struct shape_error : error {
  explicit shape_error(const std::string& what) : error("shape", what) {}
};
/// A value outside its domain: a label out of range, a negative learning rate ("[cnnbench.value] ...").
struct value_error : error {
  explicit value_error(const std::string& what) : error("value", what) {}
};
/// Training diverged: the loss became NaN or infinite ("[cnnbench.diverged] ...").
struct diverged_error : error {
  explicit diverged_error(const std::string& what) : error("diverged", what) {}
};
/// A device (GPU) is missing or failed; tests and benchmarks report it as skipped ("[cnnbench.device] ...").
struct device_error : error {
  explicit device_error(const std::string& what) : error("device", what) {}
};

}  // namespace cnnbench
