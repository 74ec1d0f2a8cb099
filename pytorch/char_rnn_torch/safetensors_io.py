"""The safetensors format as the project writes it (src/core/checkpoint/safetensors/): an 8-byte
little-endian header length, a JSON header (tensors in sorted-name order, keys sorted, padded with
spaces to a multiple of 8), then each tensor's little-endian bytes. `__metadata__` carries `crc32`, the
CRC-32 of the data region, and `header_crc32`, the CRC-32 of the length prefix and the header with its
own 8 digits read as '00000000'. Both are checked on reading when present.
"""
from __future__ import annotations

import json
import os
import struct
import tempfile
import zlib
from typing import Dict, Tuple

import numpy as np

DTYPES = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8"), "I32": np.dtype("<i4"), "I64": np.dtype("<i8"), "U8": np.dtype("u1")}
WRITE_DTYPES = {np.dtype("float32"): "F32", np.dtype("int32"): "I32", np.dtype("uint8"): "U8"}
PLACEHOLDER = "00000000"
MAX_HEADER_BYTES = 100_000_000


class FormatError(Exception):
    """A file that is not a valid safetensors file of this project, with the file and the defect named."""


def encode(tensors: Dict[str, np.ndarray], metadata: Dict[str, str]) -> bytes:
    """The bytes of a safetensors file: tensors (float32, int32 or uint8 arrays) and string metadata.
    `crc32` and `header_crc32` are added (any given are replaced)."""
    names = sorted(tensors)
    chunks = []
    entries = []
    offset = 0
    for name in names:
        a = np.ascontiguousarray(tensors[name])
        if a.dtype not in WRITE_DTYPES:
            raise ValueError(f"tensor '{name}' has dtype {a.dtype}; only float32, int32 and uint8 are written")
        raw = a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
        entries.append((name, WRITE_DTYPES[a.dtype], list(a.shape), offset, offset + len(raw)))
        chunks.append(raw)
        offset += len(raw)
    data = b"".join(chunks)
    meta = {k: v for k, v in metadata.items() if k not in ("crc32", "header_crc32")}
    for k, v in meta.items():
        if not isinstance(v, str):
            raise ValueError(f"metadata '{k}' must be a string")
    meta["crc32"] = f"{zlib.crc32(data) & 0xFFFFFFFF:08x}"
    meta["header_crc32"] = PLACEHOLDER
    members = [("__metadata__", "{" + ",".join(f"{_js(k)}:{_js(meta[k])}" for k in sorted(meta)) + "}")]
    for name, dtype, shape, begin, end in entries:
        members.append((name, f'{{"data_offsets":[{begin},{end}],"dtype":"{dtype}","shape":[{",".join(str(d) for d in shape)}]}}'))
    members.sort(key=lambda m: m[0])
    header = ("{" + ",".join(f"{_js(k)}:{v}" for k, v in members) + "}").encode("utf-8")
    padded = (len(header) + 7) // 8 * 8
    head = bytearray(struct.pack("<Q", padded) + header + b" " * (padded - len(header)))
    pattern = f'"header_crc32":"{PLACEHOLDER}"'.encode("ascii")
    at = head.index(pattern, 8) + len(pattern) - 1 - len(PLACEHOLDER)
    head[at:at + 8] = f"{zlib.crc32(bytes(head)) & 0xFFFFFFFF:08x}".encode("ascii")
    return bytes(head) + data


def _js(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def write_atomic(path: str, data: bytes) -> None:
    """Writes `data` to `path` through a temporary file beside it and a rename: a reader never sees half a file."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def decode(raw: bytes, source: str) -> Tuple[Dict[str, np.ndarray], Dict[str, str]]:
    """Tensors (numpy arrays, copies) and metadata of a safetensors file's bytes; FormatError names the defect."""
    def fail(problem: str):
        raise FormatError(f"{source}: {problem}")

    if len(raw) < 8:
        fail("too short to be a safetensors file")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > MAX_HEADER_BYTES or 8 + n > len(raw):
        fail(f"header length {n} does not fit the file of {len(raw)} bytes")
    try:
        header = json.loads(raw[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        fail(f"header is not JSON ({err})")
    if not isinstance(header, dict):
        fail("header is not a JSON object")
    metadata = header.pop("__metadata__", {}) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        fail("__metadata__ must map strings to strings")
    data = raw[8 + n:]
    if "crc32" in metadata and f"{zlib.crc32(data) & 0xFFFFFFFF:08x}" != metadata["crc32"].lower():
        fail("the data's checksum (crc32) does not match: the file is corrupt")
    if "header_crc32" in metadata:
        digits = metadata["header_crc32"]
        head = bytearray(raw[:8 + n])
        pattern = f'"header_crc32":"{digits}"'.encode("ascii", "replace")
        at = head.find(pattern, 8)
        if at < 0:
            fail("header_crc32 is not written the way this format writes it: the file is corrupt")
        at += len(pattern) - 1 - len(digits)
        head[at:at + 8] = PLACEHOLDER.encode("ascii")
        if f"{zlib.crc32(bytes(head)) & 0xFFFFFFFF:08x}" != digits:
            fail("the header's checksum (header_crc32) does not match: the file is corrupt")
    tensors = {}
    for name, entry in header.items():
        if not isinstance(entry, dict) or entry.get("dtype") not in DTYPES:
            fail(f"tensor '{name}' has an unsupported entry {str(entry)[:60]}")
        begin, end = entry["data_offsets"]
        shape = entry["shape"]
        dtype = DTYPES[entry["dtype"]]
        count = int(np.prod(shape)) if shape else 1
        if not (0 <= begin <= end <= len(data)) or end - begin != count * dtype.itemsize:
            fail(f"tensor '{name}' has data offsets [{begin}, {end}] that do not fit its shape {shape} or the file")
        tensors[name] = np.frombuffer(data, dtype=dtype, count=count, offset=begin).reshape(shape).copy()
    return tensors, metadata


def read(path: str) -> Tuple[Dict[str, np.ndarray], Dict[str, str]]:
    """Reads a safetensors file (a regular file) into tensors and metadata."""
    if not os.path.isfile(path):
        raise FormatError(f"{path}: not a regular file" if os.path.exists(path) else f"{path}: no such file")
    with open(path, "rb") as f:
        return decode(f.read(), path)
