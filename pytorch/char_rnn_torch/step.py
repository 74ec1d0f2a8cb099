"""One training step's loss and gradients from a checkpoint's saved state, for the parity tests with the
TypeScript trainer (test/torch/): the chunk the checkpoint's streams and generator draw next, its mean
loss, the gradient of the flat parameters (P) and the direct table's gradient on the rows it touches
(the loss summed over positions, as the table's row-wise Adagrad takes it).

    python -m char_rnn_torch.step --checkpoint model.safetensors --corpus corpus.safetensors --out grads.safetensors

writes `grad` (P), `inputs` (T, B) I32, `me.rows` (U) I32 and `me.grad` (U, V) (with direct
connections), and the metadata `loss` (nats per character).
"""
from __future__ import annotations

import argparse
import sys

import numpy as np
import torch

from . import checkpoint as ckpt
from . import safetensors_io
from .corpus import load_corpus, newline_id
from .model import CharRnn, DirectTable, chunk_rows
from .rng import Rng
from .streams import StreamSampler


def one_step(checkpoint_path: str, corpus_path: str):
    ck = ckpt.load(checkpoint_path)
    corpus = load_corpus(corpus_path)
    if ck.settings is None or ck.resume is None:
        raise ValueError(f"{checkpoint_path}: holds no stream state to take the next chunk from")
    s = ck.settings
    T, B = s["seqLength"], s["batchSize"]
    L, H = ck.config.layers, ck.config.hidden_size
    sampler = StreamSampler(corpus.train, newline_id(corpus.vocab), B, s["lineStartProb"], s.get("segmentChars", 0))
    sampler.set_state(ck.streams[0], ck.streams[1])
    rng = Rng(0)
    rng.set_state(ck.resume["rng"])
    chunk = sampler.fill(T, rng)
    model = CharRnn(ck.config, torch.from_numpy(ck.params))
    carry = [torch.from_numpy(ck.carry.reshape(L, B, H)[l].copy()) for l in range(L)]
    bias = rows = None
    if ck.direct is not None:
        direct = DirectTable(ck.direct, torch.from_numpy(ck.table))
        rows = chunk_rows(ck.direct, corpus.train.tokens, chunk.position, chunk.file_start)
        bias = direct.bias(torch.from_numpy(rows)).requires_grad_(True)
    loss_sum, _ = model(torch.from_numpy(chunk.inputs), torch.from_numpy(chunk.targets), torch.from_numpy(chunk.reset),
                        torch.ones(T, B), carry, bias)
    (loss_sum / (T * B)).backward()
    out = {"grad": model.flat.grad.numpy().astype(np.float32), "inputs": chunk.inputs.astype(np.int32)}
    if rows is not None:
        R = ck.direct.orders
        unique, inverse = np.unique(rows.reshape(-1), return_inverse=True)
        g = (bias.grad * (T * B)).repeat_interleave(R, dim=0)
        G = torch.zeros(unique.shape[0], ck.config.vocab_size).index_add_(0, torch.from_numpy(inverse), g)
        out["me.rows"] = unique.astype(np.int32)
        out["me.grad"] = G.numpy().astype(np.float32)
    return float(loss_sum) / (T * B), out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m char_rnn_torch.step", description="one training step's loss and gradients")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--corpus", required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args(argv)
    try:
        loss, tensors = one_step(a.checkpoint, a.corpus)
    except (safetensors_io.FormatError, ValueError) as err:
        sys.stderr.write(f"char_rnn_torch: {err}\n")
        return 1
    safetensors_io.write_atomic(a.out, safetensors_io.encode(tensors, {"loss": repr(loss)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
