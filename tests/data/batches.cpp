// The batch order every policy trains from (batch_order, host_batch), the dataset's normalisation
// and slicing (dataset::fill, slice, validate), and the synthetic data generator.
// Expected values are computed by hand (normalisation) or pinned as literals (the seed-42 order, the
// synthetic labels), so that a change of generator or of a formula is caught.
#include <cnnbench/data/batches.hpp>
#include <cnnbench/data/dataset.hpp>
#include <cnnbench/data/synthetic.hpp>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <set>
#include <vector>

#include "support/catch.hpp"

using namespace cnnbench;

namespace {

bool is_permutation_of_iota(std::vector<std::size_t> p, std::size_t n) {
  if (p.size() != n) return false;
  std::sort(p.begin(), p.end());
  for (std::size_t i = 0; i < n; ++i)
    if (p[i] != i) return false;
  return true;
}

std::vector<std::size_t> iota(std::size_t n) {
  std::vector<std::size_t> v(n);
  std::iota(v.begin(), v.end(), std::size_t{0});
  return v;
}

/// Two uint8 samples of shape {2, 1, 2} (2 channels of 2 pixels) with labels 3 and 1.
dataset tiny(normalization norm) {
  dataset d;
  d.name = "tiny";
  d.sample_shape = shape{2, 1, 2};
  d.classes = 4;
  d.pixels = {0, 51, 255, 102,   // sample 0: channel 0 = {0, 51}, channel 1 = {255, 102}
              255, 0, 153, 204}; // sample 1: channel 0 = {255, 0}, channel 1 = {153, 204}
  d.labels = {3, 1};
  d.norm = norm;
  d.mean = {0.5f, 0.25f};
  d.stddev = {0.5f, 0.25f};
  d.check();
  return d;
}

std::vector<float> gathered(const dataset& d, std::vector<std::size_t> idx, std::vector<std::int32_t>* y = nullptr) {
  host_batch b;
  b.gather(d, idx);
  REQUIRE(b.n == idx.size());
  REQUIRE(b.x.size() == idx.size() * d.sample_shape.size());
  if (y) *y = b.y;
  return b.x;
}

void check_floats(const std::vector<float>& got, const std::vector<float>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    CHECK(got[i] == Approx(want[i]).margin(1e-6));
  }
}

}  // namespace

// ---- batch_order ----------------------------------------------------------------------------------

TEST_CASE("batch_order: every epoch is a permutation of 0..n-1", "[data][batches]") {
  for (std::size_t n : {std::size_t{1}, std::size_t{2}, std::size_t{7}, std::size_t{10}, std::size_t{1000}}) {
    const batch_order o(n, 3, 42);
    for (std::size_t e = 0; e < 5; ++e) {
      INFO("n " << n << " epoch " << e);
      CHECK(is_permutation_of_iota(o.epoch(e), n));
    }
  }
}

TEST_CASE("batch_order: different epochs give different orders, and shuffling happens", "[data][batches]") {
  const batch_order o(100, 10, 42);
  std::set<std::vector<std::size_t>> seen;
  for (std::size_t e = 0; e < 20; ++e) seen.insert(o.epoch(e));
  CHECK(seen.size() == 20);
  CHECK(seen.count(iota(100)) == 0);
  // A shuffle moves most samples: fewer than 10 of 100 fixed points (expected about 1).
  const auto p = o.epoch(0);
  std::size_t fixed = 0;
  for (std::size_t i = 0; i < p.size(); ++i) fixed += p[i] == i;
  CHECK(fixed < 10);
}

