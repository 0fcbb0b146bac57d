"""For learners: atomic writes and checksums: nothing on disk is ever left half-written."""

import hashlib
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


def sha256(path, chunk_size=1 << 20) -> str:
    """Hex SHA-256 of the file at ``path``."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(chunk_size), b""):
            digest.update(block)
    return digest.hexdigest()


class ChecksumError(ValueError):
    """A data or weights file does not have the SHA-256 it should have."""


def verify_sha256(path, expected: str, remedy: str) -> None:
    """Raise :class:`ChecksumError` naming ``path`` and ``remedy`` unless its SHA-256 is ``expected``."""
    actual = sha256(path)
    if actual != expected:
        raise ChecksumError(
            f"{path}: SHA-256 is {actual}, expected {expected}. "
            f"The file is corrupted or a different version. {remedy}"
        )


@contextmanager
def temporary_path(target):
    """Yield a fresh temporary path next to ``target`` (same suffixes, as Keras checks
    ``.weights.h5``); whatever is left at that path afterwards is removed."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    suffix = "".join(target.suffixes)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".tmp{suffix}", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp)
    tmp.chmod(0o644)
    try:
        yield tmp
    finally:
        if tmp.exists():
            tmp.unlink()


@contextmanager
def atomic_path(target):
    """Yield a temporary path next to ``target``; on success it replaces ``target`` atomically.

    On any exception the temporary file is removed and ``target`` is untouched.
    """
    with temporary_path(target) as tmp:
        yield tmp
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)


def write_bytes_atomic(target, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically."""
    with atomic_path(target) as tmp:
        Path(tmp).write_bytes(data)


def write_json_atomic(target, obj) -> None:
    """Write ``obj`` as indented, key-sorted JSON to ``target`` atomically."""
    text = json.dumps(obj, indent=2, sort_keys=True) + "\n"
    write_bytes_atomic(target, text.encode("utf-8"))


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data`` (what :func:`sha256` gives for a file holding it)."""
    return hashlib.sha256(data).hexdigest()


def json_bytes(obj) -> bytes:
    """The exact bytes :func:`write_json_atomic` writes for ``obj``."""
    return (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode("utf-8")


def fsync_file(path) -> None:
    """Flush the contents of the file at ``path`` to disk."""
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def fsync_directory(path) -> None:
    """Flush the entries of folder ``path`` (files renamed into or out of it) to disk.

    A no-op where folders cannot be opened or synced (Windows)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
