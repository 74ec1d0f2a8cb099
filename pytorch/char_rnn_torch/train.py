"""Trains the project's model on a corpus file (`char-rnn export-corpus`) with PyTorch, on one CPU or
GPU, or with DistributedDataParallel under torchrun (each rank takes a disjoint share of the B streams;
the global batch is B whatever the number of processes), and writes the project's checkpoints:

    python -m char_rnn_torch.train --corpus corpus.safetensors --out model.safetensors --hidden 1024 --layers 2 --minutes 60
    torchrun --nproc_per_node 2 -m char_rnn_torch.train --corpus corpus.safetensors --out model.safetensors ...

The run is the TypeScript trainer's (src/core/train/trainer.ts, job.ts): B streams of T steps drawn by
the project's generator, one optimizer step per chunk, the direct table's row-wise Adagrad and decay,
validation on the fixed sample of the held-out files every --val-every steps and at the end, the
plateau schedule, the best model kept in --out and the latest state beside it
(model.latest.safetensors) while they differ. --resume continues a checkpoint of either trainer, exactly
when the data and chunking are the same. --json prints the same events as `char-rnn train --json`.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import time
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import torch
import torch.distributed as dist

from . import checkpoint as ckpt
from .corpus import Corpus, EncodedFiles, fingerprint, load_corpus, newline_id, validation_sample
from .direct import DirectConfig, config_for_budget
from .model import CharRnn, DirectTable, ModelConfig, bits_per_char, chunk_rows
from .optim import DEFAULT_LEARNING_RATE, Optimizer
from .rng import Rng
from .safetensors_io import FormatError
from .schedule import DIVERGED_LOSS_NATS, MAX_REDUCTIONS, initial_schedule, judge_validation
from .streams import StreamSampler

DIRECT_DECAY_EVERY = 100
MAX_DIRECT_DECAY_PER_STEP = 1e-3
FIRST_CHECKPOINT_SEC = 15


class UsageError(Exception):
    """A bad flag or file: reported on one line, exit status 1."""


class Dist:
    """This process's place in a torchrun job (rank, world) or a single process; the collectives used."""

    def __init__(self, device_kind: str):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        local = int(os.environ.get("LOCAL_RANK", "0"))
        cuda = device_kind == "cuda" or (device_kind == "auto" and torch.cuda.is_available())
        if device_kind == "cuda" and not torch.cuda.is_available():
            raise UsageError("--device cuda: no CUDA device is available to PyTorch here")
        self.device = torch.device(f"cuda:{local}" if cuda else "cpu")
        if cuda:
            torch.cuda.set_device(self.device)
        if self.world > 1:
            dist.init_process_group(backend="nccl" if cuda else "gloo")

    def sum_(self, t: torch.Tensor) -> torch.Tensor:
        if self.world > 1:
            dist.all_reduce(t, op=dist.ReduceOp.SUM)
        return t

    def max_(self, t: torch.Tensor) -> torch.Tensor:
        if self.world > 1:
            dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return t

    def gather_streams(self, local: torch.Tensor, B: int) -> torch.Tensor:
        """(A, b, ...) this rank's share of the streams along dim 1 -> (A, B, ...) every rank's, in stream order."""
        if self.world == 1:
            return local
        most = -(-B // self.world)  # the largest share
        padded = local.new_zeros((local.shape[0], most) + tuple(local.shape[2:]))
        padded[:, :local.shape[1]] = local
        parts = [torch.empty_like(padded) for _ in range(self.world)]
        dist.all_gather(parts, padded)
        return torch.cat([parts[r][:, :len(self.share_of(r, B))] for r in range(self.world)], dim=1)

    def share_of(self, rank: int, B: int) -> range:
        return range(rank * B // self.world, (rank + 1) * B // self.world)

    def share(self, B: int) -> range:
        """The streams of this rank: a contiguous share of the B streams."""
        return self.share_of(self.rank, B)

    def close(self) -> None:
        """Waits for every rank. The process group is not destroyed: in PyTorch 1.13 its destructor can
        deadlock with a thread waiting for the GIL (seen once in ten runs); main() leaves with os._exit."""
        if self.world > 1 and dist.is_initialized():
            dist.barrier()


class Trainer:
    def __init__(self, corpus: Corpus, settings: Dict[str, Any], env: Dist, start: Optional[ckpt.Checkpoint] = None,
                 kept: Optional[ckpt.Checkpoint] = None):
        self.env = env
        dev = env.device
        self.corpus = corpus
        self.train = corpus.train
        self.settings = settings
        V = len(corpus.vocab)
        self.vocab = corpus.vocab
        if start is not None:
            if start.vocab != corpus.vocab:
                raise UsageError("the checkpoint's vocabulary is not the corpus file's: export the corpus with the same vocabulary (export-corpus --vocab-from is not needed when the corpus is the one the model was trained on)")
            config = start.config
        else:
            config = ModelConfig(V, settings["hiddenSize"], settings["layers"])
        self.config = config
        model = CharRnn(config, torch.from_numpy(start.params) if start is not None else None)
        if start is None:
            model.initialise(settings["seed"])
        self.model = model.to(dev)
        self.ddp = torch.nn.parallel.DistributedDataParallel(self.model, device_ids=[dev.index] if dev.type == "cuda" else None) if env.world > 1 else self.model
        self.direct: Optional[DirectTable] = None
        if settings["directOrders"] > 0:
            if start is not None and start.direct is not None:
                self.direct = DirectTable(start.direct, torch.from_numpy(start.table).to(dev),
                                          torch.from_numpy(start.direct_sum_sq).to(dev) if start.direct_sum_sq is not None else None)
            else:
                dc = config_for_budget(settings["directOrders"], V, settings["directMB"])
                self.direct = DirectTable(dc, torch.zeros(dc.rows, V, device=dev))
            settings["directOrders"] = self.direct.config.orders
        T, B = settings["seqLength"], settings["batchSize"]
        if B < env.world:
            raise UsageError(f"--batch {B} is smaller than the {env.world} processes: each needs at least one stream")
        self.mine = env.share(B)
        self.optimizer = Optimizer(settings["optimizer"], settings["learningRate"], settings["clipMode"], settings["clip"], config.parameter_count, dev)
        self.rng = Rng((settings["seed"] ^ 0x5EED1E55) & 0xFFFFFFFF)
        nl = newline_id(corpus.vocab)
        self.sampler = StreamSampler(self.train, nl, B, settings["lineStartProb"], settings["segmentChars"])
        val = corpus.val if corpus.val.tokens.shape[0] > 0 else None
        sample = validation_sample(val, settings["valMaxChars"], nl) if val is not None else None
        self.val_sample = sample if sample is not None and len(sample.names) > 0 else None
        self.val_fingerprint = fingerprint(self.val_sample) if self.val_sample is not None else None
        H, L = config.hidden_size, config.layers
        self.carry = [torch.zeros(len(self.mine), H, device=dev) for _ in range(L)]
        self.step = 0
        self.chars_seen = 0.0
        self.smooth_loss = math.log(V)
        self.history: List[Dict[str, Any]] = []
        self.schedule = initial_schedule()
        self.early_stop: Optional[tuple] = None
        self.last_val: Optional[float] = None
        self.kept: Optional[tuple] = None  # (params (P), table) of the best model while the live one differs
        self.resumed_exactly = False
        if start is not None and start.settings is not None:
            self._restore(start, kept)

    def _restore(self, s: ckpt.Checkpoint, kept: Optional[ckpt.Checkpoint]) -> None:
        settings = self.settings
        dev = self.env.device
        self.step = s.step
        self.chars_seen = s.chars_seen
        self.history = [p for p in s.history if p["step"] <= s.step]
        if s.optimizer.get("name") == settings["optimizer"] and s.optimizer_state:
            self.optimizer.restore(int(s.optimizer["step"]), {k: torch.from_numpy(v).to(dev) for k, v in s.optimizer_state.items()})
        r = s.resume
        T, B = settings["seqLength"], settings["batchSize"]
        L, H = self.config.layers, self.config.hidden_size
        if r is not None:
            self.smooth_loss = r["smoothLoss"]
            prev = s.settings
            if (r["dataFingerprint"] == fingerprint(self.train) and s.streams.shape == (2, B) and s.carry.size == L * B * H
                    and prev["seqLength"] == T and prev["seed"] == settings["seed"] and prev["lineStartProb"] == settings["lineStartProb"]
                    and prev.get("segmentChars", 0) == settings["segmentChars"]):
                self.rng.set_state(r["rng"])
                self.sampler.set_state(s.streams[0], s.streams[1])
                full = torch.from_numpy(s.carry.reshape(L, B, H))
                self.carry = [full[l, self.mine.start:self.mine.stop].clone().to(dev) for l in range(L)]
                self.resumed_exactly = True
        self.last_val = next((p["valBitsPerChar"] for p in reversed(self.history) if p.get("valBitsPerChar") is not None), None)
        saved = s.schedule
        if saved:
            self.schedule = json.loads(json.dumps(saved))
            best = saved.get("best")
            same = saved.get("valFingerprint") is not None and saved.get("valFingerprint") == self.val_fingerprint
            if best and same and best["step"] == s.step:
                self._keep_live()
            elif best and same and kept is not None and kept.params.size == s.params.size:
                self.kept = (torch.from_numpy(kept.params).to(dev), torch.from_numpy(kept.table).to(dev) if kept.table is not None else None)
            elif best:
                self.schedule = {"sinceImprovement": 0, "reductions": 0, "lrScale": saved["lrScale"]}
            sc = self.schedule
            if settings["patience"] > 0 and sc["reductions"] >= MAX_REDUCTIONS and sc["sinceImprovement"] >= settings["patience"]:
                sc["sinceImprovement"] = 0
                sc["reductions"] = 0

    def _keep_live(self) -> None:
        table = self.direct.table.clone() if self.direct is not None else None
        self.kept = (self.model.flat.detach().clone(), table)

    def direct_decay_factor(self, lr_scale: float) -> float:
        B, T = self.settings["batchSize"], self.settings["seqLength"]
        steps_per_pass = max(1.0, self.train.tokens.shape[0] / (B * T))
        per_step = min(self.settings["directDecay"] / steps_per_pass, MAX_DIRECT_DECAY_PER_STEP)
        return math.exp(-per_step * lr_scale * DIRECT_DECAY_EVERY)

    def gradients(self) -> Tuple[float, np.ndarray, Optional[Tuple[np.ndarray, torch.Tensor]]]:
        """Draws the next chunk and runs the forward and backward passes, carrying the state forward. Leaves
        the parameters' gradient of the mean loss in `model.flat.grad` (P); returns the chunk's mean loss
        (nats per character), its inputs (T, B), and with direct connections the rows it touches (U) with
        their gradient (U, V) of the loss summed over positions (what the table's row-wise Adagrad takes)."""
        s = self.settings
        T, B = s["seqLength"], s["batchSize"]
        dev = self.env.device
        chunk = self.sampler.fill(T, self.rng)
        b0, b1 = self.mine.start, self.mine.stop
        mine = lambda a: torch.from_numpy(np.ascontiguousarray(a[:, b0:b1])).to(dev)  # noqa: E731
        bias = None
        rows = None
        if self.direct is not None:
            R = self.direct.config.orders
            rows = chunk_rows(self.direct.config, self.train.tokens, chunk.position, chunk.file_start).reshape(T, B, R)
            bias = self.direct.bias(torch.from_numpy(np.ascontiguousarray(rows[:, b0:b1].reshape(-1, R))).to(dev)).requires_grad_(True)
        weight_total = float(T * B)
        scale = self.env.world / weight_total  # DDP averages over the ranks: the sum over all positions / weight_total
        weight = torch.ones(T, b1 - b0, device=dev)
        loss_sum, carry = self.ddp(mine(chunk.inputs), mine(chunk.targets), mine(chunk.reset), weight, self.carry, bias)
        (loss_sum * scale).backward()
        self.carry = carry
        loss = float(self.env.sum_(loss_sum.detach().double().reshape(1))) / weight_total
        if rows is None:
            return loss, chunk.inputs, None
        # every rank gathers every position's dy = w (p - onehot) (N, V) and makes the same update of the whole table
        R, V = self.direct.config.orders, self.config.vocab_size
        unique, inverse = np.unique(rows.reshape(-1), return_inverse=True)
        g_pos = self.env.gather_streams((bias.grad / scale).view(T, b1 - b0, V), B).reshape(T * B, V)  # (N, V)
        inv = torch.from_numpy(np.ascontiguousarray(inverse.reshape(T * B, R).T)).to(dev)  # (R, N)
        G = torch.zeros(unique.shape[0], V, device=dev)  # (U, V)
        for r in range(R):
            G.index_add_(0, inv[r], g_pos)
        return loss, chunk.inputs, (unique, G)

    def train_step(self) -> float:
        """One optimizer step on one chunk; returns its mean loss in nats per character."""
        s = self.settings
        weight_total = float(s["seqLength"] * s["batchSize"])
        loss, _, direct_grad = self.gradients()
        lr_scale = self.schedule["lrScale"]
        finite = math.isfinite(loss)
        norm = self.optimizer.update(self.model.flat.data, self.model.flat.grad, lr_scale) if finite else float("nan")
        self.model.flat.grad = None
        if not finite or not math.isfinite(norm):
            self.early_stop = ("diverged", f"training diverged at step {self.step + 1}: the {'gradient' if finite else 'loss'} is not finite")
            return loss
        if direct_grad is not None:
            unique, G = direct_grad
            self.direct.adagrad(torch.from_numpy(unique).to(self.env.device), G, s["directLearningRate"] * lr_scale)
            if s["directDecay"] > 0 and (self.step + 1) % DIRECT_DECAY_EVERY == 0:
                self.direct.table.mul_(self.direct_decay_factor(lr_scale))
        self.step += 1
        self.chars_seen += weight_total
        self.smooth_loss = loss if self.step == 1 and not self.history else 0.95 * self.smooth_loss + 0.05 * loss
        uniform = math.log(self.config.vocab_size)
        if self.smooth_loss > uniform + DIVERGED_LOSS_NATS:
            self.early_stop = ("diverged", f"training diverged at step {self.step}: the training loss {self.smooth_loss:.3f} nats/char is worse than uniform guessing ({uniform:.2f} nats/char); lower the learning rate")
        if self.step % s["historyEverySteps"] == 0:
            self.history.append({"step": self.step, "charsSeen": self.chars_seen, "loss": self.smooth_loss})
        return loss

    def validate(self) -> Optional[float]:
        if self.val_sample is None or self.settings["valMaxChars"] == 0:
            return None
        nats, chars = bits_per_char(self.model, self.direct, self.val_sample, self.env.device, share=(self.env.rank, self.env.world))
        sums = self.env.sum_(torch.tensor([nats, chars], dtype=torch.float64, device=self.env.device))
        bpc = float(sums[0]) / float(sums[1]) / math.log(2)
        self.last_val = bpc
        if self.history and self.history[-1]["step"] == self.step:
            self.history[-1]["valBitsPerChar"] = bpc
        else:
            self.history.append({"step": self.step, "charsSeen": self.chars_seen, "loss": self.smooth_loss, "valBitsPerChar": bpc})
        new_best, stop = judge_validation(self.schedule, bpc, self.step, self.chars_seen, self.smooth_loss, self.config.vocab_size,
                                          self.settings["patience"], self.val_fingerprint)
        if new_best:
            self._keep_live()
        if stop:
            self.early_stop = stop
        return bpc

    def full_carry(self) -> np.ndarray:
        """(L, B, H) the carried state of every stream (a collective under torchrun)."""
        return self.env.gather_streams(torch.stack(self.carry), self.settings["batchSize"]).cpu().numpy()

    def snapshot(self, carry: np.ndarray) -> ckpt.Checkpoint:
        st = self.sampler.get_state()
        return ckpt.Checkpoint(
            config=self.config, vocab=self.vocab, params=self.model.flat.detach().cpu().numpy().copy(),
            direct=self.direct.config if self.direct else None,
            table=self.direct.table.cpu().numpy().copy() if self.direct else None,
            settings=dict(self.settings), step=self.step, chars_seen=self.chars_seen,
            optimizer={"name": self.settings["optimizer"], "step": self.optimizer.step},
            optimizer_state={k: v.cpu().numpy().copy() for k, v in self.optimizer.state.items()},
            history=ckpt.finite_history(json.loads(json.dumps(self.history))),
            schedule=json.loads(json.dumps(self.schedule)),
            resume={"rng": self.rng.get_state(), "smoothLoss": self.smooth_loss, "dataFingerprint": fingerprint(self.train)},
            carry=carry, streams=np.array([st["pos"], st["end"]], dtype=np.int64),
            direct_sum_sq=self.direct.sum_sq.cpu().numpy().copy() if self.direct else None,
        )

    def kept_checkpoint(self) -> Optional[ckpt.Checkpoint]:
        """The best model with its step, when the live model is not it (job.ts: no optimizer or stream state)."""
        best = self.schedule.get("best")
        if not best or best["step"] == self.step or self.kept is None:
            return None
        params, table = self.kept
        return ckpt.Checkpoint(
            config=self.config, vocab=self.vocab, params=params.cpu().numpy().copy(),
            direct=self.direct.config if self.direct else None, table=table.cpu().numpy().copy() if table is not None else None,
            settings=dict(self.settings), step=best["step"], chars_seen=best["charsSeen"], optimizer={"name": self.settings["optimizer"], "step": 0},
            history=ckpt.finite_history(json.loads(json.dumps(self.history))), schedule=json.loads(json.dumps(self.schedule)), latest_step=self.step,
        )


def checkpoint_interval(k: int, every: float) -> float:
    return min(every, FIRST_CHECKPOINT_SEC * 2 ** max(0, k - 1))


class Reporter:
    """--json: one JSON event a line on stdout (the names of `char-rnn train --json`); a terminal: a
    progress bar on stderr; otherwise a plain line per progress event."""

    def __init__(self, json_mode: bool, active: bool):
        self.json = json_mode
        self.active = active
        self.tty = sys.stderr.isatty()
        self.bar_open = False
        self.last_line = -1e9  # when the last plain progress line was written
        self.corpus: Dict[str, Any] = {}  # the corpus summary, written with the 'start' event as train --json does

    def event(self, e: Dict[str, Any]) -> None:
        if not self.active:
            return
        if self.json:
            if e["event"] == "corpus":
                self.corpus = {"files": e["files"], "trainFiles": e["trainFiles"], "valFiles": e["valFiles"], "corpusChars": e["chars"], "unknownChars": e["unknownChars"]}
                return
            if e["event"] == "start":
                e = {**e, **self.corpus}
            print(json.dumps({k: ckpt.js_number(v) for k, v in e.items() if v is not None}), flush=True)
            return
        kind = e["event"]
        if kind == "progress":
            width = 30
            filled = int(width * e["fraction"])
            eta = e["etaSec"]
            text = (f"[{'#' * filled}{'-' * (width - filled)}] {100 * e['fraction']:5.1f}% step {e['step']} loss {e['loss']:.3f} "
                    f"{e['charsPerSec']:,.0f} chars/s eta {'?' if not math.isfinite(eta) else f'{eta:.0f}s'}")
            if self.tty:
                sys.stderr.write("\r" + text)
                self.bar_open = True
            elif time.monotonic() - self.last_line >= 10:  # a log file: a line every 10 s
                self.last_line = time.monotonic()
                sys.stderr.write(text + "\n")
            sys.stderr.flush()
        elif kind in ("val", "start", "corpus", "done", "checkpoint"):
            if self.bar_open:
                sys.stderr.write("\n")
                self.bar_open = False
            if kind == "val":
                sys.stderr.write(f"step {e['step']}: validation {e['valBitsPerChar']:.3f} bits/char (best {e.get('bestValBitsPerChar') or float('nan'):.3f} at step {e.get('bestStep')})\n")
            elif kind == "corpus":
                sys.stderr.write(f"corpus: {e['trainFiles']} training files, {e['valFiles']} validation files, {e['chars']:,} characters\n")
            elif kind == "start":
                sys.stderr.write(f"training {e['parameters']:,} parameters from step {e['step']} on {e['device']} x {e['processes']}\n")
            elif kind == "done":
                sys.stderr.write(f"done ({e['reason']}): step {e['step']}, loss {e['loss']:.3f}, {e['charsPerSec']:,.0f} chars/s\n")
            sys.stderr.flush()


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m char_rnn_torch.train", description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", required=True, help="the corpus file of `char-rnn export-corpus`")
    p.add_argument("--out", required=True, help="the checkpoint to write (the best model; the latest state beside it)")
    p.add_argument("--resume", help="a checkpoint of either trainer to continue")
    p.add_argument("--hidden", type=int, help="H (16..1024; default 256)")
    p.add_argument("--layers", type=int, help="L (1..4; default 1)")
    p.add_argument("--seq", type=int, help="T, steps per chunk (default 64)")
    p.add_argument("--batch", type=int, help="B, the global number of streams (default 32)")
    p.add_argument("--optimizer", choices=["adam", "adagrad"])
    p.add_argument("--lr", type=float)
    p.add_argument("--clip", type=float)
    p.add_argument("--clip-mode", choices=["norm", "value"])
    p.add_argument("--seed", type=int)
    p.add_argument("--patience", type=int)
    p.add_argument("--direct-orders", type=int, help="0: no direct connections (default 8)")
    p.add_argument("--direct-mb", type=float)
    p.add_argument("--direct-lr", type=float)
    p.add_argument("--direct-decay", type=float)
    p.add_argument("--segment-chars", type=int)
    p.add_argument("--val-every", type=int, help="validate every this many steps (default 100)")
    p.add_argument("--val-max-chars", type=int)
    budget = p.add_mutually_exclusive_group()
    budget.add_argument("--steps", type=int, help="stop at this step (counting resumed ones)")
    budget.add_argument("--seconds", type=float)
    budget.add_argument("--minutes", type=float)
    p.add_argument("--checkpoint-every", type=float, default=60, help="seconds between checkpoints (default 60)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--threads", type=int, help="PyTorch's CPU threads per process (default: the cores / processes)")
    p.add_argument("--json", action="store_true", help="JSON events on stdout, one a line")
    return p.parse_args(argv)


FLAG_SETTINGS = {
    "hidden": "hiddenSize", "layers": "layers", "seq": "seqLength", "batch": "batchSize", "optimizer": "optimizer",
    "lr": "learningRate", "clip": "clip", "clip_mode": "clipMode", "seed": "seed", "patience": "patience",
    "direct_orders": "directOrders", "direct_mb": "directMB", "direct_lr": "directLearningRate", "direct_decay": "directDecay",
    "segment_chars": "segmentChars", "val_every": "valEverySteps", "val_max_chars": "valMaxChars",
}

BOUNDS = {
    "hiddenSize": (16, 1024), "layers": (1, 4), "seqLength": (1, 4096), "batchSize": (1, 1024), "seed": (0, 0xFFFFFFFF),
    "patience": (0, 1_000_000), "directOrders": (0, 8), "directMB": (1, 1024), "valEverySteps": (1, 10 ** 9),
    "valMaxChars": (0, 10 ** 9), "directDecay": (0, 10),
}


def check_settings(s: Dict[str, Any]) -> None:
    for key, (lo, hi) in BOUNDS.items():
        if not (lo <= s[key] <= hi):
            raise UsageError(f"{key} must be from {lo} to {hi}, got {s[key]}")
    if not (s["segmentChars"] == 0 or 2 <= s["segmentChars"] <= 10 ** 9):
        raise UsageError(f"segmentChars must be 0 (to the end of each file) or at least 2, got {s['segmentChars']}")
    if not (0 < s["learningRate"] <= 10):
        raise UsageError(f"learningRate must be in (0, 10], got {s['learningRate']}")
    if not (0 < s["directLearningRate"] <= 10):
        raise UsageError(f"directLearningRate must be in (0, 10], got {s['directLearningRate']}")
    if not (s["clip"] > 0):
        raise UsageError(f"clip must be a positive number, got {s['clip']}")


def run(args: argparse.Namespace) -> int:
    env = Dist(args.device)
    lead = env.rank == 0
    reporter = Reporter(args.json, lead)
    try:
        if args.threads is not None:
            torch.set_num_threads(max(1, args.threads))
        elif env.device.type == "cpu":
            torch.set_num_threads(max(1, (os.cpu_count() or 1) // env.world))
        try:
            corpus = load_corpus(args.corpus)
        except FormatError as err:
            raise UsageError(str(err)) from None
        if corpus.train.tokens.shape[0] == 0:
            raise UsageError(f"{args.corpus}: has no training file: nothing to train on")
        given = {FLAG_SETTINGS[k]: v for k, v in vars(args).items() if k in FLAG_SETTINGS and v is not None}
        if "optimizer" in given and "learningRate" not in given:
            given["learningRate"] = DEFAULT_LEARNING_RATE[given["optimizer"]]
        start = kept = None
        note = None
        if args.resume:
            try:
                start = ckpt.load(args.resume)
            except FormatError as err:
                raise UsageError(str(err)) from None
            if start.settings is None:
                raise UsageError(f"{args.resume}: holds a model but no training state to resume")
            for flag, key, have in (("--hidden", "hiddenSize", start.config.hidden_size), ("--layers", "layers", start.config.layers)):
                if key in given and given[key] != have:
                    raise UsageError(f"cannot resume with {flag} {given[key]}: the checkpoint's model has {have}")
            if start.latest_step is not None:
                latest_path = ckpt.latest_path_of(args.resume)
                latest = None
                try:
                    latest = ckpt.load(latest_path) if os.path.exists(latest_path) else None
                except FormatError:
                    latest = None
                if latest is not None and latest.settings is not None and latest.step == start.latest_step:
                    start, kept = latest, start
                else:
                    note = f"the latest state {latest_path} is missing or holds another run: continuing from the best model (step {start.step}) with a fresh optimizer state"
            settings = {**ckpt.DEFAULT_SETTINGS, **start.settings, **given, "hiddenSize": start.config.hidden_size, "layers": start.config.layers}
        else:
            settings = {**ckpt.DEFAULT_SETTINGS, **given}
        settings["threads"] = 1
        check_settings(settings)
        if args.out and os.path.isdir(args.out):
            raise UsageError(f"--out {args.out} is a folder: give a file name such as {os.path.join(args.out, 'model.safetensors')}")
        trainer = Trainer(corpus, settings, env, start, kept)
        reporter.event({"event": "corpus", "files": len(corpus.train.names) + len(corpus.val.names), "trainFiles": len(corpus.train.names),
                        "valFiles": len(corpus.val.names), "chars": int(corpus.train.tokens.shape[0] + corpus.val.tokens.shape[0]), "unknownChars": corpus.unknown_chars})
        return train_loop(trainer, args, env, reporter, note)
    finally:
        env.close()


def train_loop(t: Trainer, args: argparse.Namespace, env: Dist, reporter: Reporter, note: Optional[str]) -> int:
    lead = env.rank == 0
    seconds = args.seconds if args.seconds is not None else args.minutes * 60 if args.minutes is not None else None
    steps = args.steps
    if steps is None and seconds is None:
        seconds = 60.0
    stop_requested = [False]

    def on_signal(signum, frame):  # noqa: ARG001
        if stop_requested[0]:
            sys.exit(130)
        stop_requested[0] = True
        if not args.json and lead:
            sys.stderr.write("\nstopping: saving a checkpoint (Ctrl-C again to quit without saving)\n")

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    t0 = time.monotonic()
    start_chars = t.chars_seen
    elapsed = lambda: time.monotonic() - t0  # noqa: E731
    rate = lambda: (t.chars_seen - start_chars) / max(1e-9, elapsed())  # noqa: E731
    start_event = {"event": "start", "step": t.step, "charsSeen": t.chars_seen, "loss": t.smooth_loss, "parameters": t.config.parameter_count,
                   "trainChars": int(t.train.tokens.shape[0]), "valChars": int(t.corpus.val.tokens.shape[0]), "resumedExactly": t.resumed_exactly,
                   "device": str(env.device), "processes": env.world}
    if note:
        start_event["note"] = note
    reporter.event(start_event)
    out_best_step = [t.step if args.resume and os.path.abspath(args.resume) == os.path.abspath(args.out) else None]
    wrote_latest = [False]
    written = [False]
    latest_path = ckpt.latest_path_of(args.out)

    def save() -> None:
        carry = t.full_carry()  # a collective: every rank
        if not lead:
            return
        kept = t.kept_checkpoint()
        best = t.schedule.get("best")
        if t.early_stop and t.early_stop[0] == "diverged":
            if best and best["step"] != out_best_step[0]:
                if kept is not None:
                    kept.latest_step = None
                    ckpt.save(args.out, kept)
                else:
                    ckpt.save(args.out, t.snapshot(carry))
                out_best_step[0] = best["step"]
                written[0] = True
            if wrote_latest[0] and os.path.exists(latest_path):
                os.unlink(latest_path)
            wrote_latest[0] = False
            return
        if kept is not None:
            ckpt.save(latest_path, t.snapshot(carry))
            wrote_latest[0] = True
            ckpt.save(args.out, kept)
        else:
            ckpt.save(args.out, t.snapshot(carry))
            if os.path.exists(latest_path):
                os.unlink(latest_path)
            wrote_latest[0] = False
        out_best_step[0] = best["step"] if best else None
        written[0] = True
        reporter.event({"event": "checkpoint", "step": t.step, "charsSeen": t.chars_seen, "loss": t.smooth_loss, "path": args.out,
                        "keptStep": kept.step if kept is not None else t.step})

    def fraction() -> float:
        f = []
        if steps is not None:
            f.append(t.step / max(1, steps))
        if seconds is not None:
            f.append(elapsed() / seconds)
        return min(1.0, max(0.0, *f))

    def validate() -> None:
        bpc = t.validate()
        best = t.schedule.get("best")
        if bpc is not None:
            reporter.event({"event": "val", "step": t.step, "charsSeen": t.chars_seen, "loss": t.smooth_loss, "valBitsPerChar": bpc,
                            "bestValBitsPerChar": best["valBitsPerChar"] if best else None, "bestStep": best["step"] if best else None,
                            "lrScale": t.schedule["lrScale"]})

    reason = "steps"
    validated_at = -1
    last_progress = t0
    last_checkpoint = t0
    checkpoints = 0
    while True:
        # every rank stops, and checkpoints, at the same step: the lead's clock and signals decide
        flags = torch.zeros(2, device=env.device)
        if lead:
            if stop_requested[0]:
                flags[0] = 1
            elif steps is not None and t.step >= steps:
                flags[0] = 2
            elif seconds is not None and elapsed() >= seconds:
                flags[0] = 3
        env.max_(flags)
        if t.early_stop:
            reason = t.early_stop[0]
            break
        if flags[0] > 0:
            reason = {1: "stopped", 2: "steps", 3: "time"}[int(flags[0])]
            break
        t.train_step()
        if t.early_stop:
            continue
        if t.step % t.settings["valEverySteps"] == 0:
            validate()
            validated_at = t.step
        now = time.monotonic()
        if now - last_progress >= 0.5 and lead:
            last_progress = now
            fr = fraction()
            reporter.event({"event": "progress", "step": t.step, "charsSeen": t.chars_seen, "loss": t.smooth_loss, "charsPerSec": rate(),
                            "elapsedSec": elapsed(), "fraction": fr, "etaSec": elapsed() * (1 - fr) / fr if fr > 0 else float("inf")})
        every = checkpoint_interval(checkpoints, args.checkpoint_every)
        due = torch.tensor([1.0 if lead and now - last_checkpoint >= every else 0.0], device=env.device)
        env.max_(due)
        if due[0] > 0:
            last_checkpoint = now
            checkpoints += 1
            save()
    if validated_at != t.step and not t.early_stop:
        validate()
        if t.early_stop and t.early_stop[0] == "diverged":
            reason = "diverged"
    save()
    best = t.schedule.get("best")
    reporter.event({"event": "done", "step": t.step, "charsSeen": t.chars_seen, "loss": t.smooth_loss, "valBitsPerChar": t.last_val,
                    "reason": reason, "elapsedSec": elapsed(), "charsPerSec": rate(),
                    "bestValBitsPerChar": best["valBitsPerChar"] if best else None, "bestStep": best["step"] if best else None,
                    "message": t.early_stop[1] if t.early_stop else None})
    if reason == "diverged":
        if lead:
            sys.stderr.write(f"char_rnn_torch: {t.early_stop[1] if t.early_stop else 'training diverged'}; "
                             f"{args.out + ' holds the best model found' if written[0] else args.out + ' was not written'}\n")
        return 2
    if lead and not args.json:
        where = f"; the latest state (step {t.step}) is in {latest_path}, which --resume continues" if wrote_latest[0] else ""
        kept_step = best["step"] if best and wrote_latest[0] else t.step
        sys.stderr.write(f"saved {args.out}: step {kept_step}" + (f", validation {best['valBitsPerChar']:.3f} bits/char" if best else "") + where + "\n")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    try:
        code = run(args)
    except UsageError as err:
        sys.stderr.write(f"char_rnn_torch: {err}\n")
        code = 1
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        # under torchrun: leave without the interpreter's teardown, where the process group's destructor and
        # the GIL can deadlock in PyTorch 1.13 (everything is written, and every rank is done, by now)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
