"""The project's seeded generator (src/core/model/rng.ts): xoshiro128** seeded through splitmix32, so
that the streams draw the same segments as the TypeScript trainer and a run resumes from its state."""
from __future__ import annotations

from typing import List, Sequence

M32 = 0xFFFFFFFF


def _rotl(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & M32


class Rng:
    def __init__(self, seed: int):
        x = seed & M32
        state = []
        for _ in range(4):
            x = (x + 0x9E3779B9) & M32
            z = x
            z = ((z ^ (z >> 16)) * 0x85EBCA6B) & M32
            z = ((z ^ (z >> 13)) * 0xC2B2AE35) & M32
            state.append((z ^ (z >> 16)) & M32)
        self.s = state

    def next_u32(self) -> int:
        s0, s1, s2, s3 = self.s
        result = (_rotl((s1 * 5) & M32, 7) * 9) & M32
        t = (s1 << 9) & M32
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = _rotl(s3, 11)
        self.s = [s0, s1, s2, s3]
        return result

    def next(self) -> float:
        """A uniform float in [0, 1) with 32 random bits."""
        return self.next_u32() / 4294967296.0

    def next_int(self, n: int) -> int:
        """A uniform integer in [0, n)."""
        return int(self.next() * n)

    def get_state(self) -> List[int]:
        return list(self.s)

    def set_state(self, state: Sequence[int]) -> None:
        if len(state) != 4 or any((not isinstance(w, int)) or w < 0 or w > M32 for w in state):
            raise ValueError("random state must be four unsigned 32-bit integers")
        if all(w == 0 for w in state):
            raise ValueError("random state must not be all zeros")
        self.s = list(state)
