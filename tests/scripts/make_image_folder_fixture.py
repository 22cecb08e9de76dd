#!/usr/bin/env python3
"""Re-creates tests/fixtures/image_folder/ and tests/fixtures/bad_images/ from the real cats-vs-dogs
subset (shared/data/cats_vs_dogs, see its SOURCE.md). Needs Pillow (Debian python3-pil).

Usage: make_image_folder_fixture.py CATS_VS_DOGS_DIR FIXTURES_DIR
"""
import os
import random
import shutil
import sys

from PIL import Image

src, dst = sys.argv[1], sys.argv[2]
folder = os.path.join(dst, "image_folder")
bad = os.path.join(dst, "bad_images")
for d in (folder, bad):
    shutil.rmtree(d, ignore_errors=True)
for d in ("cat", "dog"):
    os.makedirs(os.path.join(folder, d))
os.makedirs(bad)

# Real JPEGs, byte for byte: 500x374 and 300x280 (downscaled to 224) and small ones (upscaled).
for name in ("cat.0.jpg", "cat.1.jpg", "cat.596.jpg"):
    shutil.copyfile(os.path.join(src, "train/cat", name), os.path.join(folder, "cat", name))
for name in ("dog.630.jpg", "dog.927.jpg", "dog.943.jpg"):
    shutil.copyfile(os.path.join(src, "train/dog", name), os.path.join(folder, "dog", name))

# A greyscale JPEG (Pillow "L", quality 90) of cat.146.jpg.
with Image.open(os.path.join(src, "train/cat/cat.146.jpg")) as im:
    im.convert("L").save(os.path.join(folder, "cat", "cat.146.grey.jpg"), quality=90)
# An RGB PNG of dog.316.jpg, as Pillow decodes it.
with Image.open(os.path.join(src, "train/dog/dog.316.jpg")) as im:
    im.convert("RGB").save(os.path.join(folder, "dog", "dog.316.png"))
# An RGBA PNG of dog.284.jpg with a left-to-right alpha ramp (alpha must be dropped, not composited).
with Image.open(os.path.join(src, "train/dog/dog.284.jpg")) as im:
    rgba = im.convert("RGBA")
    alpha = Image.linear_gradient("L").rotate(90).resize(rgba.size)
    rgba.putalpha(alpha)
    rgba.save(os.path.join(folder, "dog", "dog.284.rgba.png"))

# Deliberately bad files: the first half of cat.1.jpg, and 2,000 random bytes named .jpg.
data = open(os.path.join(src, "train/cat/cat.1.jpg"), "rb").read()
open(os.path.join(bad, "truncated.jpg"), "wb").write(data[: len(data) // 2])
rnd = random.Random(20240601)
open(os.path.join(bad, "random_bytes.jpg"), "wb").write(bytes(rnd.randrange(256) for _ in range(2000)))
# A CMYK JPEG (Pillow writes it with an Adobe marker, inverted), 95x72: cat.596.jpg as Pillow's "CMYK".
with Image.open(os.path.join(src, "train/cat/cat.596.jpg")) as im:
    im.convert("CMYK").save(os.path.join(bad, "cmyk.jpg"), quality=90)
