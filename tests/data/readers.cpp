// The dataset readers on real data and on corrupt files.
//
// Real data (skipped, never passed, when absent): the MNIST files under $CNNBENCH_DATA_DIR/mnist
// (official t10k and train labels; the derived 24,345-image training subset), Fashion-MNIST under
// CNNBENCH_TEST_FASHION_MNIST_DIR, and the CIFAR-10 subset under $CNNBENCH_DATA_DIR/cifar10 (the
// first 1,017 records of each official batch). Every fact asserted is stated in the SOURCE.md next to
// the files or is a published property of the data set (class counts, first labels).
//
// Bad input: every corrupt file is generated here, under CNNBENCH_TEST_WORK_DIR, from a real file
// (or from bytes synthesised here when the real file is absent, so these tests always run), and each
// test asserts the exception type AND that its message names the file and the specific fact
// (offset, size, expected value).
#include <cnnbench/data/cifar10.hpp>
#include <cnnbench/data/idx.hpp>
#include <cnnbench/random.hpp>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iostream>
#include <span>
#include <string>
#include <vector>

#include "support/catch.hpp"
#include "support/data_dir.hpp"

using namespace cnnbench;
namespace fs = std::filesystem;

namespace {

// The environment variable CNNBENCH_DATA_DIR, else the CMake value (support/data_dir.hpp).
const fs::path mnist_dir = test_support::data_subdir("mnist");
const fs::path cifar_dir = test_support::data_subdir("cifar10");
const fs::path fashion_dir = CNNBENCH_TEST_FASHION_MNIST_DIR;

using bytes = std::vector<std::uint8_t>;

/// A fresh folder under the test work directory for the corrupt fixtures of one test.
fs::path work_dir(const std::string& test) {
  const fs::path d = fs::path(CNNBENCH_TEST_WORK_DIR) / "data_readers" / test;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

bytes read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  REQUIRE(in.good());
  return bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_file(const fs::path& p, const bytes& b) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  REQUIRE(out.good());
}

/// gzip (RFC 1952) of `raw` at level 9, with zlib.
bytes gzip(const bytes& raw) {
  z_stream s{};
  REQUIRE(deflateInit2(&s, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  bytes out(deflateBound(&s, static_cast<uLong>(raw.size())));
  s.next_in = const_cast<Bytef*>(raw.data());
  s.avail_in = static_cast<uInt>(raw.size());
  s.next_out = out.data();
  s.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&s, Z_FINISH) == Z_STREAM_END);
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

void put_be32(bytes& b, std::size_t at, std::uint32_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 24);
  b[at + 1] = static_cast<std::uint8_t>(v >> 16);
  b[at + 2] = static_cast<std::uint8_t>(v >> 8);
  b[at + 3] = static_cast<std::uint8_t>(v);
}

/// An IDX label file (decompressed): the real MNIST t10k labels, or 10,000 synthesised ones.
bytes idx_labels_source() {
  const fs::path real = mnist_dir / "t10k-labels-idx1-ubyte.gz";
  if (fs::exists(real)) return read_maybe_gzip(real);
  bytes b(8 + 10000);
  put_be32(b, 0, 0x801);
  put_be32(b, 4, 10000);
  rng r(7);
  for (std::size_t i = 8; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(r.below(10));
  return b;
}

/// The gzip file of idx_labels_source(): the real .gz, or the synthesised labels gzipped here.
bytes idx_labels_gz_source() {
  const fs::path real = mnist_dir / "t10k-labels-idx1-ubyte.gz";
  return fs::exists(real) ? read_file(real) : gzip(idx_labels_source());
}

/// An IDX image file (decompressed) with 28x28 images: the real MNIST t10k images, or 100 synthesised ones.
bytes idx_images_source() {
  const fs::path real = mnist_dir / "t10k-images-idx3-ubyte.gz";
  if (fs::exists(real)) return read_maybe_gzip(real);
  bytes b(16 + 100 * 784);
  put_be32(b, 0, 0x803);
  put_be32(b, 4, 100);
  put_be32(b, 8, 28);
  put_be32(b, 12, 28);
  rng r(8);
  for (std::size_t i = 16; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(r.next_u64() >> 56);
  return b;
}

/// The first `records` records of a CIFAR-10 batch: real (data_batch_1.bin) or synthesised.
bytes cifar_source(std::size_t records) {
  const fs::path real = cifar_dir / "data_batch_1.bin";
  if (fs::exists(real)) {
    bytes b = read_file(real);
    REQUIRE(b.size() >= records * 3073);
    b.resize(records * 3073);
    return b;
  }
  bytes b(records * 3073);
  rng r(9);
  for (std::size_t i = 0; i < b.size(); ++i)
    b[i] = static_cast<std::uint8_t>(i % 3073 == 0 ? r.below(10) : r.next_u64() >> 56);
  return b;
}

/// Runs f, requires it to throw E, and returns the message.
template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  FAIL("the expected exception was not thrown");
  return {};
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

/// Every part must occur in the message.
void check_mentions(const std::string& msg, std::initializer_list<std::string> parts) {
  INFO("message: " << msg);
  for (const auto& part : parts) {
    INFO("expected to mention: " << part);
    CHECK(contains(msg, part));
  }
}

/// The number after `key` in `msg` (e.g. "compressed offset "), or -1.
long number_after(const std::string& msg, const std::string& key) {
  const auto at = msg.find(key);
  if (at == std::string::npos) return -1;
  return std::stol(msg.substr(at + key.size()));
}

std::array<std::size_t, 10> class_counts(const dataset& d, std::size_t first = 0, std::size_t count = SIZE_MAX) {
  std::array<std::size_t, 10> c{};
  for (std::size_t i = first; i < d.size() && i - first < count; ++i) ++c.at(static_cast<std::size_t>(d.labels[i]));
  return c;
}

std::vector<std::int32_t> first_labels(const dataset& d, std::size_t first, std::size_t count) {
  return {d.labels.begin() + static_cast<std::ptrdiff_t>(first), d.labels.begin() + static_cast<std::ptrdiff_t>(first + count)};
}

}  // namespace

// ---- real data: MNIST ---------------------------------------------------------------------------

TEST_CASE("MNIST t10k: 10,000 28x28 images, the known first labels and class counts", "[data][mnist]") {
  const fs::path images = mnist_dir / "t10k-images-idx3-ubyte.gz", labels = mnist_dir / "t10k-labels-idx1-ubyte.gz";
  if (!fs::exists(images)) CNNBENCH_SKIP(images.string() << " not found");
  if (!fs::exists(labels)) CNNBENCH_SKIP(labels.string() << " not found");
  const dataset d = read_idx_dataset(images, labels, 10, "mnist/t10k");
  CHECK(d.name == "mnist/t10k");
  CHECK(d.size() == 10000);
  CHECK(d.sample_shape == shape{1, 28, 28});
  CHECK(d.classes == 10);
  CHECK(d.norm == normalization::unit);
  CHECK(d.pixels.size() == 10000u * 784u);  // SOURCE.md: decompressed 7,840,016 B = 16 + 10000 * 784
  CHECK(d.values.empty());
  CHECK(first_labels(d, 0, 10) == std::vector<std::int32_t>{7, 2, 1, 0, 4, 1, 4, 9, 5, 9});
  CHECK(class_counts(d) == std::array<std::size_t, 10>{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009});
  // Pixels are the file's bytes in order: uint8 0..255, the digit strokes saturate at 255.
  CHECK(*std::max_element(d.pixels.begin(), d.pixels.end()) == 255);
  CHECK(*std::min_element(d.pixels.begin(), d.pixels.end()) == 0);
  const bytes raw = read_maybe_gzip(images);
  REQUIRE(raw.size() == 7'840'016u);
  CHECK(std::equal(d.pixels.begin(), d.pixels.end(), raw.begin() + 16));
}

TEST_CASE("MNIST training subset: the first 24,345 images with the counts of SOURCE.md", "[data][mnist]") {
  const fs::path images = mnist_dir / "train-images-subset-idx3-ubyte.gz",
                 labels = mnist_dir / "train-labels-subset-idx1-ubyte.gz";
  if (!fs::exists(images)) CNNBENCH_SKIP(images.string() << " not found");
  if (!fs::exists(labels)) CNNBENCH_SKIP(labels.string() << " not found");
  const dataset d = read_idx_dataset(images, labels);
  CHECK(d.name == "train-images-subset-idx3-ubyte.gz");  // default name: the image file's name
  CHECK(d.size() == 24345);
  CHECK(d.sample_shape == shape{1, 28, 28});
  CHECK(d.pixels.size() == 19'086'496u - 16u);  // SOURCE.md: decompressed size, minus the 16-byte header
  CHECK(first_labels(d, 0, 10) == std::vector<std::int32_t>{5, 0, 4, 1, 9, 2, 1, 3, 1, 4});
  CHECK(class_counts(d) == std::array<std::size_t, 10>{2406, 2770, 2381, 2524, 2386, 2181, 2401, 2524, 2328, 2444});

  // The subset's labels are the first 24,345 of the official 60,000 training labels.
  const fs::path full = mnist_dir / "train-labels-idx1-ubyte.gz";
  if (!fs::exists(full)) CNNBENCH_SKIP(full.string() << " not found");
  const idx_file all = read_idx(full, 1);
  REQUIRE(all.dims == std::vector<std::uint32_t>{60000});
  CHECK(std::equal(d.labels.begin(), d.labels.end(), all.data.begin()));
  std::array<std::size_t, 10> counts{};
  for (auto l : all.data) ++counts.at(l);
  CHECK(counts == std::array<std::size_t, 10>{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949});
}

TEST_CASE("IDX: an uncompressed copy reads the same as the gzip file", "[data][mnist]") {
  const fs::path gz = mnist_dir / "t10k-labels-idx1-ubyte.gz";
  const fs::path dir = work_dir("plain_idx");
  const fs::path plain = dir / "labels-idx1-ubyte";
  write_file(plain, idx_labels_source());
  const idx_file a = read_idx(plain, 1);
  CHECK(a.dims == std::vector<std::uint32_t>{10000});
  if (!fs::exists(gz)) CNNBENCH_SKIP(gz.string() << " not found");
  const idx_file b = read_idx(gz, 1);
  CHECK(a.dims == b.dims);
  CHECK(a.data == b.data);
}

// ---- real data: Fashion-MNIST -------------------------------------------------------------------

TEST_CASE("Fashion-MNIST: 60,000 + 10,000 28x28 images, 10 balanced classes", "[data][fashion-mnist]") {
  const fs::path files[] = {fashion_dir / "train-images-idx3-ubyte.gz", fashion_dir / "train-labels-idx1-ubyte.gz",
                            fashion_dir / "t10k-images-idx3-ubyte.gz", fashion_dir / "t10k-labels-idx1-ubyte.gz"};
  for (const auto& f : files)
    if (!fs::exists(f)) CNNBENCH_SKIP(f.string() << " not found");
  const dataset train = read_idx_dataset(files[0], files[1], 10, "fashion-mnist/train");
  const dataset test = read_idx_dataset(files[2], files[3], 10, "fashion-mnist/test");
  CHECK(train.size() == 60000);
  CHECK(test.size() == 10000);
  for (const dataset* d : {&train, &test}) {
    CHECK(d->sample_shape == shape{1, 28, 28});
    CHECK(d->classes == 10);
    CHECK(d->pixels.size() == d->size() * 784);
  }
  // Ankle boot, T-shirt, T-shirt, Dress, T-shirt, Pullover, Sneaker, Pullover, Sandal, Sandal.
  CHECK(first_labels(train, 0, 10) == std::vector<std::int32_t>{9, 0, 0, 3, 0, 2, 7, 2, 5, 5});
  CHECK(first_labels(test, 0, 10) == std::vector<std::int32_t>{9, 2, 1, 1, 6, 1, 4, 6, 5, 7});
  std::array<std::size_t, 10> six{}, one{};
  six.fill(6000);
  one.fill(1000);
  CHECK(class_counts(train) == six);
  CHECK(class_counts(test) == one);
}

// ---- real data: CIFAR-10 ------------------------------------------------------------------------

TEST_CASE("CIFAR-10 subset: 1,017 records per batch, first labels and class counts of SOURCE.md", "[data][cifar10]") {
  const char* names[] = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                         "data_batch_5.bin", "test_batch.bin"};
  for (const char* n : names)
    if (!fs::exists(cifar_dir / n)) CNNBENCH_SKIP((cifar_dir / n).string() << " not found");
  const std::vector<std::vector<std::int32_t>> first = {
      {6, 9, 9, 4, 1, 1, 2, 7, 8, 3}, {1, 6, 6, 8, 8, 3, 4, 6, 0, 6}, {8, 5, 0, 6, 9, 2, 8, 3, 6, 2},
      {0, 6, 0, 2, 7, 2, 1, 2, 4, 1}, {1, 8, 5, 1, 5, 7, 4, 3, 8, 2}, {3, 8, 8, 0, 6, 6, 1, 6, 3, 1}};

  SECTION("each file on its own") {
    for (std::size_t f = 0; f < 6; ++f) {
      INFO(names[f]);
      const dataset d = read_cifar10_batches({cifar_dir / names[f]});
      CHECK(d.name == names[f]);
      CHECK(d.size() == 1017);
      CHECK(d.sample_shape == shape{3, 32, 32});
      CHECK(d.classes == 10);
      CHECK(d.norm == normalization::unit);
      CHECK(d.pixels.size() == 1017u * 3072u);
      CHECK(first_labels(d, 0, 10) == first[f]);
    }
  }
  SECTION("cifar10_train: the five batches in order, with the train class counts") {
    const dataset d = cifar10_train(cifar_dir);
    CHECK(d.name == "cifar10/train");
    CHECK(d.size() == 5085);
    CHECK(d.sample_shape == shape{3, 32, 32});
    CHECK(d.pixels.size() == 5085u * 3072u);
    for (std::size_t f = 0; f < 5; ++f) CHECK(first_labels(d, f * 1017, 10) == first[f]);
    CHECK(class_counts(d) == std::array<std::size_t, 10>{517, 524, 490, 493, 537, 475, 503, 516, 529, 501});
    d.check();
  }
  SECTION("cifar10_test: test_batch.bin, with the test class counts") {
    const dataset d = cifar10_test(cifar_dir);
    CHECK(d.name == "cifar10/test");
    CHECK(d.size() == 1017);
    CHECK(first_labels(d, 0, 10) == first[5]);
    CHECK(class_counts(d) == std::array<std::size_t, 10>{105, 93, 100, 104, 92, 87, 114, 102, 110, 110});
  }
  SECTION("pixels are the records' bytes without the label, planes R, G, B unchanged (NCHW)") {
    const bytes raw = read_file(cifar_dir / "data_batch_1.bin");
    REQUIRE(raw.size() == 3'125'241u);  // SOURCE.md
    const dataset d = read_cifar10_batches({cifar_dir / "data_batch_1.bin"});
    for (std::size_t r : {std::size_t{0}, std::size_t{1}, std::size_t{500}, std::size_t{1016}}) {
      INFO("record " << r);
      CHECK(d.labels[r] == raw[r * 3073]);
      CHECK(std::equal(d.pixels.begin() + static_cast<std::ptrdiff_t>(r * 3072),
                       d.pixels.begin() + static_cast<std::ptrdiff_t>((r + 1) * 3072),
                       raw.begin() + static_cast<std::ptrdiff_t>(r * 3073 + 1)));
    }
    // Record 0's first pixel (top left) in each channel: R at byte 1, G at 1 + 1024, B at 1 + 2048;
    // after fill(), channel c of the float image starts at c * 1024.
    std::vector<float> x(3072);
    std::int32_t y = -1;
    const std::size_t idx[] = {0};
    d.fill(idx, x.data(), &y);
    CHECK(y == 6);
    for (std::size_t c = 0; c < 3; ++c) CHECK(x[c * 1024] == static_cast<float>(raw[1 + c * 1024]) / 255.0f);
  }
}

// ---- bad input ----------------------------------------------------------------------------------

TEST_CASE("missing files: io_error naming the path", "[data][errors]") {
  const fs::path dir = work_dir("missing");
  const fs::path nope = dir / "no-such-file-idx3-ubyte.gz";
  write_file(dir / "labels-idx1-ubyte", idx_labels_source());
  write_file(dir / "images-idx3-ubyte", idx_images_source());

  std::string msg = message_of<io_error>([&] { read_idx_dataset(nope, dir / "labels-idx1-ubyte"); });
  check_mentions(msg, {"[cnnbench.io] ", nope.string() + ": file not found"});

  msg = message_of<io_error>([&] { read_idx_dataset(dir / "images-idx3-ubyte", nope); });
  check_mentions(msg, {nope.string() + ": file not found"});

  const fs::path bin = dir / "no_batch.bin";
  msg = message_of<io_error>([&] { read_cifar10_batches({bin}); });
  check_mentions(msg, {"[cnnbench.io] ", bin.string() + ": file not found"});

  msg = message_of<io_error>([&] { cifar10_train(dir); });  // an empty folder: the first batch is missing
  check_mentions(msg, {(dir / "data_batch_1.bin").string() + ": file not found"});
  msg = message_of<io_error>([&] { cifar10_test(dir); });
  check_mentions(msg, {(dir / "test_batch.bin").string() + ": file not found"});
}

TEST_CASE("truncated gzip: data_error naming the file and the compressed offset where it ends", "[data][errors]") {
  const fs::path dir = work_dir("truncated_gzip");
  bytes gz = idx_labels_gz_source();
  REQUIRE(gz.size() > 100);
  const std::size_t cut = gz.size() / 2;
  gz.resize(cut);
  const fs::path p = dir / "t10k-labels-truncated-idx1-ubyte.gz";
  write_file(p, gz);
  const std::string msg = message_of<data_error>([&] { read_idx(p, 1); });
  check_mentions(msg, {"[cnnbench.data] ", p.string() + ": truncated gzip stream",
                       "compressed offset " + std::to_string(cut)});

  // Cut just before the 8-byte trailer (CRC-32 and length): the deflate data is complete, the end is not.
  bytes whole = idx_labels_gz_source();
  whole.resize(whole.size() - 8);
  const fs::path q = dir / "t10k-labels-no-trailer-idx1-ubyte.gz";
  write_file(q, whole);
  const std::string msg2 = message_of<data_error>([&] { read_idx(q, 1); });
  check_mentions(msg2, {q.string() + ": truncated gzip stream", "compressed offset " + std::to_string(whole.size())});
}

TEST_CASE("corrupt gzip: data_error naming the file and a compressed offset past the damage", "[data][errors]") {
  const fs::path dir = work_dir("corrupt_gzip");
  bytes gz = idx_labels_gz_source();
  REQUIRE(gz.size() > 200);
  // Flip 32 bytes in the middle of the deflate stream (well past the 10-byte gzip header and the
  // file name field, well before the 8-byte trailer).
  const std::size_t from = gz.size() / 2;
  for (std::size_t i = from; i < from + 32; ++i) gz[i] ^= 0xff;
  const fs::path p = dir / "t10k-labels-corrupt-idx1-ubyte.gz";
  write_file(p, gz);
  const std::string msg = message_of<data_error>([&] { read_idx(p, 1); });
  check_mentions(msg, {"[cnnbench.data] ", p.string() + ": corrupt gzip data near compressed offset "});
  const long offset = number_after(msg, "compressed offset ");
  INFO("message: " << msg);
  CHECK(offset >= static_cast<long>(from));
  CHECK(offset <= static_cast<long>(gz.size()));

  // A damaged CRC-32 in the trailer: the body inflates, the check fails.
  bytes crc = idx_labels_gz_source();
  crc[crc.size() - 8] ^= 0x01;
  const fs::path q = dir / "t10k-labels-bad-crc-idx1-ubyte.gz";
  write_file(q, crc);
  const std::string msg2 = message_of<data_error>([&] { read_idx(q, 1); });
  check_mentions(msg2, {q.string() + ": corrupt gzip data near compressed offset ", "incorrect data check"});
}

TEST_CASE("wrong IDX magic: data_error naming the file, offset 0, the magic found and the one expected", "[data][errors]") {
  const fs::path dir = work_dir("bad_magic");
  bytes labels = idx_labels_source();
  put_be32(labels, 0, 0x803);  // an image magic in a label file
  const fs::path lp = dir / "labels-idx1-ubyte";
  write_file(lp, labels);
  bytes images = idx_images_source();
  images.resize(16 + 2 * 784);
  put_be32(images, 4, 2);
  const fs::path ip = dir / "images-idx3-ubyte";
  write_file(ip, images);

  std::string msg = message_of<data_error>([&] { read_idx_dataset(ip, lp); });
  check_mentions(msg, {lp.string() + ": bad IDX magic 0x00000803 at offset 0, expected 0x00000801"});

  images[3] = 0x01;  // magic 0x00000801: a label magic in an image file
  write_file(ip, images);
  msg = message_of<data_error>([&] { read_idx(ip, 3); });
  check_mentions(msg, {ip.string() + ": bad IDX magic 0x00000801 at offset 0, expected 0x00000803"});

  images[2] = 0x0d;  // type byte 0x0d (float): only uint8 (0x08) is read
  images[3] = 0x03;
  write_file(ip, images);
  msg = message_of<data_error>([&] { read_idx(ip, 3); });
  check_mentions(msg, {ip.string() + ": bad IDX magic 0x00000d03 at offset 0, expected 0x00000803"});

  // The same through gzip: the message names the .gz file.
  const fs::path gp = dir / "labels-idx1-ubyte.gz";
  write_file(gp, gzip(labels));
  msg = message_of<data_error>([&] { read_idx(gp, 1); });
  check_mentions(msg, {gp.string() + ": bad IDX magic 0x00000803 at offset 0, expected 0x00000801"});
}

TEST_CASE("IDX header announcing more images than the body holds: data_error with both sizes", "[data][errors]") {
  const fs::path dir = work_dir("short_body");
  bytes images = idx_images_source();
  const std::uint32_t announced = detail::be32(images, 4);
  REQUIRE(announced > 5);
  images.resize(16 + 5 * 784);  // header unchanged, 5 images left
  const fs::path p = dir / "images-idx3-ubyte";
  write_file(p, images);
  std::string msg = message_of<data_error>([&] { read_idx(p, 3); });
  check_mentions(msg, {p.string() + ": truncated IDX body: header announces " + std::to_string(announced * 784u) +
                           " bytes after offset 16, file has " + std::to_string(5 * 784)});

  // The same gzipped (a well-formed gzip stream of a short IDX body).
  const fs::path g = dir / "images-idx3-ubyte.gz";
  bytes ten_thousand = images;
  put_be32(ten_thousand, 4, 10000);
  write_file(g, gzip(ten_thousand));
  msg = message_of<data_error>([&] { read_idx_dataset(g, dir / "none"); });
  // (Refused from the header alone: 10,000 images cannot come out of a few kilobytes of deflate data.)
  check_mentions(msg, {g.string() + ": truncated IDX body: header announces " + std::to_string(10000 * 784),
                       "more than the file's", "compressed bytes can inflate to"});
  // A gzip body that could hold the announced size but ends early: the bytes it has.
  bytes six = images;
  put_be32(six, 4, 6);
  write_file(g, gzip(six));
  msg = message_of<data_error>([&] { read_idx(g, 3); });
  check_mentions(msg, {g.string() + ": truncated IDX body: header announces " + std::to_string(6 * 784) +
                           " bytes after offset 16, file has " + std::to_string(5 * 784)});

  // A header cut short, a zero dimension, and bytes after the body.
  write_file(p, bytes(images.begin(), images.begin() + 10));
  msg = message_of<data_error>([&] { read_idx(p, 3); });
  check_mentions(msg, {p.string() + ": truncated IDX header: 10 bytes, expected 16"});

  bytes zero = images;
  put_be32(zero, 8, 0);
  write_file(p, zero);
  msg = message_of<data_error>([&] { read_idx(p, 3); });
  check_mentions(msg, {p.string() + ": dimension 1 at offset 8 is 0"});

  bytes extra = images;
  put_be32(extra, 4, 5);
  extra.insert(extra.end(), {1, 2, 3});
  write_file(p, extra);
  msg = message_of<data_error>([&] { read_idx(p, 3); });
  check_mentions(msg, {p.string() + ": 3 unexpected bytes after the IDX body at offset " + std::to_string(16 + 5 * 784)});
}

TEST_CASE("IDX image and label counts that disagree: data_error naming both files and both counts", "[data][errors]") {
  const fs::path dir = work_dir("count_mismatch");
  bytes images = idx_images_source();
  images.resize(16 + 5 * 784);
  put_be32(images, 4, 5);
  const fs::path ip = dir / "images-idx3-ubyte";
  write_file(ip, images);
  const bytes labels = idx_labels_source();
  const std::uint32_t n_labels = detail::be32(labels, 4);
  const fs::path lp = dir / "labels-idx1-ubyte.gz";
  write_file(lp, gzip(labels));
  const std::string msg = message_of<data_error>([&] { read_idx_dataset(ip, lp); });
  check_mentions(msg, {ip.string() + " has 5 images but " + lp.string() + " has " + std::to_string(n_labels) + " labels"});
}

TEST_CASE("IDX label not below the class count: data_error naming the file, the offset and the value", "[data][errors]") {
  const fs::path dir = work_dir("bad_idx_label");
  bytes images = idx_images_source();
  images.resize(16 + 5 * 784);
  put_be32(images, 4, 5);
  bytes labels = idx_labels_source();
  labels.resize(8 + 5);
  put_be32(labels, 4, 5);
  labels[8 + 3] = 10;
  const fs::path ip = dir / "images-idx3-ubyte", lp = dir / "labels-idx1-ubyte";
  write_file(ip, images);
  write_file(lp, labels);
  const std::string msg = message_of<data_error>([&] { read_idx_dataset(ip, lp); });
  check_mentions(msg, {lp.string() + ": label 10 at offset 11 is not below 10"});
  // With 11 classes the same files are fine.
  CHECK(read_idx_dataset(ip, lp, 11).labels[3] == 10);
}

TEST_CASE("CIFAR-10 file size not a multiple of 3073: data_error with the size, record size and offset", "[data][errors]") {
  const fs::path dir = work_dir("cifar_size");
  bytes b = cifar_source(3);
  b.resize(2 * 3073 + 100);  // two records, then 100 bytes of the third
  const fs::path p = dir / "data_batch_1.bin";
  write_file(p, b);
  std::string msg = message_of<data_error>([&] { read_cifar10_batches({p}); });
  check_mentions(msg, {"[cnnbench.data] ", p.string() + ": size 6246 bytes is not a multiple of the record size 3073 bytes",
                       "starting at offset 6146"});

  // The bad file second in a list: the message names it, not the first.
  const fs::path good = dir / "good.bin";
  write_file(good, cifar_source(2));
  msg = message_of<data_error>([&] { read_cifar10_batches({good, p}); });
  check_mentions(msg, {p.string() + ": size 6246 bytes"});
  CHECK_FALSE(contains(msg, good.string()));

  // One byte short of a record: the incomplete record starts at 0.
  write_file(p, bytes(3072, 0));
  msg = message_of<data_error>([&] { read_cifar10_batches({p}); });
  check_mentions(msg, {p.string() + ": size 3072 bytes", "starting at offset 0"});

  write_file(p, bytes{});
  msg = message_of<data_error>([&] { read_cifar10_batches({p}); });
  check_mentions(msg, {p.string() + ": empty file (0 bytes)"});

  CHECK_THROWS_AS(read_cifar10_batches({}), value_error);
}

TEST_CASE("CIFAR-10 label byte above 9: data_error naming the file, the offset and the value", "[data][errors]") {
  const fs::path dir = work_dir("cifar_label");
  bytes b = cifar_source(3);
  b[2 * 3073] = 10;  // the third record's label
  const fs::path p = dir / "test_batch.bin";
  write_file(p, b);
  std::string msg = message_of<data_error>([&] { cifar10_test(dir); });
  check_mentions(msg, {p.string() + ": label 10 at offset 6146 (record 2) is not in 0..9"});

  b[2 * 3073] = 255;
  write_file(p, b);
  msg = message_of<data_error>([&] { read_cifar10_batches({p}); });
  check_mentions(msg, {p.string() + ": label 255 at offset 6146"});

  // Label 9 is the largest valid one; a pixel byte of 255 is no label.
  b[2 * 3073] = 9;
  b[2 * 3073 + 1] = 255;
  write_file(p, b);
  const dataset d = read_cifar10_batches({p});
  CHECK(d.size() == 3);
  CHECK(d.labels[2] == 9);
  CHECK(d.pixels[2 * 3072] == 255);
}

// ---- a header whose dimensions overflow size_t (a bug found and fixed in idx.hpp) -------------------

TEST_CASE("IDX: a header whose dimensions multiply past 2^64 is rejected", "[data][errors]") {
  // 2^22 * 2^21 * 2^21 = 2^64 bytes announced: before the fix, read_idx's `body *= dims` wrapped to 0
  // and a file of a bare 16-byte header was accepted as 4,194,304 images of 2097152x2097152.
  const fs::path dir = work_dir("idx_overflow");
  bytes header(16);
  put_be32(header, 0, 0x803);
  put_be32(header, 4, 1u << 22);
  put_be32(header, 8, 1u << 21);
  put_be32(header, 12, 1u << 21);
  const fs::path p = dir / "images-idx3-ubyte";
  write_file(p, header);
  const std::string msg = message_of<data_error>([&] { read_idx(p, 3); });
  check_mentions(msg, {p.string()});
}

// ---- bounded memory on hostile files (issue 13 part 5) ------------------------------------------

namespace {
/// A gzip file of an IDX label file announcing `labels` labels, then `zeros` zero bytes: deflated
/// in 1 MiB steps, so that neither the test nor zlib holds the inflated size.
bytes gzip_idx_labels_then_zeros(std::uint32_t labels, std::size_t zeros) {
  bytes head(8 + labels, 0);
  put_be32(head, 0, 0x801);
  put_be32(head, 4, labels);
  z_stream s{};
  REQUIRE(deflateInit2(&s, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  bytes out;
  bytes buf(1 << 16);
  const bytes block(1 << 20, 0);
  auto feed = [&](const std::uint8_t* p, std::size_t n, int flush) {
    s.next_in = const_cast<Bytef*>(p);
    s.avail_in = static_cast<uInt>(n);
    do {
      s.next_out = buf.data();
      s.avail_out = static_cast<uInt>(buf.size());
      REQUIRE(deflate(&s, flush) != Z_STREAM_ERROR);
      out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(buf.size() - s.avail_out));
    } while (s.avail_out == 0);
  };
  feed(head.data(), head.size(), Z_NO_FLUSH);
  for (std::size_t left = zeros; left > 0;) {
    const std::size_t k = std::min(left, block.size());
    left -= k;
    feed(block.data(), k, left == 0 ? Z_FINISH : Z_NO_FLUSH);
  }
  deflateEnd(&s);
  return out;
}

/// VmHWM or VmRSS of this process in KiB (/proc/self/status).
long proc_status_kib(const std::string& key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key + ":", 0) == 0) return std::stol(line.substr(key.size() + 1));
  return -1;
}
}  // namespace

