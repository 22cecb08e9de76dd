// The image-folder reader (data/image_folder.hpp): the committed fixture (tests/fixtures/image_folder,
// real cats-vs-dogs JPEGs plus a grey JPEG and RGB/RGBA PNGs made from them, see
// tests/fixtures/README.md), the real data under $CNNBENCH_DATA_DIR/cats_vs_dogs (skipped when
// absent), the resize against Pillow (tests/scripts/pillow_image_reference.py, skipped without
// python3-pil), and every bad input: each must be a cnnbench error naming the file or folder.
#include <cnnbench/data/image_folder.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "data/pillow_reference.hpp"
#include "support/catch.hpp"
#include "support/data_dir.hpp"

using namespace cnnbench;
namespace fs = std::filesystem;
using pillow_ref::bytes;

namespace {

const fs::path fixture = fs::path(CNNBENCH_TEST_FIXTURES) / "image_folder";
const fs::path bad_fixture = fs::path(CNNBENCH_TEST_FIXTURES) / "bad_images";

fs::path work_dir(const std::string& test) { return pillow_ref::work_dir("image_folder", test); }

image_folder_options threads(unsigned t) {
  image_folder_options o;
  o.threads = t;
  return o;
}
image_folder_options skipping() {
  image_folder_options o;
  o.skip_non_images = true;
  return o;
}
image_folder_options cap(std::size_t n) {
  image_folder_options o;
  o.max_per_class = n;
  return o;
}
image_folder_options named(const std::string& name) {
  image_folder_options o;
  o.name = name;
  return o;
}

template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    FAIL("another exception than the expected one: " << e.what());
  }
  FAIL("the expected exception was not thrown");
  return {};
}

void check_mentions(const std::string& msg, std::initializer_list<std::string> parts) {
  INFO("message: " << msg);
  for (const auto& part : parts) {
    INFO("expected to mention: " << part);
    CHECK(msg.find(part) != std::string::npos);
  }
}

std::vector<std::string> file_names(const image_folder_report& r) {
  std::vector<std::string> v;
  for (const auto& f : r.files) v.push_back(f.filename().string());
  return v;
}

/// A copy of the fixture's two class folders (3 real JPEGs each) to break.
fs::path good_copy(const std::string& test) {
  const fs::path d = work_dir(test);
  for (const char* cls : {"cat", "dog"}) {
    fs::create_directories(d / cls);
    for (const auto& e : fs::directory_iterator(fixture / cls))
      if (e.path().extension() == ".jpg" && e.path().filename().string().find("grey") == std::string::npos)
        fs::copy_file(e.path(), d / cls / e.path().filename());
  }
  return d;
}

}  // namespace

