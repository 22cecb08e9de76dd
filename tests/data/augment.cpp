// Augmentations (data/augment.hpp, data/image.hpp) against Pillow (tests/scripts/pillow_image_reference.py,
// skipped without python3-pil), and their determinism: a pure function of (seed, epoch, sample).
#include <cnnbench/data/augment.hpp>
#include <cnnbench/data/batches.hpp>
#include <cnnbench/data/image_folder.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "data/pillow_reference.hpp"
#include "support/catch.hpp"

using namespace cnnbench;
namespace fs = std::filesystem;
using pillow_ref::bytes;

namespace {
const fs::path fixture = fs::path(CNNBENCH_TEST_FIXTURES) / "image_folder";
fs::path work_dir(const std::string& test) { return pillow_ref::work_dir("augment", test); }

/// A deterministic uint8 CHW test image: a real photo (cat.1.jpg) resized to c x h x w.
bytes photo(std::size_t c, std::size_t h, std::size_t w) { return load_image(fixture / "cat" / "cat.1.jpg", {c, h, w}); }
}  // namespace

TEST_CASE("rotate_bilinear and flip_horizontal equal Pillow's rotate(BILINEAR, fillcolor=0) and FLIP_LEFT_RIGHT", "[data][augment][pillow]") {
  const fs::path dir = work_dir("rotate_vs_pillow");
  struct job {
    std::size_t c, h, w;
    double angle;
  };
  std::vector<job> jobs;
  for (double a : {30.0, -30.0, 12.345, -7.5, 0.0, 90.0, -90.0, 180.0, 270.0, 45.0, 359.9, -0.001, 1e-9, 29.999999})
    jobs.push_back({3, 224, 224, a});
  for (double a : {30.0, -17.25, 90.0, 180.0, -90.0}) jobs.push_back({3, 37, 53, a});  // odd, non-square (90: no fast path)
  jobs.push_back({1, 64, 48, 21.0});
  for (std::size_t i = 0; i < 8; ++i)  // angles as the augmentation draws them
    jobs.push_back({3, 224, 224, draw_augmentation(augmentation{false, 30}, 123, 4, i).angle});
  std::string lines;
  std::vector<bytes> ours_rot, ours_flip;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const auto& j = jobs[i];
    const bytes img = photo(j.c, j.h, j.w);
    const std::string in = (dir / ("in" + std::to_string(i) + ".raw")).string();
    REQUIRE(pillow_ref::write_bytes(in, img));
    const std::string dims = std::to_string(j.c) + " " + std::to_string(j.h) + " " + std::to_string(j.w);
    lines += "rotate " + in + " " + dims + " " + pillow_ref::exact(j.angle) + " " + (dir / ("rot" + std::to_string(i) + ".raw")).string() + "\n";
    lines += "flip " + in + " " + dims + " " + (dir / ("flip" + std::to_string(i) + ".raw")).string() + "\n";
    bytes r(img.size()), f(img.size());
    rotate_bilinear(img.data(), int(j.c), int(j.h), int(j.w), j.angle, r.data());
    flip_horizontal(img.data(), int(j.c), int(j.h), int(j.w), f.data());
    ours_rot.push_back(r);
    ours_flip.push_back(f);
  }
  const std::string why = pillow_ref::run(dir, lines);
  if (!why.empty() && why.rfind("FAILED", 0) != 0) CNNBENCH_SKIP(why);
  REQUIRE(why.empty());
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const bytes rot = pillow_ref::read_bytes(dir / ("rot" + std::to_string(i) + ".raw"));
    const bytes flip = pillow_ref::read_bytes(dir / ("flip" + std::to_string(i) + ".raw"));
    REQUIRE(rot.size() == ours_rot[i].size());
    const auto dr = pillow_ref::compare(ours_rot[i].data(), rot.data(), rot.size());
    INFO(jobs[i].c << "x" << jobs[i].h << "x" << jobs[i].w << " rotated by " << pillow_ref::exact(jobs[i].angle) << ": "
                   << pillow_ref::str(dr));
    CHECK(dr.max == 0);  // measured: identical
    CHECK(flip == ours_flip[i]);
  }
}