TEST_CASE("batch_order: the same seed gives the same order, and the seed-42 order is pinned", "[data][batches]") {
  const batch_order a(10, 4, 42), b(10, 4, 42), c(10, 4, 43);
  for (std::size_t e = 0; e < 4; ++e) {
    CHECK(a.epoch(e) == b.epoch(e));
    CHECK(a.epoch(e) != c.epoch(e));
  }
  // Fisher-Yates from rng(42, 0x5eed0000 + e), i = n-1 .. 1, j = below(i + 1); checked against an
  // independent Python implementation of SplitMix64 and of the documented algorithm.
  CHECK(a.epoch(0) == std::vector<std::size_t>{6, 7, 3, 1, 9, 2, 0, 5, 8, 4});
  CHECK(a.epoch(1) == std::vector<std::size_t>{2, 0, 4, 6, 8, 9, 5, 1, 3, 7});
  CHECK(batch_order(10, 4, 7).epoch(0) == std::vector<std::size_t>{2, 5, 1, 3, 8, 7, 0, 9, 4, 6});
  // The order depends on (n, seed, epoch) only: not on the batch size or drop_last.
  CHECK(batch_order(10, 1, 42).epoch(0) == a.epoch(0));
  CHECK(batch_order(10, 3, 42, true, true).epoch(0) == a.epoch(0));
}

TEST_CASE("batch_order: batches cut the order, and drop_last gives floor(n / b) full batches", "[data][batches]") {
  SECTION("the Rosetta Stone setting: 50,000 samples, batch 64, drop_last -> 781 batches") {
    const batch_order o(50000, 64, 1, true, true);
    CHECK(o.samples() == 50000);
    CHECK(o.batch_size() == 64);
    CHECK(o.batches_per_epoch() == 781);
    CHECK(o.samples_per_epoch() == 781u * 64u);  // 49,984: the last 16 samples of the order are skipped
    const auto order = o.epoch(0);
    std::vector<std::size_t> seen;
    for (std::size_t b = 0; b < o.batches_per_epoch(); ++b) {
      const auto batch = o.batch(order, b);
      REQUIRE(batch.size() == 64);
      seen.insert(seen.end(), batch.begin(), batch.end());
    }
    CHECK(std::equal(seen.begin(), seen.end(), order.begin()));
  }
  SECTION("without drop_last: ceil(n / b) batches, the last one partial") {
    const batch_order o(50000, 64, 1);
    CHECK(o.batches_per_epoch() == 782);
    CHECK(o.samples_per_epoch() == 50000);
    const auto order = o.epoch(3);
    CHECK(o.batch(order, 780).size() == 64);
    CHECK(o.batch(order, 781).size() == 16);
    std::vector<std::size_t> seen;
    for (std::size_t b = 0; b < o.batches_per_epoch(); ++b) {
      const auto batch = o.batch(order, b);
      seen.insert(seen.end(), batch.begin(), batch.end());
    }
    CHECK(seen == order);
  }
  SECTION("small cases") {
    CHECK(batch_order(10, 3, 0, true, true).batches_per_epoch() == 3);
    CHECK(batch_order(10, 3, 0, true, false).batches_per_epoch() == 4);
    CHECK(batch_order(9, 3, 0, true, true).batches_per_epoch() == 3);
    CHECK(batch_order(9, 3, 0, true, false).batches_per_epoch() == 3);
    CHECK(batch_order(3, 3, 0, true, true).batches_per_epoch() == 1);
    CHECK(batch_order(1, 5, 0).batches_per_epoch() == 1);
  }
}

TEST_CASE("batch_order: without shuffle the order is 0..n-1 in every epoch", "[data][batches]") {
  const batch_order o(37, 8, 42, false);
  for (std::size_t e = 0; e < 3; ++e) CHECK(o.epoch(e) == iota(37));
  const auto order = o.epoch(0);
  const auto last = o.batch(order, 4);
  CHECK(std::vector<std::size_t>(last.begin(), last.end()) == std::vector<std::size_t>{32, 33, 34, 35, 36});
}

TEST_CASE("batch_order: invalid arguments throw value_error", "[data][batches]") {
  CHECK_THROWS_AS(batch_order(10, 0, 1), value_error);
  CHECK_THROWS_AS(batch_order(0, 4, 1), value_error);
  CHECK_THROWS_AS(batch_order(3, 4, 1, true, true), value_error);
  CHECK_NOTHROW(batch_order(3, 4, 1, true, false));
}

// ---- dataset: fill (normalisations), host_batch, slice, validate ------------------------------------

