// Augmentations (data/augment.hpp, data/image.hpp) against Pillow (tests/scripts/pillow_image_reference.py,
// skipped without python3-pil), and their determinism: a pure function of (seed, epoch, sample).
#include <cnnbench/data/augment.hpp>
#include <cnnbench/data/batches.hpp>
#include <cnnbench/data/image_folder.hpp>

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