TEST_CASE("augment_sample: rotation then flip, as Pillow does them in that order", "[data][augment][pillow]") {
  const fs::path dir = work_dir("sample_vs_pillow");
  const augmentation aug{true, 30};
  const shape s{3, 224, 224};
  const bytes img = photo(3, 224, 224);
  const fs::path in = dir / "in.raw";
  REQUIRE(pillow_ref::write_bytes(in, img));
  std::string lines;
  std::vector<augment_draw> draws;
  for (std::size_t i = 0; i < 6; ++i) {
    const augment_draw d = draw_augmentation(aug, 99, 2, i);
    draws.push_back(d);
    const fs::path rot = dir / ("rot" + std::to_string(i) + ".raw"), out = dir / ("out" + std::to_string(i) + ".raw");
    lines += "rotate " + in.string() + " 3 224 224 " + pillow_ref::exact(d.angle) + " " + rot.string() + "\n";
    lines += "flip " + rot.string() + " 3 224 224 " + out.string() + "\n";
  }
  const std::string why = pillow_ref::run(dir, lines);
  if (!why.empty() && why.rfind("FAILED", 0) != 0) CNNBENCH_SKIP(why);
  REQUIRE(why.empty());
  for (std::size_t i = 0; i < draws.size(); ++i) {
    bytes ours(img.size());
    augment_sample(aug, 99, 2, i, s, img.data(), ours.data());
    const bytes ref = pillow_ref::read_bytes(dir / ((draws[i].flip ? "out" : "rot") + std::to_string(i) + ".raw"));
    INFO("sample " << i << ": angle " << draws[i].angle << ", flip " << draws[i].flip);
    CHECK(ours == ref);  // measured: identical
  }
}

TEST_CASE("augmentation draws: pinned values, independent of call order and thread, different per epoch", "[data][augment]") {
  const augmentation aug{true, 30};
  // Pinned with the independent Python generator of tests/scripts/reference_rng.py (Rng(seed, 0xa06e00000000 + epoch):
  // flip = u(2s) < 0.5, angle = (2 u(2s + 1) - 1) * 30).
  CHECK(draw_augmentation(aug, 42, 0, 0).flip == false);
  CHECK(draw_augmentation(aug, 42, 0, 0).angle == Approx(0.15240186197312822).margin(1e-12));
  CHECK(draw_augmentation(aug, 42, 0, 1).angle == Approx(-1.9334890134919203).margin(1e-12));
  CHECK(draw_augmentation(aug, 42, 1, 0).flip == true);
  CHECK(draw_augmentation(aug, 42, 1, 0).angle == Approx(13.83461031748164).margin(1e-12));
  CHECK(draw_augmentation(aug, 7, 3, 1000).angle == Approx(-22.657053395846628).margin(1e-12));
  // Switched off: no draw.
  CHECK(draw_augmentation(augmentation{}, 42, 1, 0).flip == false);
  CHECK(draw_augmentation(augmentation{}, 42, 1, 0).angle == 0);
  CHECK(draw_augmentation(augmentation{false, 30}, 42, 1, 0).flip == false);

  // Statistics over 20,000 samples: P(flip) = 0.5 (binomial sd 0.0035), angles uniform in [-30, 30).
  std::size_t flips = 0;
  double lo = 1e9, hi = -1e9, sum = 0;
  const std::size_t n = 20000;
  for (std::size_t i = 0; i < n; ++i) {
    const augment_draw d = draw_augmentation(aug, 5, 0, i);
    flips += d.flip;
    lo = std::min(lo, d.angle);
    hi = std::max(hi, d.angle);
    sum += d.angle;
  }
  CHECK(std::abs(double(flips) / n - 0.5) < 0.015);
  CHECK(lo >= -30.0);
  CHECK(hi < 30.0);
  CHECK(lo < -29.9);
  CHECK(hi > 29.9);
  CHECK(std::abs(sum / n) < 0.5);  // sd of the mean: 30 / sqrt(3 n) = 0.12

  // Pixels: the same in any order and from any thread; another epoch gives other draws.
  const shape s{3, 40, 56};
  const bytes img = photo(3, 40, 56);
  const std::size_t samples = 64;
  std::vector<bytes> forward(samples, bytes(s.size())), backward(samples, bytes(s.size())), threaded(samples, bytes(s.size()));
  for (std::size_t i = 0; i < samples; ++i) augment_sample(aug, 11, 3, i, s, img.data(), forward[i].data());
  for (std::size_t i = samples; i-- > 0;) augment_sample(aug, 11, 3, i, s, img.data(), backward[i].data());
  std::vector<std::thread> pool;
  for (std::size_t t = 0; t < 4; ++t)
    pool.emplace_back([&, t] {
      for (std::size_t i = t; i < samples; i += 4) augment_sample(aug, 11, 3, i, s, img.data(), threaded[i].data());
    });
  for (auto& th : pool) th.join();
  CHECK(forward == backward);
  CHECK(forward == threaded);
  std::size_t same_epoch4 = 0;
  for (std::size_t i = 0; i < samples; ++i) {
    bytes other(s.size());
    augment_sample(aug, 11, 4, i, s, img.data(), other.data());
    same_epoch4 += other == forward[i];
    // In place gives the same pixels.
    bytes inplace = img;
    augment_sample(aug, 11, 3, i, s, inplace.data(), inplace.data());
    CHECK(inplace == forward[i]);
  }
  CHECK(same_epoch4 == 0);
}