TEST_CASE("image folder fixture: classes in sorted order, sorted files, labels, conversions recorded", "[data][image_folder]") {
  image_folder_report rep;
  const dataset d = read_image_folder(fixture, {3, 224, 224}, {}, &rep);
  CHECK(d.name == "fixtures/image_folder");
  CHECK(d.size() == 9);
  CHECK(d.classes == 2);
  CHECK(d.class_names == std::vector<std::string>{"cat", "dog"});
  CHECK(d.sample_shape == shape{3, 224, 224});
  CHECK(d.pixels.size() == 9u * 3 * 224 * 224);
  CHECK(d.norm == normalization::unit);
  CHECK(d.labels == std::vector<std::int32_t>{0, 0, 0, 0, 1, 1, 1, 1, 1});
  // Byte-wise sorted file names, as Python's sorted(): "cat.1.jpg" < "cat.146.grey.jpg" < "cat.596.jpg".
  CHECK(file_names(rep) == std::vector<std::string>{"cat.0.jpg", "cat.1.jpg", "cat.146.grey.jpg", "cat.596.jpg",
                                                    "dog.284.rgba.png", "dog.316.png", "dog.630.jpg", "dog.927.jpg",
                                                    "dog.943.jpg"});
  CHECK(rep.source_shapes[0] == shape{3, 374, 500});  // SOURCE.md: cat.0.jpg is 500x374
  CHECK(rep.source_shapes[1] == shape{3, 280, 300});  // cat.1.jpg is 300x280
  CHECK(rep.source_shapes[2] == shape{1, 119, 80});
  CHECK(rep.source_shapes[4] == shape{4, 89, 120});
  REQUIRE(rep.conversions.size() == 2);
  CHECK(rep.conversions[0].file.filename() == "cat.146.grey.jpg");
  CHECK(rep.conversions[0].what() == "grey -> RGB (grey replicated)");
  CHECK(rep.conversions[1].file.filename() == "dog.284.rgba.png");
  CHECK(rep.conversions[1].what() == "RGBA -> RGB (alpha dropped)");
  CHECK(rep.skipped.empty());
  CHECK(rep.summary().find("9 images; 2 converted (cat.146.grey.jpg: grey -> RGB") == 0);
  // The grey image's three planes are equal.
  const std::size_t plane = 224 * 224;
  const std::uint8_t* g = d.pixels.data() + 2 * 3 * plane;
  CHECK(std::equal(g, g + plane, g + plane));
  CHECK(std::equal(g, g + plane, g + 2 * plane));
  // load_image gives the same pixels as the reader.
  CHECK(load_image(fixture / "cat" / "cat.0.jpg", {3, 224, 224}) == bytes(d.pixels.begin(), d.pixels.begin() + 3 * plane));

  SECTION("the result does not depend on the decoding threads") {
    for (unsigned t : {0u, 2u, 3u, 16u}) {
      const dataset e = read_image_folder(fixture, {3, 224, 224}, threads(t));
      CHECK(e.pixels == d.pixels);
      CHECK(e.labels == d.labels);
    }
  }
  SECTION("max_per_class keeps the first files of each class") {
    image_folder_report r2;
    const dataset e = read_image_folder(fixture, {3, 224, 224}, cap(2), &r2);
    CHECK(file_names(r2) == std::vector<std::string>{"cat.0.jpg", "cat.1.jpg", "dog.284.rgba.png", "dog.316.png"});
    CHECK(e.labels == std::vector<std::int32_t>{0, 0, 1, 1});
    CHECK(std::equal(e.pixels.begin(), e.pixels.begin() + 6 * plane, d.pixels.begin()));
  }
  SECTION("one channel: RGB and RGBA converted to grey and recorded, the grey JPEG as it is") {
    image_folder_report r1;
    const dataset e = read_image_folder(fixture, {1, 32, 48}, named("grey"), &r1);
    CHECK(e.name == "grey");
    CHECK(e.sample_shape == shape{1, 32, 48});
    CHECK(r1.conversions.size() == 8);
    for (const auto& c : r1.conversions) CHECK(c.file.filename() != "cat.146.grey.jpg");
    CHECK(r1.conversions[3].what() == "RGBA -> grey (alpha dropped) (Pillow L luma)");
  }
  SECTION("an output of 2 channels or a zero size is a value_error") {
    CHECK_THROWS_AS(read_image_folder(fixture, {2, 224, 224}), value_error);
    CHECK_THROWS_AS(read_image_folder(fixture, {3, 0, 224}), value_error);
  }
}