TEST_CASE("IDX gzip bomb: 10 labels then 512 MiB of zeros is refused with at most 64 MiB of peak memory", "[data][errors][memory]") {
  // Before the streaming reader, read_idx inflated the whole file into memory before checking
  // its size (the issue measured 2.4 GB peak for 1 GB of zeros). The read runs in a child process,
  // whose peak resident memory (VmHWM) is compared with its resident memory before the read.
  const fs::path dir = work_dir("gzip_bomb");
  const fs::path p = dir / "bomb-labels-idx1-ubyte.gz";
  const std::size_t zeros = std::size_t{512} << 20;
  const bytes gz = gzip_idx_labels_then_zeros(10, zeros);
  INFO("compressed size " << gz.size() << " bytes, inflates to " << (8 + 10 + zeros) << " bytes");
  REQUIRE(gz.size() < 2'000'000);
  write_file(p, gz);
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    close(fds[0]);
    const long before = proc_status_kib("VmRSS");
    std::string result;
    try {
      read_idx(p, 1);
      result = "no exception";
    } catch (const data_error& e) {
      result = e.what();
    } catch (const std::exception& e) {
      result = std::string("other exception: ") + e.what();
    }
    const long growth = proc_status_kib("VmHWM") - before;
    const std::string msg = std::to_string(growth) + "\n" + result;
    (void)!write(fds[1], msg.data(), msg.size());
    _exit(0);
  }
  close(fds[1]);
  std::string got;
  char chunk[4096];
  for (ssize_t k; (k = read(fds[0], chunk, sizeof chunk)) > 0;) got.append(chunk, static_cast<std::size_t>(k));
  close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  REQUIRE(WIFEXITED(status));
  const auto nl = got.find('\n');
  REQUIRE(nl != std::string::npos);
  const long growth_kib = std::stol(got.substr(0, nl));
  const std::string msg = got.substr(nl + 1);
  INFO("peak resident memory growth while reading: " << growth_kib << " KiB");
  std::cout << "gzip bomb: " << gz.size() << " compressed bytes, " << (8 + 10 + zeros) << " inflated; peak resident memory growth "
            << growth_kib << " KiB\n";
  check_mentions(msg, {"[cnnbench.data] ", p.string() + ": more than 65536 unexpected bytes after the IDX body at offset 18"});
  CHECK(growth_kib >= 0);
  CHECK(growth_kib < 64 * 1024);
}

