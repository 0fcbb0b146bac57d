"""Malformed or missing GloVe files, and vectors that do not fit the vocabulary, get a clear error
naming the file or argument."""

import numpy as np
import pytest

from rnncourse import glove


@pytest.mark.parametrize(
    "content, message",
    [
        ("the 0.1 0.2 0.3\nking 0.9 0.8\n", r"line 2: expected a word and 3 numbers, found 2"),
        ("the 0.1 0.2 0.3\nking 0.9 abc 0.1\n", r"line 2: 'abc' is not a number"),
        ("", r"is empty"),
        ("\n\n", r"is empty"),
    ],
)
def test_malformed_glove_files(tmp_path, content, message):
    path = tmp_path / "glove.bad.txt"
    path.write_text(content)
    with pytest.raises(glove.GloveFormatError, match=message) as caught:
        glove.read_glove_text(path, progress=False)
    assert "glove.bad.txt" in str(caught.value)


def test_missing_glove_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nothere\.txt not found"):
        glove.read_glove_text(tmp_path / "nothere.txt")


def test_unknown_glove_name_and_missing_larger_file(empty_root):
    with pytest.raises(ValueError, match=r"name='glove.6B.64d'"):
        glove.load_glove_vectors("glove.6B.64d")
    with pytest.raises(FileNotFoundError, match=r"glove\.6B\.300d\.txt not found.*glove\.6B\.zip"):
        glove.load_glove_vectors("glove.6B.300d")


def test_filter_glove_dimension_mismatch():
    with pytest.raises(
        ValueError, match=r"wordvec_dim=300 but the GloVe vectors have 3 dimensions.*glove\.6B\.300d"
    ):
        glove.filter_glove({"the": 1}, {"the": np.zeros(3)}, wordvec_dim=300)


def test_filter_glove_rejects_gappy_word_index():
    with pytest.raises(ValueError, match=r"indices must be 1..len\(word_index\)"):
        glove.filter_glove({"the": 5}, {"the": np.zeros(3)})


@pytest.mark.parametrize(
    "content, message",
    [
        ("the 0.1 0.2 0.3\nking 0.9 0.8\n", r"line 2: expected a word and 3 numbers, found 2"),
        ("the 0.1 0.2 0.3\nking 0.9 nan 0.1\n", r"line 2: 'nan' is not a finite"),
        ("the 0.1 0.2 0.3\nthe 0.9 0.8 0.1\n", r"line 2: the word 'the' is already on line 1"),
        ("", r"is empty"),
    ],
)
def test_malformed_file_read_through_the_cache_leaves_no_cache(tmp_path, content, message):
    path = tmp_path / "glove.bad.txt"
    path.write_text(content)
    with pytest.raises(glove.GloveFormatError, match=message) as caught:
        glove.read_glove_cached(path, progress=False, cache=tmp_path / "cache")
    assert "glove.bad.txt" in str(caught.value)
    assert list((tmp_path / "cache").glob("*")) == []  # no vectors, words, record or temporary file