TEST_CASE("resize_bilinear equals Pillow's Image.resize(BILINEAR) on the same decoded pixels", "[data][image_folder][pillow]") {
  const fs::path dir = work_dir("resize_vs_pillow");
  struct job {
    std::string file;
    std::size_t c;
    int oh, ow;
  };
  // Downscaling (antialiased), upscaling, one axis only, extreme ratios, 1x1.
  const std::vector<job> jobs{{"cat/cat.0.jpg", 3, 224, 224}, {"cat/cat.1.jpg", 3, 224, 224}, {"cat/cat.596.jpg", 3, 224, 224},
                              {"cat/cat.0.jpg", 3, 37, 53},   {"cat/cat.0.jpg", 3, 374, 123}, {"cat/cat.0.jpg", 3, 100, 500},
                              {"dog/dog.630.jpg", 3, 501, 7}, {"dog/dog.630.jpg", 3, 1, 1},   {"cat/cat.146.grey.jpg", 1, 224, 224},
                              {"dog/dog.316.png", 1, 60, 90}};
  std::string lines;
  std::vector<bytes> ours;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    shape src;
    load_image(fixture / jobs[i].file, {jobs[i].c, 1, 1}, &src);
    const bytes full = load_image(fixture / jobs[i].file, {jobs[i].c, src.h, src.w});  // decoded, converted, not resized
    const fs::path in = dir / ("in" + std::to_string(i) + ".raw"), out = dir / ("out" + std::to_string(i) + ".raw");
    REQUIRE(pillow_ref::write_bytes(in, full));
    lines += "resize " + in.string() + " " + std::to_string(jobs[i].c) + " " + std::to_string(src.h) + " " + std::to_string(src.w) +
             " " + std::to_string(jobs[i].oh) + " " + std::to_string(jobs[i].ow) + " " + out.string() + "\n";
    bytes r(jobs[i].c * static_cast<std::size_t>(jobs[i].oh * jobs[i].ow));
    resize_bilinear(full.data(), static_cast<int>(jobs[i].c), static_cast<int>(src.h), static_cast<int>(src.w), r.data(), jobs[i].oh,
                    jobs[i].ow);
    ours.push_back(r);
  }
  const std::string why = pillow_ref::run(dir, lines);
  if (!why.empty() && why.rfind("FAILED", 0) != 0) CNNBENCH_SKIP(why);
  REQUIRE(why.empty());
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const bytes ref = pillow_ref::read_bytes(dir / ("out" + std::to_string(i) + ".raw"));
    REQUIRE(ref.size() == ours[i].size());
    const auto diff = pillow_ref::compare(ours[i].data(), ref.data(), ref.size());
    INFO(jobs[i].file << " -> " << jobs[i].oh << "x" << jobs[i].ow << ": " << pillow_ref::str(diff));
    CHECK(diff.max == 0);  // measured: identical for every job (the same algorithm, fixed-point weights included)
  }
}

TEST_CASE("image folder vs Pillow end to end: decode, convert, resize to 224x224", "[data][image_folder][pillow]") {
  // torchvision's ImageFolder loader + Resize((224, 224)): Image.open(f).convert("RGB").resize((224, 224), BILINEAR).
  // The same JPEG decoder as Pillow (libjpeg-turbo, the same settings), the same conversion, the same
  // resize (previous test): identical pixels, JPEG and PNG alike.
  const fs::path dir = work_dir("end_to_end_vs_pillow");
  image_folder_report rep;
  const dataset d = read_image_folder(fixture, {3, 224, 224}, {}, &rep);
  const dataset g = read_image_folder(fixture, {1, 224, 224});
  std::string lines;
  for (std::size_t i = 0; i < d.size(); ++i) {
    lines += "load " + rep.files[i].string() + " 3 224 224 " + (dir / ("rgb" + std::to_string(i) + ".raw")).string() + "\n";
    lines += "load " + rep.files[i].string() + " 1 224 224 " + (dir / ("l" + std::to_string(i) + ".raw")).string() + "\n";
  }
  const std::string why = pillow_ref::run(dir, lines);
  if (!why.empty() && why.rfind("FAILED", 0) != 0) CNNBENCH_SKIP(why);
  REQUIRE(why.empty());
  const std::size_t per = 3 * 224 * 224;
  for (std::size_t i = 0; i < d.size(); ++i) {
    const bytes rgb = pillow_ref::read_bytes(dir / ("rgb" + std::to_string(i) + ".raw"));
    const bytes l = pillow_ref::read_bytes(dir / ("l" + std::to_string(i) + ".raw"));
    REQUIRE(rgb.size() == per);
    REQUIRE(l.size() == per / 3);
    const auto dr = pillow_ref::compare(d.pixels.data() + i * per, rgb.data(), per);
    const auto dl = pillow_ref::compare(g.pixels.data() + i * per / 3, l.data(), per / 3);
    INFO(rep.files[i].filename().string() << ": RGB " << pillow_ref::str(dr) << "; L " << pillow_ref::str(dl));
    CHECK(dr.max == 0);  // measured: identical for all 9 files (7 JPEGs, 2 PNGs)
    CHECK(dl.max == 0);
  }
}

