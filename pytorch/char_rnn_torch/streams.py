"""The B streams of truncated BPTT (src/core/train/streams.ts), drawing the same segments from the same
generator state as the TypeScript trainer: a stream that runs out of its segment starts a new one at
the line start at or before a position drawn uniformly over the training data (in blocks of
`segment_chars` in longer lines), reads at most `segment_chars` characters from the zero state, and
its contexts never reach before its file's start. With `segment_chars` 0, a segment runs to the end of
its file from the file's start or, with probability `line_start_prob`, from a random line start.

A chunk is (T, B) with row n = t * B + b, filled in the order of t then b, so the generator is drawn in
the TypeScript order; positions are filled a run of steps at a time with numpy.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Optional

import numpy as np

from .corpus import EncodedFiles
from .rng import Rng


@dataclass
class Chunk:
    """(T, B) arrays: input ids, target ids, 1 where the stream starts from zero at that step, the
    position's token index (for the direct connections' rows) and its file's start."""
    inputs: np.ndarray
    targets: np.ndarray
    reset: np.ndarray
    position: np.ndarray
    file_start: np.ndarray


class StreamSampler:
    def __init__(self, data: EncodedFiles, newline: int, B: int, line_start_prob: float, segment_chars: int):
        self.data = data
        self.tokens = data.tokens
        self.starts = data.starts.astype(np.int64)
        self.B = B
        self.line_start_prob = line_start_prob
        self.segment_chars = segment_chars
        self.newline = newline
        self.newlines = np.flatnonzero(self.tokens == newline).astype(np.int64)
        self.pos = np.zeros(B, dtype=np.int64)
        self.end = np.zeros(B, dtype=np.int64)
        self.file_start = np.zeros(B, dtype=np.int64)
        if not np.any(np.diff(self.starts) >= 2):
            raise ValueError("the training files hold no file of at least 2 characters: nothing to learn from")

    def get_state(self):
        return {"pos": [int(p) for p in self.pos], "end": [int(e) for e in self.end]}

    def set_state(self, pos, end) -> None:
        total = self.tokens.shape[0]
        if len(pos) != self.B or len(end) != self.B:
            raise ValueError("stream state does not match the batch size")
        for b in range(self.B):
            p, e = int(pos[b]), int(end[b])
            if p < 0 or e < 0 or p > total or e > total:
                raise ValueError("stream state is outside the data")
            self.pos[b], self.end[b] = p, e
            self.file_start[b] = self.starts[self._file_of(min(p, total - 1))] if total > 0 else 0

    def _file_of(self, r: int) -> int:
        return int(np.searchsorted(self.starts[:-1], r, side="right") - 1)

    def fill(self, T: int, rng: Rng) -> Chunk:
        B = self.B
        inputs = np.empty((T, B), dtype=np.int64)
        targets = np.empty((T, B), dtype=np.int64)
        reset = np.zeros((T, B), dtype=bool)
        position = np.empty((T, B), dtype=np.int64)
        file_start = np.empty((T, B), dtype=np.int64)
        # (t, b): the step at which stream b needs a new segment; handled in the order of t, then b
        heap = []
        t_of = np.zeros(B, dtype=np.int64)  # the step up to which stream b is filled
        for b in range(B):
            left = max(0, int(self.end[b] - 1 - self.pos[b]))
            if left < T:
                heap.append((left, b))
            self._copy(b, 0, min(left, T), inputs, targets, position, file_start)
            t_of[b] = min(left, T)
        heapq.heapify(heap)
        while heap:
            t, b = heapq.heappop(heap)
            self._new_segment(b, rng)
            reset[t, b] = True
            left = int(self.end[b] - 1 - self.pos[b])
            n = min(left, T - t)
            self._copy(b, t, n, inputs, targets, position, file_start)
            if t + n < T:
                heapq.heappush(heap, (t + n, b))
        return Chunk(inputs, targets, reset, position, file_start)

    def _copy(self, b: int, t: int, n: int, inputs, targets, position, file_start) -> None:
        if n <= 0:
            return
        p = int(self.pos[b])
        inputs[t:t + n, b] = self.tokens[p:p + n]
        targets[t:t + n, b] = self.tokens[p + 1:p + n + 1]
        position[t:t + n, b] = np.arange(p, p + n)
        file_start[t:t + n, b] = self.file_start[b]
        self.pos[b] = p + n

    def _new_segment(self, b: int, rng: Rng) -> None:
        starts, total = self.starts, self.tokens.shape[0]
        while True:
            r = rng.next_int(total)
            f = self._file_of(r)
            fs, fe = int(starts[f]), int(starts[f + 1])
            if fe - fs < 2:
                continue
            start = fs
            if self.segment_chars > 0 or rng.next() < self.line_start_prob:
                # the line start at or before r: one after the last newline before r, inside the file
                k = int(np.searchsorted(self.newlines, r, side="left")) - 1
                start = int(self.newlines[k]) + 1 if k >= 0 and self.newlines[k] >= fs else fs
                if self.segment_chars > 0:
                    start += (r - start) // self.segment_chars * self.segment_chars
                if fe - start < 2:
                    start = fs
            self.pos[b] = start
            self.end[b] = min(fe, start + self.segment_chars + 1) if self.segment_chars > 0 else fe
            self.file_start[b] = fs
            return
