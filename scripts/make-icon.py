#!/usr/bin/env python3
"""Draws media/icon.png (128 x 128, the Marketplace's size) with the standard library alone: a dark tile,
a line of code in white, its continuation as grey ghost text after a cursor, and three recurrent units
joined in a loop. Run it again after changing the drawing; the PNG is committed."""
import math, struct, zlib, os

W = H = 128
BG, FG, GHOST, CURSOR, UNIT = (30, 30, 46), (236, 239, 244), (120, 126, 150), (137, 180, 250), (166, 227, 161)
px = [[BG for _ in range(W)] for _ in range(H)]

def rect(x0, y0, x1, y1, c):
    for y in range(max(0, y0), min(H, y1)):
        for x in range(max(0, x0), min(W, x1)):
            px[y][x] = c

def disc(cx, cy, r, c):
    for y in range(int(cy - r - 1), int(cy + r + 2)):
        for x in range(int(cx - r - 1), int(cx + r + 2)):
            if 0 <= x < W and 0 <= y < H:
                d = math.hypot(x - cx, y - cy)
                a = max(0.0, min(1.0, r + 0.5 - d))  # anti-aliased edge
                if a > 0:
                    px[y][x] = tuple(round(p * (1 - a) + q * a) for p, q in zip(px[y][x], c))

def ring(cx, cy, r, width, c):
    for y in range(H):
        for x in range(W):
            d = abs(math.hypot(x - cx, y - cy) - r)
            a = max(0.0, min(1.0, width / 2 + 0.5 - d))
            if a > 0:
                px[y][x] = tuple(round(p * (1 - a) + q * a) for p, q in zip(px[y][x], c))

# rounded tile corners: the background only inside a radius-20 rounded square, transparent outside
alpha = [[255] * W for _ in range(H)]
R = 20
for y in range(H):
    for x in range(W):
        dx = max(R - x, 0, x - (W - 1 - R))
        dy = max(R - y, 0, y - (H - 1 - R))
        d = math.hypot(dx, dy)
        alpha[y][x] = round(255 * max(0.0, min(1.0, R + 0.5 - d))) if dx and dy else 255

# the recurrent loop: three units on a ring
ring(64, 50, 24, 3, UNIT)
for k in range(3):
    t = -math.pi / 2 + k * 2 * math.pi / 3
    disc(64 + 24 * math.cos(t), 50 + 24 * math.sin(t), 8, UNIT)
    disc(64 + 24 * math.cos(t), 50 + 24 * math.sin(t), 4, BG)
# a line of typed code (white bars), the cursor, and the ghost continuation (grey bars)
rect(16, 92, 34, 100, FG)
rect(38, 92, 50, 100, FG)
rect(53, 88, 56, 104, CURSOR)
rect(59, 92, 79, 100, GHOST)
rect(83, 92, 97, 100, GHOST)
rect(101, 92, 112, 100, GHOST)

raw = b''.join(b'\x00' + b''.join(struct.pack('BBBB', *px[y][x], alpha[y][x]) for x in range(W)) for y in range(H))
def chunk(tag, data):
    return struct.pack('>I', len(data)) + tag + data + struct.pack('>I', zlib.crc32(tag + data) & 0xffffffff)
png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', W, H, 8, 6, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b'')
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'media', 'icon.png')
open(out, 'wb').write(png)
print(out, len(png), 'bytes')