TEST_CASE("cats vs dogs (real data): 2,000 train and 500 val images, classes cat and dog", "[data][image_folder][cats_vs_dogs]") {
  const fs::path root = test_support::data_subdir("cats_vs_dogs");
  if (!fs::exists(root / "train") || !fs::exists(root / "val")) CNNBENCH_SKIP((root / "train").string() << " not found");
  image_folder_report rep;
  const dataset val = read_image_folder(root / "val", {3, 224, 224}, threads(2), &rep);
  CHECK(val.name == "cats_vs_dogs/val");
  CHECK(val.size() == 500);
  CHECK(val.class_names == std::vector<std::string>{"cat", "dog"});
  CHECK(std::count(val.labels.begin(), val.labels.end(), 0) == 250);
  CHECK(rep.conversions.empty());  // SOURCE.md: every file is a 3-channel JPEG
  CHECK(rep.skipped.empty());
  CHECK(rep.files.front().filename() == "cat.4001.jpg");
  for (const auto& s : rep.source_shapes) {  // SOURCE.md: val 95-500 px wide, 75-500 px high
    CHECK(s.w >= 95);
    CHECK(s.w <= 500);
    CHECK(s.h >= 75);
    CHECK(s.h <= 500);
  }
  image_folder_report tr;
  const dataset train = read_image_folder(root / "train", {3, 224, 224}, threads(2), &tr);
  CHECK(train.size() == 2000);
  CHECK(train.class_names == std::vector<std::string>{"cat", "dog"});
  CHECK(std::count(train.labels.begin(), train.labels.end(), 1) == 1000);
  CHECK(tr.conversions.empty());
  CHECK(tr.files.front().filename() == "cat.0.jpg");
  CHECK(tr.files[1].filename() == "cat.1.jpg");
  CHECK(tr.files[2].filename() == "cat.10.jpg");  // byte-wise order
  CHECK(tr.source_shapes[0] == shape{3, 374, 500});
  // The fixture's cat.0.jpg is the same file: the same pixels.
  CHECK(std::equal(train.pixels.begin(), train.pixels.begin() + 3 * 224 * 224,
                   load_image(fixture / "cat" / "cat.0.jpg", {3, 224, 224}).begin()));

  // Every image equals torchvision's loader + Resize((224, 224)) (Pillow, the same libjpeg-turbo):
  // measured identical on all 2,500 files (train and val); the test compares the ones named in
  // CNNBENCH_PILLOW_ALL=1 (all) or else the 500 val images (about 3 s of Pillow).
  const char* all = std::getenv("CNNBENCH_PILLOW_ALL");
  const bool both = all != nullptr && std::string(all) == "1";
  const fs::path dir = work_dir("cats_vs_dogs_vs_pillow");
  std::string lines;
  std::vector<std::pair<const dataset*, std::size_t>> which;
  std::vector<fs::path> names;
  for (auto [ds, r] : {std::pair{&val, &rep}, std::pair{&train, &tr}}) {
    if (ds == &train && !both) continue;
    for (std::size_t i = 0; i < ds->size(); ++i) {
      lines += "load " + r->files[i].string() + " 3 224 224 " + (dir / (std::to_string(which.size()) + ".raw")).string() + "\n";
      which.emplace_back(ds, i);
      names.push_back(r->files[i]);
    }
  }
  const std::string why = pillow_ref::run(dir, lines);
  if (!why.empty() && why.rfind("FAILED", 0) != 0) CNNBENCH_SKIP(why);
  REQUIRE(why.empty());
  const std::size_t per = 3 * 224 * 224;
  std::size_t identical = 0;
  for (std::size_t k = 0; k < which.size(); ++k) {
    const bytes ref = pillow_ref::read_bytes(dir / (std::to_string(k) + ".raw"));
    REQUIRE(ref.size() == per);
    const auto diff = pillow_ref::compare(which[k].first->pixels.data() + which[k].second * per, ref.data(), per);
    INFO(names[k].string() << ": " << pillow_ref::str(diff));
    CHECK(diff.max == 0);
    identical += diff.max == 0;
  }
  CHECK(identical == which.size());
}

// ---- bad input ------------------------------------------------------------------------------------

TEST_CASE("image folder: a missing folder or a file instead of a folder is an io_error naming it", "[data][image_folder][errors]") {
  const fs::path dir = work_dir("missing");
  std::string msg = message_of<io_error>([&] { read_image_folder(dir / "nope", {3, 8, 8}); });
  check_mentions(msg, {"[cnnbench.io] ", (dir / "nope").string() + ": folder not found"});
  pillow_ref::write_bytes(dir / "file", bytes{1, 2, 3});
  msg = message_of<io_error>([&] { read_image_folder(dir / "file", {3, 8, 8}); });
  check_mentions(msg, {(dir / "file").string() + ": not a folder"});
}

