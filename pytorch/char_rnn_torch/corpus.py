"""The corpus file of `char-rnn export-corpus` (src/core/train/corpus-export.ts) and what the trainer
derives from it as the TypeScript trainer does: the training and validation files (EncodedFiles), the
data fingerprint a resumed run checks, and the fixed validation sample (src/core/train/streams.ts).

    tokens       (N)          U8 (vocabulary of at most 256 symbols) or I32
    file_starts  (files + 1)  I32
    file_split   (files)      U8: 0 train, 1 validation
    __metadata__ format 'char-rnn-corpus', format_version '1', vocab, files, unknown_chars
"""
from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from typing import List, Tuple

import numpy as np

from . import safetensors_io

FORMAT = "char-rnn-corpus"
FORMAT_VERSION = "1"
MIN_VALIDATION_PIECE = 1000


@dataclass
class EncodedFiles:
    """Files encoded into one array: tokens (total) uint8 or uint16 as in TypeScript, starts (files + 1) int32."""
    tokens: np.ndarray
    starts: np.ndarray
    names: List[str]


@dataclass
class Corpus:
    vocab: List[str]
    train: EncodedFiles
    val: EncodedFiles
    unknown_chars: int


def load_corpus(path: str) -> Corpus:
    """Reads and checks a corpus file; a malformed one raises FormatError naming the problem."""
    tensors, meta = safetensors_io.read(path)

    def fail(problem: str):
        raise safetensors_io.FormatError(f"{path}: {problem}")

    if meta.get("format") != FORMAT:
        fail(f"not a Char-RNN corpus file (format '{meta.get('format', '')}', expected '{FORMAT}'): write one with `char-rnn export-corpus`")
    if meta.get("format_version") != FORMAT_VERSION:
        fail(f"corpus format version {meta.get('format_version')} is not {FORMAT_VERSION}")
    try:
        vocab = json.loads(meta.get("vocab", ""))
        names = json.loads(meta.get("files", ""))
    except json.JSONDecodeError as err:
        fail(f"its metadata is not valid JSON ({err})")
    if not isinstance(vocab, list) or len(vocab) < 2 or vocab[0] != "" or not all(isinstance(s, str) for s in vocab):
        fail("'vocab' must be a JSON array of strings starting with the unknown symbol ''")
    if not isinstance(names, list) or not all(isinstance(s, str) for s in names):
        fail("'files' must be a JSON array of strings")
    for key in ("tokens", "file_starts", "file_split"):
        if key not in tensors:
            fail("it needs the tensors tokens, file_starts and file_split")
    tokens = tensors["tokens"].reshape(-1)
    starts = tensors["file_starts"].reshape(-1).astype(np.int64)
    split = tensors["file_split"].reshape(-1)
    if starts.shape[0] != len(names) + 1 or split.shape[0] != len(names):
        fail(f"file_starts must have {len(names) + 1} entries and file_split {len(names)}")
    if starts[0] != 0 or starts[-1] != tokens.shape[0] or np.any(np.diff(starts) < 0):
        fail("file_starts must run from 0 to the number of tokens without decreasing")
    if np.any(split > 1):
        fail("file_split must be 0 or 1")
    if tokens.size and (int(tokens.min()) < 0 or int(tokens.max()) >= len(vocab)):
        fail(f"a token is outside the {len(vocab)}-symbol vocabulary")
    token_dtype = np.uint8 if len(vocab) <= 256 else np.uint16

    def part(which: int) -> EncodedFiles:
        picked = [f for f in range(len(names)) if split[f] == which]
        pieces = [tokens[starts[f]:starts[f + 1]] for f in picked]
        out = np.concatenate(pieces).astype(token_dtype) if pieces else np.zeros(0, dtype=token_dtype)
        lengths = np.array([starts[f + 1] - starts[f] for f in picked], dtype=np.int64)
        part_starts = np.zeros(len(picked) + 1, dtype=np.int32)
        part_starts[1:] = np.cumsum(lengths)
        return EncodedFiles(out, part_starts, [names[f] for f in picked])

    return Corpus(vocab, part(0), part(1), int(meta.get("unknown_chars", "0")))


def newline_id(vocab: List[str]) -> int:
    """The id of '\\n', or the unknown symbol's (0) when the vocabulary has none."""
    return vocab.index("\n") if "\n" in vocab else 0


def fingerprint(files: EncodedFiles) -> str:
    """The TypeScript trainer's fingerprint of encoded data (model/encoded-text.ts): the token count and
    the CRC-32 of the tokens' bytes followed by the starts' bytes (little-endian)."""
    tok = np.ascontiguousarray(files.tokens.astype(files.tokens.dtype.newbyteorder("<"))).tobytes()
    st = np.ascontiguousarray(files.starts.astype("<i4")).tobytes()
    return f"{files.tokens.shape[0]}-{zlib.crc32(st, zlib.crc32(tok)) & 0xFFFFFFFF:08x}"


def validation_sample(files: EncodedFiles, max_chars: int, nl: int) -> EncodedFiles:
    """The fixed sample of the held-out files each validation reads (streams.ts, validationSample): at
    most max_chars tokens spread over files taken in the order of a CRC of their names, each a piece that
    starts at a line start. Everything, when it fits."""
    tokens, starts, names = files.tokens, files.starts, files.names
    if tokens.shape[0] <= max_chars:
        return files
    usable: List[Tuple[int, int, float]] = []
    for f in range(len(starts) - 1):
        if starts[f + 1] - starts[f] < 2:
            continue
        name = names[f].encode("utf-8")
        usable.append((zlib.crc32(name) & 0xFFFFFFFF, f, (zlib.crc32(name, 0x9E3779B9) & 0xFFFFFFFF) / 4294967296.0))
    usable.sort(key=lambda u: (u[0], u[1]))
    count = min(len(usable), max(1, max_chars // MIN_VALIDATION_PIECE))
    chosen = usable[:count]
    size = lambda f: int(starts[f + 1] - starts[f])  # noqa: E731
    by_size = sorted(chosen, key=lambda u: (size(u[1]), u[1]))
    take = {}
    left = max_chars
    for i, (_, f, _) in enumerate(by_size):
        n = min(size(f), left // (len(by_size) - i))
        take[f] = n
        left -= n
    pieces = []
    for _, f, place in chosen:
        s, e, n = int(starts[f]), int(starts[f + 1]), take[f]
        if n < 2:
            continue
        frm = s + int(place * (e - s - n + 1))
        while frm > s and tokens[frm - 1] != nl:
            frm -= 1
        pieces.append((frm, frm + n, names[f] if frm == s else f"{names[f]}@{frm - s}"))
    out = np.concatenate([tokens[a:b] for a, b, _ in pieces]) if pieces else tokens[:0].copy()
    out_starts = np.zeros(len(pieces) + 1, dtype=np.int32)
    out_starts[1:] = np.cumsum([b - a for a, b, _ in pieces])
    return EncodedFiles(out, out_starts, [p[2] for p in pieces])
