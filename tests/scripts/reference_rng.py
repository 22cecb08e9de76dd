#!/usr/bin/env python3
"""An independent Python implementation of cnnbench's generator (include/cnnbench/random.hpp), of
batch_order's Fisher-Yates (data/batches.hpp), synthetic_dataset (data/synthetic.hpp) and the
glorot_uniform init of S1 (init.hpp, network.hpp). It is how the literal values pinned in
tests/data/batches.cpp and tests/unit/network.cpp were checked: run it and compare.
"""
M = (1 << 64) - 1
def mix(z):
    z = (z + 0x9e3779b97f4a7c15) & M
    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M
    return z ^ (z >> 31)
class Rng:
    def __init__(self, seed, stream=0):
        self.key = mix(seed ^ mix((stream + 0x632be59bd9b4e019) & M)); self.c = 0
    def at(self, i): return mix((self.key + i * 0x9e3779b97f4a7c15) & M)
    def next(self): v = self.at(self.c); self.c += 1; return v
    def below(self, n):
        t = ((1 << 64) - n) % n
        while True:
            x = self.next()
            if x >= t: return x % n
def epoch(n, seed, e):
    p = list(range(n)); r = Rng(seed, 0x5eed0000 + e)
    for i in range(n - 1, 0, -1):
        j = r.below(i + 1); p[i], p[j] = p[j], p[i]
    return p
print(epoch(10, 42, 0)); print(epoch(10, 42, 1)); print(epoch(10, 7, 0))
def synthetic(s, n, classes, seed):
    C, H, W = s; b = max(1, min(H, W) // 7); gh = (H + b - 1) // b; gw = (W + b - 1) // b
    protos = []
    for k in range(classes):
        r = Rng(seed, 0x70726f746f000000 + k)
        protos.append([(r.at((c * gh + y // b) * gw + x // b) >> 56) for c in range(C) for y in range(H) for x in range(W)])
    labels, pixels = [], []
    for i in range(n):
        r = Rng(seed, (1 << 63) + i); k = r.below(classes); labels.append(k)
        for j in range(C * H * W):
            v = r.next(); noise = (v >> 58) + ((v >> 52) & 63) - 63
            pixels.append(min(255, max(0, protos[k][j] + noise)))
    return labels, pixels
l, p = synthetic((3, 8, 8), 10, 10, 42)
print(l[:10], p[:8])
import struct, math
def glorot_s1(seed):
    # (layer index, [(kind, size, fan_in, fan_out)])
    layers = [(1, [("w", 16*1*9, 9, 144), ("b", 16, 0, 0)]), (5, [("w", 32*16*9, 144, 288), ("b", 32, 0, 0)]),
              (9, [("w", 64*32*9, 288, 576), ("b", 64, 0, 0)]), (13, [("w", 72*576, 576, 72), ("b", 72, 0, 0)]),
              (15, [("w", 10*72, 72, 10), ("b", 10, 0, 0)])]
    out = bytearray()
    for li, ts in layers:
        for j, (kind, n, fi, fo) in enumerate(ts):
            r = Rng(seed, 1000 * li + j)
            a = math.sqrt(6.0 / (fi + fo)) if kind == "w" else 0
            for _ in range(n):
                if kind == "w":
                    u = (r.next() >> 11) * 2.0**-53
                    v = (2.0 * u - 1.0) * a
                else:
                    v = 0.0
                out += struct.pack("<f", v)
    h = 14695981039346656037
    for b in out: h = ((h ^ b) * 1099511628211) & M
    return hex(h)
print("glorot S1 seed 42:", glorot_s1(42))