TEST_CASE("image folder: no class folder, or one class only, is a data_error", "[data][image_folder][errors]") {
  const fs::path dir = work_dir("classes");
  std::string msg = message_of<data_error>([&] { read_image_folder(dir, {3, 8, 8}); });
  check_mentions(msg, {"[cnnbench.data] ", dir.string() + ": no class sub-folders"});
  fs::create_directories(dir / "cat");
  fs::copy_file(fixture / "cat" / "cat.1.jpg", dir / "cat" / "cat.1.jpg");
  msg = message_of<data_error>([&] { read_image_folder(dir, {3, 8, 8}); });
  check_mentions(msg, {dir.string() + ": only one class sub-folder (cat)"});
}

TEST_CASE("image folder: an empty class folder is a data_error naming it", "[data][image_folder][errors]") {
  const fs::path dir = good_copy("empty_class");
  fs::create_directories(dir / "bird");
  std::string msg = message_of<data_error>([&] { read_image_folder(dir, {3, 8, 8}); });
  check_mentions(msg, {(dir / "bird").string() + ": empty class folder"});
  // A class folder holding only non-image files, skipped: still empty, and it says so.
  pillow_ref::write_bytes(dir / "bird" / "notes.txt", bytes{'h', 'i'});
  msg = message_of<data_error>([&] { read_image_folder(dir, {3, 8, 8}, skipping()); });
  check_mentions(msg, {(dir / "bird").string() + ": empty class folder (no image files, 1 non-image entries skipped)"});
}

TEST_CASE("image folder: a truncated JPEG is a data_error naming the file", "[data][image_folder][errors]") {
  const fs::path dir = good_copy("truncated_jpeg");
  const bytes full = pillow_ref::read_bytes(fixture / "cat" / "cat.1.jpg");
  REQUIRE(full.size() == 16880);
  const fs::path p = dir / "dog" / "dog.5.jpg";
  // Cut in the entropy-coded data, just before the end-of-image marker, and inside the header.
  for (std::size_t keep : {full.size() / 2, full.size() - 2, std::size_t{300}, std::size_t{3}}) {
    INFO("kept " << keep << " bytes");
    pillow_ref::write_bytes(p, full.data(), keep);
    const std::string msg = message_of<data_error>([&] { read_image_folder(dir, {3, 8, 8}); });
    check_mentions(msg, {p.string() + ": "});
    CHECK((msg.find("truncated JPEG") != std::string::npos || msg.find("cannot decode") != std::string::npos));
    CHECK_THROWS_AS(load_image(p, {3, 8, 8}), data_error);
  }
  // The committed fixture (the first half of cat.1.jpg) too; the whole file is fine.
  CHECK_THROWS_WITH(load_image(bad_fixture / "truncated.jpg", {3, 8, 8}),
                    Catch::Contains((bad_fixture / "truncated.jpg").string() +
                                    ": truncated JPEG: the data ends before the image does (libjpeg-turbo: Premature end of JPEG file)"));
  pillow_ref::write_bytes(p, full);
  CHECK(read_image_folder(dir, {3, 8, 8}).size() == 7);
}

TEST_CASE("image folder: a truncated PNG and random bytes named .jpg are data_errors naming the file", "[data][image_folder][errors]") {
  const fs::path dir = good_copy("corrupt");
  const bytes png = pillow_ref::read_bytes(fixture / "dog" / "dog.316.png");
  const fs::path p = dir / "cat" / "cat.7.png";
  for (std::size_t keep : {png.size() / 2, png.size() - 12, std::size_t{40}, std::size_t{0}}) {  // - 12: without IEND
    INFO("kept " << keep << " of " << png.size() << " bytes");
    pillow_ref::write_bytes(p, png.data(), keep);
    const std::string msg = message_of<data_error>([&] { read_image_folder(dir, {3, 8, 8}); });
    check_mentions(msg, {"[cnnbench.data] ", p.string() + ": "});
  }
  fs::remove(p);
  const fs::path r = dir / "cat" / "cat.8.jpg";
  fs::copy_file(bad_fixture / "random_bytes.jpg", r);
  const std::string msg = message_of<data_error>([&] { read_image_folder(dir, {3, 8, 8}, threads(3)); });
  check_mentions(msg, {r.string() + ": cannot decode image (stb_image: unknown image type; cnnbench reads JPEG, PNG"});
}

