"""The project's checkpoint format (src/core/checkpoint/checkpoint.ts), read and written here so that a
model trained in PyTorch loads in the editor and the CLI, and a TypeScript run resumes here:

    rnn.weight_ih_l{l} (H, V or H)  rnn.weight_hh_l{l} (H, H)  rnn.bias_ih_l{l} (H)  rnn.bias_hh_l{l} (H) zeros
    out.weight (V, H)  out.bias (V)       nn.RNN(V, H, L, nonlinearity='tanh') + nn.Linear(H, V) names
    me.weight (R, V)                      the direct connections (metadata 'direct': orders, rowsPerOrder, hash)
    optim.m, optim.v | optim.mem (P)      the optimizer state in the flat parameter layout
    optim.me.adagrad (R)                  the table's row-wise Adagrad state
    train.carry (L, B, H)  train.streams (2, B) I32
    __metadata__: format 'char-rnn-complete', format_version '2', vocab, config, direct, settings, step,
                  chars_seen, optimizer, history, schedule, latest_step, resume; crc32 and header_crc32
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import numpy as np

from . import safetensors_io
from .direct import HASH_NAME, DirectConfig
from .model import ModelConfig
from .optim import STATE_NAMES

FORMAT_NAME = "char-rnn-complete"
FORMAT_VERSION = 2

DEFAULT_SETTINGS: Dict[str, Any] = {
    "hiddenSize": 256, "layers": 1, "seqLength": 64, "batchSize": 32, "optimizer": "adam", "learningRate": 5e-3,
    "clipMode": "norm", "clip": 5, "seed": 1, "lineStartProb": 0.3, "segmentChars": 1024, "valEverySteps": 100,
    "valMaxChars": 20000, "patience": 10, "historyEverySteps": 10, "threads": 1, "directOrders": 8, "directMB": 32,
    "directLearningRate": 0.1, "directDecay": 0.5,
}


def latest_path_of(out: str) -> str:
    """Where a run keeps its latest state beside the best model `out` (checkpoint.ts, latestPathOf)."""
    return out[: -len(".safetensors")] + ".latest.safetensors" if out.endswith(".safetensors") else out + ".latest"


@dataclass
class Checkpoint:
    config: ModelConfig
    vocab: List[str]
    params: np.ndarray  # (P) float32 in the flat layout
    direct: Optional[DirectConfig] = None
    table: Optional[np.ndarray] = None  # (R, V)
    # the training run's state, when the file has one
    settings: Optional[Dict[str, Any]] = None
    step: int = 0
    chars_seen: float = 0
    optimizer: Dict[str, Any] = field(default_factory=lambda: {"name": "adam", "step": 0})
    optimizer_state: Dict[str, np.ndarray] = field(default_factory=dict)
    history: List[Dict[str, Any]] = field(default_factory=list)
    schedule: Optional[Dict[str, Any]] = None
    latest_step: Optional[int] = None
    resume: Optional[Dict[str, Any]] = None  # rng, smoothLoss, dataFingerprint
    carry: Optional[np.ndarray] = None  # (L, B, H)
    streams: Optional[np.ndarray] = None  # (2, B)
    direct_sum_sq: Optional[np.ndarray] = None  # (R)


def _fail(path: str, problem: str):
    raise safetensors_io.FormatError(f"{path}: {problem}")


def load(path: str) -> Checkpoint:
    """Reads a checkpoint of this project (or of PyTorch with the same names and a vocabulary); every
    problem raises FormatError with one line that names it."""
    tensors, meta = safetensors_io.read(path)
    if meta.get("format", FORMAT_NAME) != FORMAT_NAME:
        _fail(path, f"not a Char-RNN checkpoint (format '{meta.get('format')}')")
    version = meta.get("format_version")
    if version is not None:
        if not version.isdigit():
            _fail(path, f"format_version '{version}' is not a version number")
        if int(version) > FORMAT_VERSION:
            _fail(path, f"written by a newer version of Char-RNN Complete (format {version}); this version reads format {FORMAT_VERSION}")
        if int(version) >= 2 and "header_crc32" not in meta:
            _fail(path, "the header checksum 'header_crc32' is missing: the file is corrupt")
    if "vocab" not in meta:
        _fail(path, "not a Char-RNN checkpoint: its metadata has no 'vocab'")
    vocab = json.loads(meta["vocab"])
    if not isinstance(vocab, list) or len(vocab) < 2 or vocab[0] != "":
        _fail(path, "'vocab' must be a JSON array of strings starting with ''")
    if "rnn.weight_hh_l0" not in tensors:
        _fail(path, "tensor 'rnn.weight_hh_l0' is missing")
    H = int(tensors["rnn.weight_hh_l0"].shape[0])
    L = 1 + max(int(n.rsplit("_l", 1)[1]) for n in tensors if n.startswith("rnn.") and n.rsplit("_l", 1)[1].isdigit())
    config = ModelConfig(len(vocab), H, L)
    try:
        config.validate()
    except ValueError as err:
        _fail(path, f"unsupported model shape: {err}")
    params = np.zeros(config.parameter_count, dtype=np.float32)
    layout = config.layout()

    def put(key: str, name: str) -> np.ndarray:
        if name not in tensors:
            _fail(path, f"tensor '{name}' is missing")
        offset, shape = layout[key]
        t = tensors[name]
        if tuple(t.shape) != shape or t.dtype.kind != "f":
            _fail(path, f"tensor '{name}' has shape {list(t.shape)} ({t.dtype}), expected {list(shape)} float")
        params[offset:offset + t.size] = t.astype(np.float32).reshape(-1)
        return t

    for l in range(L):
        put(f"Wxh{l}", f"rnn.weight_ih_l{l}")
        put(f"Whh{l}", f"rnn.weight_hh_l{l}")
        put(f"bh{l}", f"rnn.bias_ih_l{l}")
        extra = tensors.get(f"rnn.bias_hh_l{l}")
        if extra is not None:
            offset, _ = layout[f"bh{l}"]
            params[offset:offset + H] += extra.astype(np.float32).reshape(-1)  # PyTorch adds its two biases
    put("Why", "out.weight")
    put("by", "out.bias")
    ck = Checkpoint(config, vocab, params)
    if "me.weight" in tensors:
        if "direct" not in meta:
            _fail(path, "tensor 'me.weight' needs the metadata 'direct' ({orders, rowsPerOrder, hash})")
        d = json.loads(meta["direct"])
        if d.get("hash") != HASH_NAME:
            _fail(path, f"direct connections hashed with '{d.get('hash')}'; this version reads '{HASH_NAME}'")
        ck.direct = DirectConfig(int(d["orders"]), int(d["rowsPerOrder"]), len(vocab))
        ck.direct.validate()
        if tuple(tensors["me.weight"].shape) != (ck.direct.rows, len(vocab)):
            _fail(path, f"tensor 'me.weight' has shape {list(tensors['me.weight'].shape)}, expected [{ck.direct.rows}, {len(vocab)}]")
        ck.table = tensors["me.weight"].astype(np.float32)
    if "settings" in meta:
        ck.settings = {**DEFAULT_SETTINGS, **json.loads(meta["settings"])}
        ck.step = int(meta.get("step", "0"))
        ck.chars_seen = float(meta.get("chars_seen", "0"))
        ck.optimizer = json.loads(meta.get("optimizer", '{"name":"adam","step":0}'))
        names = STATE_NAMES.get(ck.optimizer.get("name"), ())
        state = {n: tensors[f"optim.{n}"].astype(np.float32).reshape(-1) for n in names if f"optim.{n}" in tensors}
        if len(state) == len(names) and all(s.size == config.parameter_count for s in state.values()):
            ck.optimizer_state = state
        else:
            ck.optimizer = {"name": ck.optimizer.get("name", "adam"), "step": 0}
        ck.history = json.loads(meta.get("history", "[]"))
        if "schedule" in meta:
            ck.schedule = json.loads(meta["schedule"])
        if "latest_step" in meta:
            ck.latest_step = int(meta["latest_step"])
        if "resume" in meta and "train.carry" in tensors and "train.streams" in tensors:
            ck.resume = json.loads(meta["resume"])
            ck.carry = tensors["train.carry"].astype(np.float32)
            ck.streams = tensors["train.streams"].astype(np.int64)
        if ck.direct is not None and "optim.me.adagrad" in tensors and tensors["optim.me.adagrad"].size == ck.direct.rows:
            ck.direct_sum_sq = tensors["optim.me.adagrad"].astype(np.float32).reshape(-1)
    return ck


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def js_number(v: Any) -> Any:
    """A value as JavaScript's JSON.stringify and String() write it: whole floats without '.0',
    non-finite numbers as null."""
    if isinstance(v, float):
        if not math.isfinite(v):
            return None
        return int(v) if v.is_integer() and abs(v) < 2 ** 53 else v
    return v


def encode(ck: Checkpoint) -> bytes:
    """The checkpoint's bytes (the TypeScript encoder's names and metadata)."""
    config = ck.config
    V, H, L = config.vocab_size, config.hidden_size, config.layers
    layout = config.layout()

    def view(key: str) -> np.ndarray:
        offset, shape = layout[key]
        return ck.params[offset:offset + int(np.prod(shape))].reshape(shape).astype(np.float32)

    tensors: Dict[str, np.ndarray] = {}
    for l in range(L):
        tensors[f"rnn.weight_ih_l{l}"] = view(f"Wxh{l}")
        tensors[f"rnn.weight_hh_l{l}"] = view(f"Whh{l}")
        tensors[f"rnn.bias_ih_l{l}"] = view(f"bh{l}")
        tensors[f"rnn.bias_hh_l{l}"] = np.zeros(H, dtype=np.float32)
    tensors["out.weight"] = view("Why")
    tensors["out.bias"] = view("by")
    meta = {
        "format": FORMAT_NAME,
        "format_version": str(FORMAT_VERSION),
        "config": _json({"vocabSize": V, "hiddenSize": H, "layers": L}),
        "vocab": _json(ck.vocab),
    }
    if ck.direct is not None:
        tensors["me.weight"] = ck.table.astype(np.float32)
        meta["direct"] = _json({"orders": ck.direct.orders, "rowsPerOrder": ck.direct.rows_per_order, "hash": HASH_NAME})
    if ck.settings is not None:
        if ck.direct is not None and ck.direct_sum_sq is not None:
            tensors["optim.me.adagrad"] = ck.direct_sum_sq.astype(np.float32)
        for name, data in ck.optimizer_state.items():
            tensors[f"optim.{name}"] = data.astype(np.float32).reshape(-1)
        meta["settings"] = _json(ck.settings)
        meta["step"] = str(ck.step)
        meta["chars_seen"] = json.dumps(js_number(float(ck.chars_seen)))
        meta["optimizer"] = _json(ck.optimizer)
        meta["history"] = _json(ck.history)
        if ck.schedule is not None:
            meta["schedule"] = _json({k: v for k, v in ck.schedule.items() if v is not None})
        if ck.latest_step is not None:
            meta["latest_step"] = str(ck.latest_step)
        if ck.resume is not None and ck.carry is not None and ck.streams is not None:
            tensors["train.carry"] = ck.carry.astype(np.float32)
            tensors["train.streams"] = ck.streams.astype(np.int32)
            meta["resume"] = _json(ck.resume)
    return safetensors_io.encode(tensors, meta)


def save(path: str, ck: Checkpoint) -> None:
    """Writes a checkpoint atomically."""
    safetensors_io.write_atomic(path, encode(ck))


def finite_history(history: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The history without points whose figures are not finite (JSON has no NaN)."""
    return [p for p in history if all(not isinstance(v, float) or math.isfinite(v) for v in p.values())]
