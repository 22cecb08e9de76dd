#!/usr/bin/env python3
"""Pillow reference for tests/data/image_folder.cpp and tests/data/augment.cpp.

Usage: pillow_image_reference.py JOBS_FILE
Each line of JOBS_FILE is one job (fields separated by spaces; raw images are uint8 planar CHW,
C = 1 (Pillow mode "L") or 3 ("RGB")):
  resize IN.raw C H W OH OW OUT.raw      Image.resize((OW, OH), Resampling.BILINEAR)
  load   FILE C OH OW OUT.raw            Image.open(FILE).convert("L"/"RGB").resize((OW, OH), BILINEAR)
                                         (torchvision ImageFolder's loader + transforms.Resize((OH, OW)))
  decode FILE C OUT.raw                  Image.open(FILE).convert("L"/"RGB"), no resize; writes H W first
                                         as two little-endian uint32
  rotate IN.raw C H W ANGLE OUT.raw      Image.rotate(ANGLE, resample=BILINEAR, fillcolor=0)
                                         (torchvision RandomRotation on a PIL image, counter-clockwise)
  flip   IN.raw C H W OUT.raw            Image.transpose(FLIP_LEFT_RIGHT) (RandomHorizontalFlip)
Exit status 3 when Pillow is missing (the C++ test then reports "skipped: ...").
"""
import struct
import sys

try:
    from PIL import Image
except ImportError:
    print("Pillow (python3-pil) not installed", file=sys.stderr)
    sys.exit(3)

BILINEAR = getattr(Image, "Resampling", Image).BILINEAR
FLIP = getattr(Image, "Transpose", Image).FLIP_LEFT_RIGHT


def mode(c):
    return {1: "L", 3: "RGB"}[int(c)]


def from_planar(path, c, h, w):
    data = open(path, "rb").read()
    assert len(data) == c * h * w, (path, len(data), c, h, w)
    if c == 1:
        return Image.frombytes("L", (w, h), data)
    planes = [Image.frombytes("L", (w, h), data[i * h * w:(i + 1) * h * w]) for i in range(c)]
    return Image.merge("RGB", planes)


def to_planar(im):
    if im.mode == "L":
        return im.tobytes()
    return b"".join(band.tobytes() for band in im.split())


def main():
    for line in open(sys.argv[1]):
        f = line.split()
        if not f:
            continue
        op = f[0]
        if op == "resize":
            c, h, w, oh, ow = map(int, f[2:7])
            out = from_planar(f[1], c, h, w).resize((ow, oh), BILINEAR)
            open(f[7], "wb").write(to_planar(out))
        elif op == "load":
            c, oh, ow = map(int, f[2:5])
            with Image.open(f[1]) as im:
                out = im.convert(mode(c)).resize((ow, oh), BILINEAR)
            open(f[5], "wb").write(to_planar(out))
        elif op == "decode":
            with Image.open(f[1]) as im:
                out = im.convert(mode(int(f[2])))
            open(f[3], "wb").write(struct.pack("<II", out.height, out.width) + to_planar(out))
        elif op == "rotate":
            c, h, w = map(int, f[2:5])
            out = from_planar(f[1], c, h, w).rotate(float(f[5]), resample=BILINEAR, fillcolor=0)
            open(f[6], "wb").write(to_planar(out))
        elif op == "flip":
            c, h, w = map(int, f[2:5])
            out = from_planar(f[1], c, h, w).transpose(FLIP)
            open(f[5], "wb").write(to_planar(out))
        else:
            raise SystemExit("unknown job: " + line)


if __name__ == "__main__":
    main()
