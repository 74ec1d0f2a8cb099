"""The model of src/core/model (model.ts, bptt.ts), in PyTorch:

    h[l][t] = tanh(Wxh[l] x[l][t] + Whh[l] h[l][t-1] + bh[l])   x[0][t] = one-hot(char t), x[l][t] = h[l-1][t]
    y[t]    = Why h[L-1][t] + by (+ the direct connections' rows, direct.py)
    loss    = sum_t w[t] * -log softmax(y[t])[target t]            (nats; the caller divides by sum w)

Shapes: V vocabulary, H hidden, L layers, T steps, B streams, N = T * B rows (row n = t * B + b).
All parameters live in one flat float32 tensor in the project's layout (per layer Wxh (H, V or H),
Whh (H, H), bh (H); then Why (V, H), by (V)), so that the optimizer's state is one array of the same
layout as in the TypeScript trainer and the checkpoint. A stream whose reset flag is set at step t
starts that step from the zero state, and no gradient flows back through a reset or into the state
carried from the previous chunk (truncated BPTT).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .corpus import EncodedFiles
from .direct import DirectConfig, context_rows


@dataclass(frozen=True)
class ModelConfig:
    vocab_size: int
    hidden_size: int
    layers: int

    def input_size(self, l: int) -> int:
        return self.vocab_size if l == 0 else self.hidden_size

    def layout(self) -> Dict[str, Tuple[int, Tuple[int, ...]]]:
        """name -> (offset, shape) in the flat parameter array, in the project's order and names."""
        V, H = self.vocab_size, self.hidden_size
        out: Dict[str, Tuple[int, Tuple[int, ...]]] = {}
        offset = 0
        for l in range(self.layers):
            for name, shape in ((f"Wxh{l}", (H, self.input_size(l))), (f"Whh{l}", (H, H)), (f"bh{l}", (H,))):
                out[name] = (offset, shape)
                offset += int(np.prod(shape))
        out["Why"] = (offset, (V, H))
        offset += V * H
        out["by"] = (offset, (V,))
        return out

    @property
    def parameter_count(self) -> int:
        V, H, L = self.vocab_size, self.hidden_size, self.layers
        return L * (H * H + H) + H * V + (L - 1) * H * H + V * H + V

    def validate(self) -> None:
        if not (16 <= self.hidden_size <= 1024):
            raise ValueError(f"hiddenSize must be an integer from 16 to 1024, got {self.hidden_size}")
        if not (1 <= self.layers <= 4):
            raise ValueError(f"layers must be an integer from 1 to 4, got {self.layers}")
        if not (2 <= self.vocab_size <= 65536):
            raise ValueError(f"vocabSize must be an integer from 2 to 65536, got {self.vocab_size}")


class Recurrence(torch.autograd.Function):
    """h[t] = tanh(xin[t] + hp[t] @ Whh^T), hp[t] = h[t-1] * keep[t] (h[-1] = the carried state), with
    the backward pass of bptt.ts (backwardChunk): du[t] = (1 - h[t]^2) * (dh[t] + dh[t] via h[t+1]),
    dh[t-1] = (du[t] @ Whh) * keep[t], none into the carried state, and dWhh = du^T @ hp in one product
    (autograd would make T small products and T accumulations)."""

    @staticmethod
    def forward(ctx, xin, h0, keep, Whh):  # xin (T, B, H), h0 (B, H), keep (T, B, 1), Whh (H, H)
        T = xin.shape[0]
        hs = torch.empty_like(xin)  # (T, B, H) h[t]
        hp = torch.empty_like(xin)  # (T, B, H) the previous state each step used
        h = h0
        WhhT = Whh.t()
        for t in range(T):
            torch.mul(h, keep[t], out=hp[t])
            torch.addmm(xin[t], hp[t], WhhT, out=hs[t])
            torch.tanh_(hs[t])
            h = hs[t]
        ctx.save_for_backward(hs, hp, keep, Whh)
        return hs

    @staticmethod
    def backward(ctx, dh):  # dh (T, B, H)
        hs, hp, keep, Whh = ctx.saved_tensors
        T, B, H = hs.shape
        dU = torch.empty_like(hs)  # (T, B, H) dL/du
        dnext = torch.zeros(B, H, dtype=hs.dtype, device=hs.device)  # dL/dh[t] through h[t+1]
        for t in range(T - 1, -1, -1):
            torch.mul(1 - hs[t] * hs[t], dh[t] + dnext, out=dU[t])
            if t > 0:
                dnext = torch.mm(dU[t], Whh) * keep[t]  # nothing flows back through a reset
        dWhh = dU.reshape(T * B, H).t().mm(hp.reshape(T * B, H))
        return dU, None, None, dWhh


