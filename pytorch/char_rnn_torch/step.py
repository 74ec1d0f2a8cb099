"""One training step's loss and gradients from a checkpoint's saved state, for the parity tests with the
TypeScript trainer (test/pytorch/): the chunk the checkpoint's streams and generator draw next, its mean
loss, the gradient of the flat parameters (P) and the direct table's gradient on the rows it touches
(the loss summed over positions, as the table's row-wise Adagrad takes it). The trainer's own pass
(train.py, Trainer.gradients), without the update.

    python -m char_rnn_torch.step --checkpoint model.safetensors --corpus corpus.safetensors --out grads.safetensors

writes `grad` (P), `inputs` (T, B) I32, `me.rows` (U) I32 and `me.grad` (U, V) (with direct
connections), and the metadata `loss` (nats per character).
"""
from __future__ import annotations

import argparse
import sys

import numpy as np

from . import checkpoint as ckpt
from . import safetensors_io
from .corpus import load_corpus
from .train import Dist, Trainer


def one_step(checkpoint_path: str, corpus_path: str):
    ck = ckpt.load(checkpoint_path)
    if ck.settings is None:
        raise ValueError(f"{checkpoint_path}: holds no training state")
    trainer = Trainer(load_corpus(corpus_path), {**ckpt.DEFAULT_SETTINGS, **ck.settings}, Dist("cpu"), ck)
    if not trainer.resumed_exactly:
        raise ValueError(f"{checkpoint_path}: its stream state does not continue on {corpus_path}")
    loss, inputs, direct_grad = trainer.gradients()
    out = {"grad": trainer.model.flat.grad.numpy().astype(np.float32), "inputs": inputs.astype(np.int32)}
    if direct_grad is not None:
        unique, G = direct_grad
        out["me.rows"] = unique.astype(np.int32)
        out["me.grad"] = G.numpy().astype(np.float32)
    return loss, out


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