TEST_CASE("image folder: a CMYK JPEG is a data_error naming the file and saying so", "[data][image_folder][errors]") {
  // tests/fixtures/bad_images/cmyk.jpg: cat.596.jpg saved by Pillow as "CMYK" (Adobe marker). Pillow
  // would convert it with its own CMYK -> RGB formula; cnnbench refuses it (data/jpeg.hpp).
  const fs::path dir = good_copy("cmyk");
  const fs::path p = dir / "cat" / "cat.3.jpg";
  fs::copy_file(bad_fixture / "cmyk.jpg", p);
  const std::string msg = message_of<data_error>([&] { read_image_folder(dir, {3, 8, 8}); });
  check_mentions(msg, {p.string() + ": CMYK JPEG: not decoded", "convert it to RGB first"});
  CHECK_THROWS_WITH(load_image(bad_fixture / "cmyk.jpg", {1, 8, 8}), Catch::Contains("cmyk.jpg: CMYK JPEG: not decoded"));
}

TEST_CASE("image folder: a non-image file is a data_error, or skipped and recorded with skip_non_images", "[data][image_folder][errors]") {
  const fs::path dir = good_copy("non_image");
  const fs::path txt = dir / "dog" / "README.txt";
  pillow_ref::write_bytes(txt, bytes{'h', 'i'});
  std::string msg = message_of<data_error>([&] { read_image_folder(dir, {3, 8, 8}); });
  check_mentions(msg, {txt.string() + ": not an image file (extension '.txt'", "skip_non_images"});
  image_folder_report rep;
  const dataset d = read_image_folder(dir, {3, 8, 8}, skipping(), &rep);
  CHECK(d.size() == 6);
  REQUIRE(rep.skipped.size() == 1);
  CHECK(rep.skipped[0] == txt);
  CHECK(rep.summary().find("1 skipped (" + txt.string() + ")") != std::string::npos);
  // A sub-folder inside a class folder, and a plain file next to the class folders: the same rule.
  fs::remove(txt);
  fs::create_directories(dir / "dog" / "more");
  msg = message_of<data_error>([&] { read_image_folder(dir, {3, 8, 8}); });
  check_mentions(msg, {(dir / "dog" / "more").string() + ": not an image file (not a regular file"});
  fs::remove(dir / "dog" / "more");
  pillow_ref::write_bytes(dir / "labels.csv", bytes{'x'});
  msg = message_of<data_error>([&] { read_image_folder(dir, {3, 8, 8}); });
  check_mentions(msg, {(dir / "labels.csv").string() + ": a file where only class sub-folders belong"});
  CHECK(read_image_folder(dir, {3, 8, 8}, skipping(), &rep).size() == 6);
  CHECK(rep.skipped == std::vector<fs::path>{dir / "labels.csv"});
  // Upper-case extensions are images.
  fs::rename(dir / "dog" / "dog.630.jpg", dir / "dog" / "dog.630.JPG");
  CHECK(read_image_folder(dir, {3, 8, 8}, skipping()).size() == 6);
}

TEST_CASE("image folder: the first bad file in dataset order is reported whatever the threads", "[data][image_folder][errors]") {
  const fs::path dir = good_copy("first_error");
  fs::copy_file(bad_fixture / "random_bytes.jpg", dir / "cat" / "cat.9.jpg");
  fs::copy_file(bad_fixture / "truncated.jpg", dir / "dog" / "dog.1.jpg");
  for (unsigned t : {1u, 2u, 4u, 8u}) {
    const std::string msg = message_of<data_error>([&] { read_image_folder(dir, {3, 8, 8}, threads(t)); });
    check_mentions(msg, {(dir / "cat" / "cat.9.jpg").string()});
  }
}

// ---- found by fuzzing (tests/fuzz/fuzz_image) -----------------------------------------------------