class CharRnn(nn.Module):
    """The stacked tanh RNN with its output layer; `flat` holds every parameter (P)."""

    def __init__(self, config: ModelConfig, flat: Optional[torch.Tensor] = None):
        super().__init__()
        config.validate()
        self.config = config
        self.layout = config.layout()
        P = config.parameter_count
        if flat is None:
            flat = torch.zeros(P)
        if flat.numel() != P:
            raise ValueError(f"parameter array has {flat.numel()} elements, the model needs {P}")
        self.flat = nn.Parameter(flat.detach().clone().float())

    def view(self, name: str) -> torch.Tensor:
        offset, shape = self.layout[name]
        n = int(np.prod(shape))
        return self.flat[offset:offset + n].view(*shape)

    def initialise(self, seed: int) -> None:
        """Weights uniform in [-1/sqrt(H), 1/sqrt(H)] as nn.RNN and nn.Linear do, biases zero (PyTorch's
        generator: not the same draw as the TypeScript trainer's, the same distribution)."""
        k = 1.0 / float(self.config.hidden_size) ** 0.5
        g = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            values = (torch.rand(self.flat.numel(), generator=g) * 2 - 1) * k
            self.flat.copy_(values)
            for l in range(self.config.layers):
                self.view(f"bh{l}").zero_()
            self.view("by").zero_()

    def forward(self, inputs: torch.Tensor, targets: torch.Tensor, reset: torch.Tensor, weight: torch.Tensor,
                carry: List[torch.Tensor], bias: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, List[torch.Tensor]]:
        """inputs, targets (T, B) int64, reset (T, B) bool, weight (T, B) float, carry per layer (B, H),
        bias (N, V) or None. Returns (sum over positions of w * -log p[target] in nats, the state per
        layer (B, H) to carry into the next chunk, detached)."""
        T, B = inputs.shape
        L = self.config.layers
        keep = (~reset).to(self.flat.dtype).unsqueeze(-1)  # (T, B, 1) 0 where the stream restarts
        x: Optional[torch.Tensor] = None
        new_carry: List[torch.Tensor] = []
        for l in range(L):
            Wxh, Whh, bh = self.view(f"Wxh{l}"), self.view(f"Whh{l}"), self.view(f"bh{l}")
            if l == 0:
                xin = F.embedding(inputs, Wxh.t()) + bh  # (T, B, H): the column of the one-hot input
            else:
                xin = torch.matmul(x, Wxh.t()) + bh  # (T, B, H)
            x = Recurrence.apply(xin, carry[l].detach(), keep, Whh)  # (T, B, H)
            new_carry.append(x[-1].detach())
        logits = torch.addmm(self.view("by"), x.reshape(T * B, -1), self.view("Why").t())  # (N, V)
        if bias is not None:
            logits = logits + bias
        nll = F.cross_entropy(logits, targets.reshape(-1), reduction="none")  # (N)
        return (nll * weight.reshape(-1)).sum(), new_carry


