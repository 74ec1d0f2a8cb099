"""Bits per character of a checkpoint on a corpus file's validation (or training) files, each read from
the zero state at its start (model/bits-per-char.ts): the figure `char-rnn eval` and the trainer's
validation give in TypeScript.

    python -m char_rnn_torch.evaluate --checkpoint model.safetensors --corpus corpus.safetensors [--split val|train] [--json]
"""
from __future__ import annotations

import argparse
import json
import math
import sys

import torch

from . import checkpoint as ckpt
from .corpus import load_corpus
from .model import CharRnn, DirectTable, bits_per_char
from .safetensors_io import FormatError


def evaluate(checkpoint_path: str, corpus_path: str, split: str = "val", device: str = "cpu", max_chars=None, sample=False):
    ck = ckpt.load(checkpoint_path)
    corpus = load_corpus(corpus_path)
    if ck.vocab != corpus.vocab:
        raise FormatError(f"{corpus_path}: its vocabulary is not the checkpoint's")
    dev = torch.device(device)
    model = CharRnn(ck.config, torch.from_numpy(ck.params)).to(dev)
    direct = DirectTable(ck.direct, torch.from_numpy(ck.table).to(dev)) if ck.direct is not None else None
    files = corpus.val if split == "val" else corpus.train
    nats, chars = bits_per_char(model, direct, files, dev, max_chars=max_chars)
    return {"bitsPerChar": nats / chars / math.log(2) if chars else float("nan"), "chars": chars}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m char_rnn_torch.evaluate", description="bits/char of a checkpoint on a corpus file")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--corpus", required=True)
    p.add_argument("--split", choices=["val", "train"], default="val")
    p.add_argument("--device", default="cpu")
    p.add_argument("--max-chars", type=int)
    p.add_argument("--json", action="store_true")
    a = p.parse_args(argv)
    try:
        r = evaluate(a.checkpoint, a.corpus, a.split, a.device, a.max_chars)
    except (FormatError, ValueError) as err:
        sys.stderr.write(f"char_rnn_torch: {err}\n")
        return 1
    print(json.dumps(r) if a.json else f"{r['bitsPerChar']:.4f} bits/char over {r['chars']:.0f} characters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