TEST_CASE("JPEG whose Huffman table declares more than 256 codes: data_error, not stb_image's out-of-bounds write", "[data][image_folder][fuzz]") {
  // tests/fixtures/fuzz/stb_dht_321_codes.jpg: cat.596.jpg mutated by libFuzzer. Its first DHT segment
  // (offset 177, length 31) holds a 10-code table and 2 bytes more; stb_image read a second table
  // past the segment whose 16 counts add up to 321 and wrote size[321] into a 257-entry array
  // (UBSan: "index 257 out of bounds"). libjpeg-turbo reads tables within the segment only and
  // refuses the 2 bytes left over.
  const fs::path p = fs::path(CNNBENCH_TEST_FIXTURES) / "fuzz" / "stb_dht_321_codes.jpg";
  REQUIRE(fs::exists(p));
  CHECK_THROWS_WITH(load_image(p, {3, 32, 32}), Catch::Matchers::Contains(p.string() + ": cannot decode JPEG (libjpeg-turbo: Bogus marker length)"));
  // The same bytes from memory, named as given.
  std::ifstream in(p, std::ios::binary);
  const bytes b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK_THROWS_WITH(decode_image(b, "mem.jpg", {1, 8, 8}), Catch::Matchers::Contains("mem.jpg: cannot decode JPEG (libjpeg-turbo: "));
  // The image it came from still decodes, from memory exactly as from its file.
  std::ifstream good_in(fixture / "cat" / "cat.596.jpg", std::ios::binary);
  const bytes good((std::istreambuf_iterator<char>(good_in)), std::istreambuf_iterator<char>());
  CHECK(decode_image(good, "cat.596.jpg", {3, 32, 32}) == load_image(fixture / "cat" / "cat.596.jpg", {3, 32, 32}));
}

TEST_CASE("JPEG whose Huffman code decodes outside its table: data_error, not stb_image's out-of-bounds read", "[data][image_folder][fuzz]") {
  // tests/fixtures/fuzz/stb_huff_decode_oob.jpg: found by fuzz_image; stb_image 2022-09 read
  // values[-16776994] in stbi__jpeg_huff_decode (UBSan at stb_image.h:2120), which no check of the
  // tables beforehand can prevent. libjpeg-turbo decodes it (as Pillow does), under ASan + UBSan
  // in the sanitize preset: it must be refused with a message naming the file, or decoded.
  const fs::path p = fs::path(CNNBENCH_TEST_FIXTURES) / "fuzz" / "stb_huff_decode_oob.jpg";
  REQUIRE(fs::exists(p));
  // Measured: libjpeg-turbo refuses it (Pillow 9.4 on the same libjpeg-turbo 2.1.5: "broken data stream").
  CHECK_THROWS_WITH(load_image(p, {3, 16, 16}),
                    Catch::Matchers::Contains(p.string() + ": cannot decode JPEG (libjpeg-turbo: Huffman table 0x03 was not defined)"));
  CHECK_THROWS_AS(load_image(p, {1, 16, 16}), data_error);
}

TEST_CASE("image header announcing more pixels than Pillow's decompression-bomb limit: refused before decoding", "[data][image_folder]") {
  // A 45-byte PNG whose IHDR announces 20000 x 20000 grey pixels (400 M > 178,956,970), then IEND:
  // stb_image would allocate for it before finding the data missing.
  const bytes b{0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a,                       // signature
                0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0x4e, 0x20, 0, 0, 0x4e, 0x20, 8, 0, 0, 0, 0,
                0, 0, 0, 0,                                                   // CRC (stb_image does not check it)
                0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};
  CHECK_THROWS_WITH(decode_image(b, "bomb.png", {1, 8, 8}),
                    Catch::Matchers::Contains("bomb.png: the header announces 20000x20000 pixels, more than the limit of 178956970"));
  // 100 x 100 with its data is fine (a PGM).
  std::string ok = "P5\n100 100\n255\n" + std::string(10000, '\x7f');
  const bytes c(ok.begin(), ok.end());
  CHECK(decode_image(c, "ok.pgm", {1, 10, 10}) == bytes(100, 0x7f));
}