TEST_CASE("dataset::fill applies each normalisation (hand-computed values)", "[data][dataset]") {
  std::vector<std::int32_t> y;
  SECTION("none: raw 0..255") {
    check_floats(gathered(tiny(normalization::none), {0, 1}, &y), {0, 51, 255, 102, 255, 0, 153, 204});
    CHECK(y == std::vector<std::int32_t>{3, 1});
  }
  SECTION("unit: x / 255") {
    check_floats(gathered(tiny(normalization::unit), {0, 1}), {0.0f, 0.2f, 1.0f, 0.4f, 1.0f, 0.0f, 0.6f, 0.8f});
  }
  SECTION("symmetric: x / 127.5 - 1") {
    check_floats(gathered(tiny(normalization::symmetric), {0, 1}), {-1.0f, -0.6f, 1.0f, -0.2f, 1.0f, -1.0f, 0.2f, 0.6f});
  }
  SECTION("mean_std: (x / 255 - mean[c]) / std[c], mean {0.5, 0.25}, std {0.5, 0.25}") {
    // channel 0: (0 - .5)/.5 = -1, (.2 - .5)/.5 = -.6; channel 1: (1 - .25)/.25 = 3, (.4 - .25)/.25 = .6
    // sample 1:  (1 - .5)/.5 = 1, (0 - .5)/.5 = -1;    channel 1: (.6 - .25)/.25 = 1.4, (.8 - .25)/.25 = 2.2
    check_floats(gathered(tiny(normalization::mean_std), {0, 1}), {-1.0f, -0.6f, 3.0f, 0.6f, 1.0f, -1.0f, 1.4f, 2.2f});
  }
  SECTION("indices choose and order the samples; repeats are allowed") {
    check_floats(gathered(tiny(normalization::none), {1, 0, 1}, &y),
                 {255, 0, 153, 204, 0, 51, 255, 102, 255, 0, 153, 204});
    CHECK(y == std::vector<std::int32_t>{1, 3, 1});
  }
  SECTION("float images pass through unchanged, whatever the normalisation") {
    dataset d;
    d.name = "floats";
    d.sample_shape = shape{1, 1, 3};
    d.classes = 2;
    d.values = {0.5f, -2.0f, 300.0f, 1.0f, 2.0f, 3.0f};
    d.labels = {1, 0};
    for (auto n : {normalization::none, normalization::unit, normalization::symmetric}) {
      d.norm = n;
      check_floats(gathered(d, {1, 0}, &y), {1.0f, 2.0f, 3.0f, 0.5f, -2.0f, 300.0f});
      CHECK(y == std::vector<std::int32_t>{0, 1});
    }
  }
  SECTION("an index out of range throws value_error") {
    const dataset d = tiny(normalization::unit);
    std::vector<float> x(4);
    std::int32_t label = 0;
    const std::size_t bad[] = {2};
    CHECK_THROWS_AS(d.fill(bad, x.data(), &label), value_error);
  }
}

TEST_CASE("host_batch gathers a batch of a batch_order", "[data][batches]") {
  const dataset d = synthetic_dataset(shape{3, 4, 5}, 23, 4, 11);
  const batch_order o(d.size(), 8, 5);
  const auto order = o.epoch(2);
  host_batch hb;
  hb.gather(d, o.batch(order, 2));  // the last, partial batch: 7 samples
  REQUIRE(hb.n == 7);
  REQUIRE(hb.x.size() == 7u * 60u);
  REQUIRE(hb.y.size() == 7);
  for (std::size_t k = 0; k < hb.n; ++k) {
    const std::size_t i = order[16 + k];
    CHECK(hb.y[k] == d.labels[i]);
    for (std::size_t j = 0; j < 60; ++j) CHECK(hb.x[k * 60 + j] == static_cast<float>(d.pixels[i * 60 + j]) / 255.0f);
  }
}