TEST_CASE("IDX gzip: concatenated members read as one stream, other bytes after the stream are refused", "[data][errors]") {
  const fs::path dir = work_dir("gzip_members");
  const bytes labels = idx_labels_source();
  const std::size_t half = labels.size() / 2;
  bytes two = gzip(bytes(labels.begin(), labels.begin() + static_cast<std::ptrdiff_t>(half)));
  const bytes second = gzip(bytes(labels.begin() + static_cast<std::ptrdiff_t>(half), labels.end()));
  two.insert(two.end(), second.begin(), second.end());
  const fs::path p = dir / "labels-idx1-ubyte.gz";
  write_file(p, two);
  const idx_file f = read_idx(p, 1);
  CHECK(f.data == bytes(labels.begin() + 8, labels.end()));
  // The same bytes from memory.
  CHECK(read_idx(std::span<const std::uint8_t>(two), "mem.gz", 1).data == f.data);

  bytes junk = gzip(labels);
  const std::size_t end = junk.size();
  junk.insert(junk.end(), {'j', 'u', 'n', 'k'});
  write_file(p, junk);
  const std::string msg = message_of<data_error>([&] { read_idx(p, 1); });
  check_mentions(msg, {p.string() + ": bytes after the end of the gzip stream at compressed offset " + std::to_string(end)});
}

TEST_CASE("CIFAR-10 from memory: the same records as from the file, the same errors", "[data][errors]") {
  const fs::path dir = work_dir("cifar_memory");
  const bytes b = cifar_source(3);
  const fs::path p = dir / "data_batch_1.bin";
  write_file(p, b);
  const dataset from_file = read_cifar10_batches({p}), from_memory = read_cifar10_bytes(b, "mem.bin");
  CHECK(from_memory.pixels == from_file.pixels);
  CHECK(from_memory.labels == from_file.labels);
  CHECK(from_memory.sample_shape == cifar10_sample_shape);
  bytes bad = b;
  bad[3073] = 12;
  const std::string msg = message_of<data_error>([&] { read_cifar10_bytes(bad, "mem.bin"); });
  check_mentions(msg, {"mem.bin: label 12 at offset 3073 (record 1) is not in 0..9"});
}