TEST_CASE("PNG chunk declaring more bytes than the file has: data_error, not stb_image's 1.4 GB allocation", "[data][image_folder][fuzz]") {
  // tests/fixtures/fuzz/stb_png_idat_1_4_gb.png (379 bytes): the fuzz seed rgb.png mutated by
  // libFuzzer; its IDAT chunk at offset 33 declares 0x53444849 = 1,396,983,881 bytes, which
  // stb_image allocated (realloc) before finding them missing: libFuzzer's out-of-memory finding.
  const fs::path p = fs::path(CNNBENCH_TEST_FIXTURES) / "fuzz" / "stb_png_idat_1_4_gb.png";
  REQUIRE(fs::exists(p));
  CHECK_THROWS_WITH(load_image(p, {3, 16, 16}),
                    Catch::Matchers::Contains(p.string() + ": truncated PNG: chunk 'IDAT' at offset 33 declares 1396983881 bytes of data"));
  // The fixture's real PNGs pass the check and decode.
  CHECK(load_image(fixture / "dog" / "dog.316.png", {3, 8, 8}).size() == 3 * 8 * 8);
}

TEST_CASE("JPEG with fill bytes before its start marker: refused as an unknown format", "[data][image_folder][fuzz]") {
  // tests/fixtures/fuzz/stb_fill_bytes_before_soi.jpg starts FF FF FF D8 and holds a bad Huffman
  // table: stb_image skipped the fill bytes and decoded it as a JPEG. libjpeg requires FF D8 first
  // (as Pillow requires FF D8 FF), so it is no JPEG, and stb_image (without its JPEG decoder) knows
  // no other format that starts so.
  const fs::path p = fs::path(CNNBENCH_TEST_FIXTURES) / "fuzz" / "stb_fill_bytes_before_soi.jpg";
  REQUIRE(fs::exists(p));
  CHECK_THROWS_WITH(load_image(p, {3, 16, 16}), Catch::Matchers::Contains(p.string() + ": cannot decode image (stb_image: unknown image type"));
}

TEST_CASE("PGM header number of 10 digits or more: data_error, not stb_image's signed overflow", "[data][image_folder][fuzz]") {
  // tests/fixtures/fuzz/stb_pnm_int_overflow.pgm (17 bytes: "P5\n", 13 ones and a 7): stb_image
  // parses the width into an int without an overflow check (UBSan: "1111111111 * 10 cannot be
  // represented in type 'int'"); found by fuzz_image.
  const fs::path p = fs::path(CNNBENCH_TEST_FIXTURES) / "fuzz" / "stb_pnm_int_overflow.pgm";
  REQUIRE(fs::exists(p));
  CHECK_THROWS_WITH(load_image(p, {1, 8, 8}), Catch::Matchers::Contains(p.string() + ": corrupt PNM: the header number at offset 3 has 14 digits"));
  // tests/fixtures/fuzz/stb_pnm_truncated.pgm (14 bytes, "P5\n1\n673673" and 2 bytes): stb_image
  // ignores its short read and returned 673,673 uninitialised bytes as pixels (found by fuzz_image
  // as a timeout: resizing them under ASan took 5 s).
  const fs::path t = fs::path(CNNBENCH_TEST_FIXTURES) / "fuzz" / "stb_pnm_truncated.pgm";
  REQUIRE(fs::exists(t));
  CHECK_THROWS_WITH(load_image(t, {1, 8, 8}), Catch::Matchers::Contains(t.string() + ": truncated PNM: the header announces 1x673673 pixels "
                                                                        "of 1 bytes, the file has 2 bytes of data after offset 12"));
  const std::string short_ppm = "P6 2 2 255\n" + std::string(11, 'x');
  CHECK_THROWS_WITH(decode_image(bytes(short_ppm.begin(), short_ppm.end()), "short.ppm", {3, 2, 2}),
                    Catch::Matchers::Contains("short.ppm: truncated PNM: the header announces 2x2 pixels of 3 bytes, the file has 11"));
  // A comment, and exactly the data announced, decode.
  const std::string ok = "P5\n# comment\n2 2\n255\nabcd";
  CHECK(decode_image(bytes(ok.begin(), ok.end()), "ok.pgm", {1, 2, 2}) == bytes{'a', 'b', 'c', 'd'});
}