TEST_CASE("dataset::slice copies a range of samples, and out-of-range slices throw", "[data][dataset]") {
  dataset d;
  d.name = "five";
  d.sample_shape = shape{1, 1, 2};
  d.classes = 5;
  d.pixels = {0, 1, 10, 11, 20, 21, 30, 31, 40, 41};
  d.labels = {0, 1, 2, 3, 4};
  const dataset s = d.slice(1, 3);
  CHECK(s.name == "five[1:4]");
  CHECK(s.labels == std::vector<std::int32_t>{1, 2, 3});
  CHECK(s.pixels == std::vector<std::uint8_t>{10, 11, 20, 21, 30, 31});
  CHECK(s.sample_shape == d.sample_shape);
  CHECK(s.classes == 5);
  s.check();
  CHECK(d.slice(5, 0).size() == 0);
  CHECK(d.slice(0, 5).pixels == d.pixels);
  CHECK_THROWS_AS(d.slice(4, 2), value_error);
  CHECK_THROWS_AS(d.slice(6, 0), value_error);
  CHECK_THROWS_AS(d.slice(1, SIZE_MAX), value_error);

  dataset f;  // float images slice their values
  f.sample_shape = shape{1, 1, 2};
  f.classes = 2;
  f.values = {0.f, 1.f, 2.f, 3.f, 4.f, 5.f};
  f.labels = {0, 1, 0};
  const dataset fs = f.slice(2, 1);
  CHECK(fs.values == std::vector<float>{4.f, 5.f});
  CHECK(fs.pixels.empty());
}

TEST_CASE("dataset::validate rejects inconsistent parts with data_error", "[data][dataset]") {
  CHECK_NOTHROW(tiny(normalization::mean_std).check());
  dataset d = tiny(normalization::unit);
  d.pixels.pop_back();
  CHECK_THROWS_AS(d.check(), data_error);
  d = tiny(normalization::unit);
  d.labels[1] = 4;  // classes = 4
  CHECK_THROWS_AS(d.check(), data_error);
  d.labels[1] = -1;
  CHECK_THROWS_AS(d.check(), data_error);
  d = tiny(normalization::mean_std);
  d.stddev.pop_back();
  CHECK_THROWS_AS(d.check(), data_error);
}

// ---- synthetic_dataset ------------------------------------------------------------------------------

TEST_CASE("synthetic_dataset: requested shape, size and classes, uint8 pixels, x/255", "[data][synthetic]") {
  for (const shape s : {shape{1, 28, 28}, shape{3, 32, 32}, shape{20, 1, 1}, shape{2, 5, 9}}) {
    const dataset d = synthetic_dataset(s, 300, 7, 42);
    INFO(d.name);
    CHECK(d.sample_shape == s);
    CHECK(d.size() == 300);
    CHECK(d.classes == 7);
    CHECK(d.pixels.size() == 300 * s.size());
    CHECK(d.values.empty());
    CHECK(d.norm == normalization::unit);
    CHECK(std::all_of(d.labels.begin(), d.labels.end(), [](std::int32_t l) { return l >= 0 && l < 7; }));
    d.check();
  }
  CHECK(synthetic_dataset(shape{1, 28, 28}, 3, 10, 42).name == "synthetic/1x28x28/seed42");
  CHECK(synthetic_dataset(shape{1, 28, 28}, 3, 10, 42, "mine").name == "mine");
  CHECK(synthetic_dataset(shape{3, 224, 224}, 2, 2, 1).pixels.size() == 2u * 3u * 224u * 224u);
  CHECK(synthetic_dataset(shape{1, 4, 4}, 0, 3, 1).size() == 0);
  CHECK_THROWS_AS(synthetic_dataset(shape{1, 28, 28}, 10, 0, 42), value_error);
  CHECK_THROWS_AS(synthetic_dataset(shape{0, 28, 28}, 10, 10, 42), value_error);
}

