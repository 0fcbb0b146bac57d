"""A learner's GloVe text is parsed once: later loads memory-map its checksummed binary cache."""

import os
import zipfile

import numpy as np
import pytest

from rnncourse import glove

TINY = {"the": [0.1, 0.2, 0.3], "king": [0.9, 0.8, 0.1], "queen": [0.9, 0.1, 0.8]}


@pytest.fixture()
def user_text(tmp_path, monkeypatch):
    """``data/glove.6B.100d.txt`` (three 3-d vectors) in a course root under ``tmp_path``."""
    monkeypatch.setenv("RNNCOURSE_ROOT", str(tmp_path))
    monkeypatch.delenv("RNNCOURSE_CACHE", raising=False)
    (tmp_path / "data").mkdir()
    path = tmp_path / "data" / "glove.6B.100d.txt"
    path.write_text("".join(f"{w} {' '.join(map(str, v))}\n" for w, v in TINY.items()))
    return path


def parses(monkeypatch):
    """A list that grows by one each time a GloVe text is parsed."""
    calls, real = [], glove.read_glove_text
    monkeypatch.setattr(glove, "read_glove_text", lambda *a, **k: calls.append(a) or real(*a, **k))
    return calls


def test_second_load_reads_the_binary_cache_memory_mapped(user_text, monkeypatch):
    calls = parses(monkeypatch)
    first = glove.load_glove_vectors("glove.6B.100d")
    second = glove.load_glove_vectors("glove.6B.100d")
    assert len(calls) == 1 and isinstance(second.vectors, np.memmap)
    assert second.words == first.words == list(TINY)
    np.testing.assert_array_equal(second.vectors, first.vectors)


def test_changed_text_is_parsed_again(user_text, monkeypatch):
    glove.load_glove_vectors("glove.6B.100d")
    user_text.write_text(user_text.read_text() + "man 0.5 0.9 0.0\n")
    calls = parses(monkeypatch)
    assert glove.load_glove_vectors("glove.6B.100d").words == [*TINY, "man"] and len(calls) == 1


def test_damaged_cache_is_rebuilt_with_a_warning(user_text, tmp_path):
    glove.load_glove_vectors("glove.6B.100d")
    cached = tmp_path / "data" / "cache" / "glove.6B.100d.txt.vectors.npy"
    good = cached.read_bytes()
    cached.write_bytes(good[:-4] + b"\0\0\0\0")
    with pytest.warns(
        RuntimeWarning, match=r"glove\.6B\.100d\.txt\.vectors\.npy: the binary cache .* damaged"
    ):
        vectors = glove.load_glove_vectors("glove.6B.100d")
    np.testing.assert_array_equal(vectors["queen"], np.float32(TINY["queen"]))
    assert cached.read_bytes() == good


def test_text_from_the_full_zip_is_extracted_once(user_text, tmp_path, monkeypatch):
    with zipfile.ZipFile(tmp_path / "data" / "glove.6B.zip", "w") as archive:
        archive.write(user_text, "glove.6B.300d.txt")
    os.remove(user_text)
    calls = parses(monkeypatch)
    for _ in range(2):
        assert glove.load_glove_vectors("glove.6B.300d").words == list(TINY)
    assert len(calls) == 1