class DirectTable:
    """The direct connections' table D (rows, V) with its row-wise Adagrad accumulators (rows)."""

    def __init__(self, config: DirectConfig, table: torch.Tensor, sum_sq: Optional[torch.Tensor] = None):
        config.validate()
        self.config = config
        if tuple(table.shape) != (config.rows, config.vocab_size):
            raise ValueError(f"the direct-connection table is {tuple(table.shape)}, the configuration needs ({config.rows}, {config.vocab_size})")
        self.table = table.float()
        self.sum_sq = sum_sq if sum_sq is not None else torch.zeros(config.rows, device=table.device)

    def bias(self, rows: torch.Tensor) -> torch.Tensor:
        """(N, V) the sum of each position's rows; rows (N, orders) int64 on the table's device."""
        return F.embedding_bag(rows, self.table, mode="sum")

    def adagrad(self, unique_rows: torch.Tensor, grad: torch.Tensor, lr: float) -> None:
        """Row-wise Adagrad on the touched rows (kernels.ts adagradRows): acc[row] += mean(g^2),
        D[row] -= lr / sqrt(acc[row] + 1e-10) * g. grad (U, V) for unique_rows (U)."""
        acc = self.sum_sq.index_select(0, unique_rows) + (grad * grad).mean(1)  # (U)
        self.sum_sq.index_copy_(0, unique_rows, acc)
        step = torch.rsqrt(acc + 1e-10).mul_(-lr).unsqueeze(1)  # (U, 1)
        self.table.index_add_(0, unique_rows, grad * step)  # the rows are unique: each gets its own step


def chunk_rows(direct: DirectConfig, tokens: np.ndarray, position: np.ndarray, file_start: np.ndarray) -> np.ndarray:
    """(N, orders) the direct rows of a chunk's positions (T, B), row n = t * B + b."""
    return context_rows(direct, tokens, position.reshape(-1), file_start.reshape(-1))


@torch.no_grad()
def bits_per_char(model: CharRnn, direct: Optional[DirectTable], files: EncodedFiles, device: torch.device,
                  T: int = 64, B: int = 32, max_chars: Optional[float] = None, share: Tuple[int, int] = (0, 1)) -> Tuple[float, float]:
    """(nats summed, characters predicted) over the files, each read from the zero state at its start,
    B files at a time in chunks of T steps (model/bits-per-char.ts). `share` (rank, world) takes every
    world-th file from the rank-th: the sums over all ranks are the whole figure."""
    budget = float("inf") if max_chars is None else max_chars
    spans = []
    starts = files.starts
    for f in range(len(starts) - 1):
        if budget <= 0:
            break
        s, e = int(starts[f]), int(starts[f + 1])
        if e - s < 2:
            continue
        n = int(min(e - s - 1, budget))
        spans.append((s, s + n + 1))
        budget -= n
    rank, world = share
    spans = spans[rank::world]
    if not spans:
        return 0.0, 0.0
    B = min(B, len(spans))
    H, L = model.config.hidden_size, model.config.layers
    tokens = files.tokens
    pos = np.zeros(B, dtype=np.int64)
    end = np.zeros(B, dtype=np.int64)
    begin = np.zeros(B, dtype=np.int64)
    nxt = 0
    nats = torch.zeros((), dtype=torch.float64, device=device)
    chars = 0.0
    carry = [torch.zeros(B, H, device=device) for _ in range(L)]
    while True:
        inputs = np.zeros((T, B), dtype=np.int64)
        targets = np.zeros((T, B), dtype=np.int64)
        reset = np.zeros((T, B), dtype=bool)
        weight = np.zeros((T, B), dtype=np.float32)
        position = np.zeros((T, B), dtype=np.int64)
        file_start = np.zeros((T, B), dtype=np.int64)
        active = False
        for b in range(B):
            t = 0
            while t < T:
                if pos[b] >= end[b] - 1:
                    if nxt >= len(spans):
                        break
                    pos[b], end[b] = spans[nxt]
                    begin[b] = pos[b]
                    nxt += 1
                    reset[t, b] = True
                n = int(min(end[b] - 1 - pos[b], T - t))
                p = int(pos[b])
                inputs[t:t + n, b] = tokens[p:p + n]
                targets[t:t + n, b] = tokens[p + 1:p + n + 1]
                weight[t:t + n, b] = 1
                position[t:t + n, b] = np.arange(p, p + n)
                file_start[t:t + n, b] = begin[b]
                pos[b] += n
                t += n
                active = True
        if not active:
            break
        bias = None
        if direct is not None:
            rows = chunk_rows(direct.config, tokens, position, file_start)
            bias = direct.bias(torch.from_numpy(rows).to(device))
        w = torch.from_numpy(weight).to(device)
        loss, carry = model(torch.from_numpy(inputs).to(device), torch.from_numpy(targets).to(device),
                            torch.from_numpy(reset).to(device), w, carry, bias)
        nats += loss.double()
        chars += float(weight.sum())
    return float(nats), chars