TEST_CASE("synthetic_dataset: deterministic for a seed, different across seeds, pinned", "[data][synthetic]") {
  const shape s{3, 8, 8};
  const dataset a = synthetic_dataset(s, 200, 10, 42), b = synthetic_dataset(s, 200, 10, 42),
                c = synthetic_dataset(s, 200, 10, 43);
  CHECK(a.pixels == b.pixels);
  CHECK(a.labels == b.labels);
  CHECK(a.pixels != c.pixels);
  CHECK(a.labels != c.labels);
  // Sample i depends on (seed, i) only: a smaller set is a prefix of a larger one.
  const dataset small = synthetic_dataset(s, 50, 10, 42);
  CHECK(std::equal(small.pixels.begin(), small.pixels.end(), a.pixels.begin()));
  CHECK(std::equal(small.labels.begin(), small.labels.end(), a.labels.begin()));
  // Pinned (and reproduced by an independent Python SplitMix64 implementation of the documented
  // algorithm): a change of generator, stream or noise formula is caught.
  CHECK(std::vector<std::int32_t>(a.labels.begin(), a.labels.begin() + 10) ==
        std::vector<std::int32_t>{1, 5, 5, 2, 1, 3, 0, 7, 2, 1});
  CHECK(std::vector<int>(a.pixels.begin(), a.pixels.begin() + 8) == std::vector<int>{177, 20, 228, 13, 255, 170, 232, 209});
}

TEST_CASE("synthetic_dataset: labels roughly uniform, prototypes distinct, learnable by nearest class mean",
          "[data][synthetic]") {
  const shape s{1, 28, 28};
  const std::size_t classes = 10, n = 2000, per = s.size();
  const dataset d = synthetic_dataset(s, n, classes, 7);

  std::vector<std::size_t> count(classes, 0);
  for (auto l : d.labels) ++count[static_cast<std::size_t>(l)];
  for (std::size_t k = 0; k < classes; ++k) {
    INFO("class " << k);
    CHECK(count[k] > 140);  // expected 200, standard deviation ~13
    CHECK(count[k] < 260);
  }

  // The prototypes are block images (4x4 cells for 28x28) and differ between classes.
  const auto protos = synthetic_prototypes(s, classes, 7);
  REQUIRE(protos.size() == classes * per);
  CHECK(synthetic_cell_size(s) == 4);
  CHECK(protos[0] == protos[1]);
  CHECK(protos[0] == protos[3 * 28 + 3]);
  for (std::size_t k = 1; k < classes; ++k)
    CHECK(!std::equal(protos.begin(), protos.begin() + static_cast<std::ptrdiff_t>(per),
                      protos.begin() + static_cast<std::ptrdiff_t>(k * per)));

  // Every sample is within the noise (-63..63) of its class prototype.
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t* p = protos.data() + static_cast<std::size_t>(d.labels[i]) * per;
    for (std::size_t j = 0; j < per; ++j) {
      const int diff = int{d.pixels[i * per + j]} - int{p[j]};
      if (diff < -63 || diff > 63) FAIL("sample " << i << " pixel " << j << " is " << diff << " from its prototype");
    }
  }

  // Not pure noise: class means of the first half classify the second half.
  std::vector<double> mean(classes * per, 0.0);
  for (std::size_t i = 0; i < n / 2; ++i)
    for (std::size_t j = 0; j < per; ++j) mean[static_cast<std::size_t>(d.labels[i]) * per + j] += d.pixels[i * per + j];
  std::vector<std::size_t> half(classes, 0);
  for (std::size_t i = 0; i < n / 2; ++i) ++half[static_cast<std::size_t>(d.labels[i])];
  for (std::size_t k = 0; k < classes; ++k)
    for (std::size_t j = 0; j < per; ++j) mean[k * per + j] /= static_cast<double>(std::max<std::size_t>(1, half[k]));
  std::size_t correct = 0;
  for (std::size_t i = n / 2; i < n; ++i) {
    std::size_t best = 0;
    double best_d = 1e300;
    for (std::size_t k = 0; k < classes; ++k) {
      double dist = 0;
      for (std::size_t j = 0; j < per; ++j) {
        const double e = d.pixels[i * per + j] - mean[k * per + j];
        dist += e * e;
      }
      if (dist < best_d) best_d = dist, best = k;
    }
    correct += static_cast<std::int32_t>(best) == d.labels[i];
  }
  CHECK(correct >= 99 * (n / 2) / 100);
}
