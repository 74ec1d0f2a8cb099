"""Direct n-gram connections (Mikolov's RNNME; src/core/model/direct-connections.ts): the logits get
the sum of one learned row of V numbers per context order n = 1..N,

    y[t] += sum_n D[row_n(x[t-n+1 .. t])]

An order whose (V + 1)^n contexts fit in `rows_per_order` rows is indexed exactly (digits id + 1 in base
V + 1, 0 for "before the start of the file"); a higher order hashes its context with FNV-1a over the ids
as 16-bit values (low byte, then high byte; 0xffff before the file's start) after the order, reduced
modulo rows_per_order into the order's region. Rows are computed here with numpy, vectorised over
positions, and must equal the TypeScript rows exactly (the parity tests check it).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Tuple

import numpy as np

FNV_OFFSET = 0x811C9DC5
FNV_PRIME = 0x01000193
MAX_ENTRIES = 2 ** 31 - 1
HASH_NAME = "fnv1a16-exact-low"


@dataclass(frozen=True)
class DirectConfig:
    orders: int
    rows_per_order: int
    vocab_size: int

    def layout(self) -> Tuple[np.ndarray, np.ndarray]:
        """(orders + 1) first row of each order's region and the row count last; (orders) 1 where exact."""
        V = self.vocab_size
        starts = np.zeros(self.orders + 1, dtype=np.int64)
        exact = np.zeros(self.orders, dtype=bool)
        start = 0
        for n in range(1, self.orders + 1):
            starts[n - 1] = start
            every = (V + 1) ** n
            exact[n - 1] = every <= self.rows_per_order
            start += every if exact[n - 1] else self.rows_per_order
        starts[self.orders] = start
        return starts, exact

    @property
    def rows(self) -> int:
        return int(sum(min((self.vocab_size + 1) ** n, self.rows_per_order) for n in range(1, self.orders + 1)))

    def validate(self) -> None:
        if not (1 <= self.orders <= 8):
            raise ValueError(f"direct-connection orders must be an integer from 1 to 8, got {self.orders}")
        if not (1 <= self.rows_per_order <= MAX_ENTRIES):
            raise ValueError(f"rowsPerOrder must be an integer from 1 to {MAX_ENTRIES}, got {self.rows_per_order}")
        if self.rows * self.vocab_size > MAX_ENTRIES:
            raise ValueError(f"a direct-connection table of {self.rows} rows x {self.vocab_size} symbols is too large")


def config_for_budget(orders: int, vocab_size: int, megabytes: float) -> DirectConfig:
    """The most rows per order whose float32 table fits in `megabytes` (DirectConnections.configForBudget)."""
    max_rows = math.floor(megabytes * 2 ** 20 / (4 * vocab_size))
    total = lambda k: DirectConfig(orders, k, vocab_size).rows  # noqa: E731
    if total(1) > max_rows:
        raise ValueError(f"{megabytes} MB cannot hold a direct-connection table of {orders} orders for {vocab_size} symbols")
    lo, hi = 1, max(1, max_rows)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if total(mid) <= max_rows:
            lo = mid
        else:
            hi = mid - 1
    return DirectConfig(orders, lo, vocab_size)


def context_rows(cfg: DirectConfig, tokens: np.ndarray, positions: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """(P, orders) int64: the rows of the contexts ending at tokens[positions[i]] (inclusive), positions
    before starts[i] (the file's start) read as padding."""
    positions = np.asarray(positions, dtype=np.int64)
    starts = np.asarray(starts, dtype=np.int64)
    P = positions.shape[0]
    N = cfg.orders
    V = cfg.vocab_size
    region, exact = cfg.layout()
    # (P, N) the last N ids, oldest first, -1 before the file's start
    offsets = np.arange(-(N - 1), 1, dtype=np.int64)
    at = positions[:, None] + offsets[None, :]
    inside = at >= starts[:, None]
    hist = np.where(inside, tokens[np.clip(at, 0, None)].astype(np.int64), -1)
    out = np.empty((P, N), dtype=np.int64)
    for n in range(1, N + 1):
        window = hist[:, N - n:]  # (P, n)
        if exact[n - 1]:
            row = np.zeros(P, dtype=np.int64)
            for k in range(n):
                row = row * (V + 1) + (window[:, k] + 1)
        else:
            ids = np.where(window >= 0, window, 0xFFFF).astype(np.uint32)
            with np.errstate(over="ignore"):
                h = np.full(P, (FNV_OFFSET ^ n) & 0xFFFFFFFF, dtype=np.uint32) * np.uint32(FNV_PRIME)
                for k in range(n):
                    h = (h ^ (ids[:, k] & np.uint32(0xFF))) * np.uint32(FNV_PRIME)
                    h = (h ^ (ids[:, k] >> np.uint32(8))) * np.uint32(FNV_PRIME)
            row = (h % np.uint32(cfg.rows_per_order)).astype(np.int64)
        out[:, n - 1] = region[n - 1] + row
    return out
