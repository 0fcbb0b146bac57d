"""GloVe: the text reader, the bundled vectors, filtering for a vocabulary."""

import gzip
import zipfile

import numpy as np
import pytest

from rnncourse import glove

TINY = {
    "the": [0.1, 0.2, 0.3],
    "king": [0.9, 0.8, 0.1],
    "queen": [0.9, 0.1, 0.8],
    "man": [0.5, 0.9, 0.0],
    "woman": [0.5, 0.2, 0.7],
}


@pytest.fixture()
def tiny_file(tmp_path):
    path = tmp_path / "glove.tiny.3d.txt"
    path.write_text("".join(f"{w} {' '.join(map(str, v))}\n" for w, v in TINY.items()))
    return path


def test_read_text_gz_and_zip(tiny_file, tmp_path):
    gz = tmp_path / "tiny.txt.gz"
    gz.write_bytes(gzip.compress(tiny_file.read_bytes()))
    zipped = tmp_path / "tiny.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.write(tiny_file, "glove.tiny.3d.txt")
    for path in (tiny_file, gz, zipped):
        vectors = glove.read_glove_text(path, progress=False)
        assert vectors.words == list(TINY) and vectors.dim == 3
        np.testing.assert_array_equal(vectors.vectors, np.array(list(TINY.values()), dtype=np.float32))


def test_small_blocks_give_the_same_result(tiny_file):
    whole = glove.read_glove_text(tiny_file, progress=False)
    assert whole.words == list(TINY)
    np.testing.assert_array_equal(whole["queen"], np.float32(TINY["queen"]))
    small = glove.read_glove_text(tiny_file, progress=False, block_bytes=8, workers=1)
    assert small.words == whole.words
    np.testing.assert_array_equal(small.vectors, whole.vectors)


def test_analogy_and_neighbours_on_tiny_vectors(tiny_file):
    vectors = glove.read_glove_text(tiny_file, progress=False)
    assert vectors.analogy("king", "man", "woman", topn=1)[0][0] == "queen"
    word, similarity = vectors.most_similar("king", topn=1)[0]
    assert word != "king" and -1 <= similarity <= 1


def test_the_analogy_offset_adds_unit_vectors(tiny_file):
    """3CosAdd: each vector scaled to length 1 before the offset, so a long vector does not dominate."""
    vectors = glove.read_glove_text(tiny_file, progress=False)
    unit = {
        word: np.float32(TINY[word]) / np.linalg.norm(np.float32(TINY[word]))
        for word in ("king", "man", "woman")
    }
    np.testing.assert_allclose(
        vectors.offset("king", "man", "woman"), unit["king"] - unit["man"] + unit["woman"], rtol=1e-6
    )
    target = vectors.offset("king", "man", "woman")
    expected = [pair for pair in vectors.most_similar(target, topn=len(vectors)) if pair[0] not in unit][:2]
    assert vectors.analogy("king", "man", "woman", topn=2) == expected


def test_filter_glove_rows_follow_the_word_index(tiny_file):
    vectors = glove.read_glove_text(tiny_file, progress=False)
    matrix, hits, misses = glove.filter_glove({"king": 1, "zebra": 2, "the": 3}, vectors, 3)
    assert matrix.shape == (4, 3) and (hits, misses) == (2, 1)
    np.testing.assert_array_equal(matrix[1], np.float32(TINY["king"]))
    assert not matrix[0].any() and not matrix[2].any()
    matrix, _, _ = glove.filter_glove({"the": 1}, {"the": np.ones(3)})
    assert matrix.shape == (2, 3)


def test_bundled_vectors_are_the_real_glove_6b_50d():
    vectors = glove.load_glove_vectors("glove.6B.50d")
    assert len(vectors) == 400000 and vectors.dim == 50
    assert vectors.words[:3] == ["the", ",", "."]
    assert vectors.analogy("king", "man", "woman", topn=1)[0][0] == "queen"


def test_text_file_written_from_bundled_vectors_reads_back_exactly(monkeypatch):
    bundled = glove.bundled_glove()
    path = glove.glove_text_file()
    with open(path, encoding="utf-8") as handle:
        assert sum(1 for _ in handle) == 400000

    def scan(*args, **kwargs):
        raise AssertionError("the real GloVe file must be read by the fast path, not line by line")

    monkeypatch.setattr(glove, "_scan_lines", scan)
    read = glove.read_glove_text(path, progress=False)
    assert read.words == bundled.words
    np.testing.assert_array_equal(read.vectors, np.asarray(bundled.vectors))


def test_user_file_in_data_takes_precedence(tiny_file, tmp_path, monkeypatch):
    monkeypatch.setenv("RNNCOURSE_ROOT", str(tmp_path))
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "glove.6B.100d.txt").write_bytes(tiny_file.read_bytes())
    assert glove.load_glove_vectors("glove.6B.100d").words == list(TINY)


def test_glove_matrix_matches_load_imdb_ids():
    from rnncourse.data import get_word_index

    matrix = glove.glove_matrix(1000)
    vectors = glove.bundled_glove()
    assert matrix.shape == (1000, 50)
    assert not matrix[:4].any()
    the_id = get_word_index()["the"] + 3
    np.testing.assert_array_equal(matrix[the_id], vectors["the"])