TEST_CASE("gather_augmented: augmented then normalised like dataset::fill, whatever the threads", "[data][augment]") {
  dataset d = read_image_folder(fixture, {3, 32, 32});
  d.norm = normalization::mean_std;
  d.mean = {0.485f, 0.456f, 0.406f};
  d.stddev = {0.229f, 0.224f, 0.225f};
  const augmentation aug{true, 30};
  const std::vector<std::size_t> idx{8, 0, 3, 3, 5};
  host_batch b1, b4, plain, none;
  gather_augmented(b1, d, idx, d.norm, aug, 1, 2);
  gather_augmented(b4, d, idx, d.norm, aug, 1, 2, 4);
  CHECK(b1.n == 5);
  CHECK(b1.x == b4.x);
  CHECK(b1.y == std::vector<std::int32_t>{1, 0, 0, 0, 1});
  CHECK(b1.y == b4.y);
  // By hand: augment_sample, then dataset::fill of the augmented pixels.
  dataset manual = d;
  for (std::size_t i = 0; i < d.size(); ++i)
    augment_sample(aug, 1, 2, i, d.sample_shape, d.pixels.data() + i * 3072, manual.pixels.data() + i * 3072);
  plain.gather(manual, idx, d.norm);
  CHECK(plain.x == b1.x);
  // Without augmentation: host_batch::gather.
  gather_augmented(none, d, idx, normalization::unit, augmentation{}, 1, 2);
  host_batch g;
  g.gather(d, idx, normalization::unit);
  CHECK(none.x == g.x);
  // Errors: an index out of range, a float dataset.
  const std::vector<std::size_t> bad{0, 9};
  CHECK_THROWS_AS(gather_augmented(b1, d, bad, d.norm, aug, 1, 2), value_error);
  dataset f;
  f.name = "floats";
  f.sample_shape = {1, 2, 2};
  f.classes = 2;
  f.values = {0, 1, 2, 3};
  f.labels = {1};
  const std::vector<std::size_t> one{0};
  CHECK_THROWS_AS(gather_augmented(b1, f, one, normalization::none, aug, 1, 2), data_error);
}
