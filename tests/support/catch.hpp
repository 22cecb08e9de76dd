// tests/support/catch.hpp: Catch2 v3 if present, else v2 (Debian 12 ships 2.13).
// CNNBENCH_SKIP(reason): reports a test as skipped. Catch2 v2 has no SKIP, so the reason is printed
// as a warning starting with "skipped: ", which ctest turns into a "Skipped" result
// (SKIP_REGULAR_EXPRESSION in tests/CMakeLists.txt), and the test case returns.
#pragma once
#if __has_include(<catch2/catch_test_macros.hpp>)
#include <catch2/catch_approx.hpp>
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#define CNNBENCH_SKIP(reason) SKIP("skipped: " << reason)
#else
#include <catch2/catch.hpp>
#define CNNBENCH_SKIP(reason)        \
  do {                               \
    WARN("skipped: " << reason);     \
    return;                          \
  } while (false)
#endif
