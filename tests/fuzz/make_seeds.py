#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/ (standard library only; run from anywhere).

  tests/fuzz/make_seeds.py [DATA_DIR]     # DATA_DIR: the real data subsets (default $CNNBENCH_DATA_DIR)

idx/      the first 3 MNIST t10k images and 20 labels, plain and gzip (from DATA_DIR/mnist)
cifar10/  the first record of data_batch_1.bin and of test_batch.bin (DATA_DIR/cifar10)
image/    three small real JPEGs of tests/fixtures/image_folder (colour and grey), and cat.596.jpg's
          first 16x12 pixels as PNG (RGB, grey, RGBA), BMP, PPM, PGM, TGA and GIF, encoded here
npy/      float32 arrays as numpy.save writes them (format 1.0 and 2.0; shapes (2, 3), (4,), ())
cli/      command lines (arguments separated by NUL bytes)
weights/  written by the fuzzer itself: CNNBENCH_FUZZ_WRITE_SEED=corpus/weights/he_uniform_1 fuzz_weights
"""
import gzip
import os
import struct
import sys
import zlib
from pathlib import Path

here = Path(__file__).resolve().parent
corpus = here / "corpus"
data = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("CNNBENCH_DATA_DIR", ""))


def put(sub, name, payload):
    d = corpus / sub
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(payload)


# ---- IDX -------------------------------------------------------------------------------------
images = gzip.decompress((data / "mnist/t10k-images-idx3-ubyte.gz").read_bytes())
labels = gzip.decompress((data / "mnist/t10k-labels-idx1-ubyte.gz").read_bytes())
img3 = struct.pack(">IIII", 0x803, 3, 28, 28) + images[16:16 + 3 * 784]
lab20 = struct.pack(">II", 0x801, 20) + labels[8:28]
put("idx", "images3", img3)
put("idx", "images3.gz", gzip.compress(img3, 9, mtime=0))
put("idx", "labels20", lab20)
put("idx", "labels20.gz", gzip.compress(lab20, 9, mtime=0))

# ---- CIFAR-10 --------------------------------------------------------------------------------
for f in ("data_batch_1.bin", "test_batch.bin"):
    put("cifar10", f.replace(".bin", "_record0"), (data / "cifar10" / f).read_bytes()[:3073])

# ---- images ----------------------------------------------------------------------------------
fixtures = here.parent / "fixtures" / "image_folder"
for f in ("cat/cat.596.jpg", "cat/cat.146.grey.jpg", "dog/dog.630.jpg"):
    put("image", Path(f).name, (fixtures / f).read_bytes())
# 16x12 RGB pixels: a deterministic pattern (the encoders below are what is being seeded).
W, H = 16, 12
rgb = bytes((x * 16 + y * 5) & 255 if c == 0 else (y * 21) & 255 if c == 1 else (x * y * 3) & 255
            for y in range(H) for x in range(W) for c in range(3))
grey = bytes(rgb[i * 3] for i in range(W * H))


def png(w, h, colour_type, channels, px):
    raw = b"".join(b"\0" + px[y * w * channels:(y + 1) * w * channels] for y in range(h))
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, colour_type, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


rgba = bytes(v for i in range(W * H) for v in (*rgb[i * 3:i * 3 + 3], (i * 7) & 255))
put("image", "rgb.png", png(W, H, 2, 3, rgb))
put("image", "grey.png", png(W, H, 0, 1, grey))
put("image", "rgba.png", png(W, H, 6, 4, rgba))
bmp_rows = b"".join(bytes(v for x in range(W) for v in reversed(rgb[(y * W + x) * 3:(y * W + x) * 3 + 3])) for y in reversed(range(H)))
put("image", "rgb.bmp", b"BM" + struct.pack("<IHHI", 54 + len(bmp_rows), 0, 0, 54) +
    struct.pack("<IiiHHIIiiII", 40, W, H, 1, 24, 0, len(bmp_rows), 2835, 2835, 0, 0) + bmp_rows)
put("image", "rgb.ppm", b"P6\n%d %d\n255\n" % (W, H) + rgb)
put("image", "grey.pgm", b"P5\n%d %d\n255\n" % (W, H) + grey)
tga_px = b"".join(bytes(v for x in range(W) for v in reversed(rgb[(y * W + x) * 3:(y * W + x) * 3 + 3])) for y in reversed(range(H)))
put("image", "rgb.tga", struct.pack("<BBBHHBHHHHBB", 0, 0, 2, 0, 0, 0, 0, 0, W, H, 24, 0) + tga_px)
# GIF: a 4-colour palette, 4x4 image, LZW minimum code size 2 (the classic smallest encoding).
put("image", "tiny.gif", b"GIF89a" + struct.pack("<HHBBB", 4, 4, 0x81, 0, 0) + bytes([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255]) +
    b"\x2c" + struct.pack("<HHHHB", 0, 0, 4, 4, 0) + b"\x02\x05\x84\x8f\x99\x8b\x05\x00\x3b")

# ---- .npy ------------------------------------------------------------------------------------
def npy(shape, values, major=1):
    shape_text = "()" if not shape else "(%s,)" % shape[0] if len(shape) == 1 else "(%s)" % ", ".join(map(str, shape))
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % shape_text
    lb = 2 if major == 1 else 4
    pad = 64 - (10 + (lb - 2) + len(header) + 1) % 64
    header = (header + " " * pad + "\n").encode()
    head = b"\x93NUMPY" + bytes([major, 0]) + (struct.pack("<H", len(header)) if major == 1 else struct.pack("<I", len(header)))
    return head + header + struct.pack("<%df" % len(values), *values)


put("npy", "2x3.npy", npy((2, 3), [0.5, -1.0, 2.25, 3.0, 1e-3, -7.5]))
put("npy", "4.npy", npy((4,), [1.0, 2.0, 3.0, 4.0]))
put("npy", "scalar.npy", npy((), [42.0]))
put("npy", "2x3_v2.npy", npy((2, 3), [1, 2, 3, 4, 5, 6], major=2))

# ---- command lines ---------------------------------------------------------------------------
for i, args in enumerate([
        ["--epochs", "2", "--trials", "1", "--batch", "32", "--optimizer", "sgd", "--lr", "0.05", "--momentum", "0.8"],
        ["--protocol", "published", "--init", "he_uniform", "--seed", "7", "--threads", "2", "-q"],
        ["--policy", "eigen_cpu,libtorch", "--optimizer", "adam-keras", "--train-samples", "100", "--eval-train"],
        ["--lr", "1e-4", "--per-class", "3", "--synthetic", "--out", "/tmp/x", "--data", "/tmp/d"],
        ["--optimizer", "rmsprop", "--momentum", "0.9", "--device", "1", "--list-policies"]]):
    put("cli", "args%d" % i, b"\0".join(a.encode() for a in args))
print("seeds written under", corpus)
