"""GloVe text input: byte-order marks, duplicate words, cut-short archives,
non-finite values; and the Arrow fast path agreeing with the line-by-line reader."""

import gzip
import zipfile

import numpy as np
import pytest

from rnncourse import glove

TEXT = "the 0.1 0.2 0.3\nof -1 2.5 3e-05\nand 4 5 6\n"
WORDS = ["the", "of", "and"]
VECTORS = np.float32([[0.1, 0.2, 0.3], [-1, 2.5, 3e-05], [4, 5, 6]])


def _write(tmp_path, data, name="g.txt"):
    path = tmp_path / name
    if isinstance(data, str):
        data = data.encode("utf-8")
    if name.endswith(".gz"):
        path.write_bytes(gzip.compress(data))
    elif name.endswith(".zip"):
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("g.txt", data)
    else:
        path.write_bytes(data)
    return path


@pytest.fixture()
def fast_path_only(monkeypatch):
    """Fail if the reader falls back to the line-by-line scan."""

    def scan(*args, **kwargs):
        raise AssertionError("the line-by-line reader was used")

    monkeypatch.setattr(glove, "_scan_lines", scan)


def _many_lines(n=5000):
    return "".join(f"w{i} {i % 7}.25 -{i % 3}.5 {i}e-05\n" for i in range(n)).encode()


@pytest.mark.parametrize("name", ["g.txt", "g.txt.gz", "g.zip"])
def test_byte_order_mark_is_not_part_of_the_first_word(tmp_path, name, fast_path_only):
    vectors = glove.read_glove_text(_write(tmp_path, "\ufeff" + TEXT, name), progress=False)
    assert vectors.words == WORDS and "the" in vectors and "\ufeffthe" not in vectors
    np.testing.assert_array_equal(vectors.vectors, VECTORS)


def test_byte_order_mark_on_the_line_by_line_path(tmp_path):
    path = _write(tmp_path, "\ufeff" + TEXT.replace("\n", " \n"))  # trailing spaces: line by line
    vectors = glove.read_glove_text(path, progress=False)
    assert vectors.words == WORDS
    np.testing.assert_array_equal(vectors.vectors, VECTORS)


@pytest.mark.parametrize("name", ["g.txt", "g.txt.gz", "g.zip"])
def test_duplicate_word_names_both_lines(tmp_path, name):
    path = _write(tmp_path, "the 1 2\nof 3 4\n\nthe 5 6\n", name)
    with pytest.raises(glove.GloveFormatError, match=rf"{name}, line 4: the word 'the' is already on line 1"):
        glove.read_glove_text(path, progress=False)


@pytest.mark.parametrize("name", ["g.txt.gz", "g.zip"])
@pytest.mark.parametrize("cut", [1, 8, 0.5])
def test_cut_short_archive_is_incomplete_or_damaged(tmp_path, name, cut):
    path = _write(tmp_path, _many_lines(), name)
    data = path.read_bytes()
    path.write_bytes(data[: -(cut if isinstance(cut, int) else int(len(data) * cut))])
    with pytest.raises(glove.GloveFormatError, match=rf"{name} is incomplete or damaged"):
        glove.read_glove_text(path, progress=False)


@pytest.mark.parametrize("name", ["g.txt.gz", "g.zip"])
def test_corrupted_archive_is_incomplete_or_damaged(tmp_path, name):
    path = _write(tmp_path, _many_lines(), name)
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(glove.GloveFormatError, match=rf"{name} is incomplete or damaged"):
        glove.read_glove_text(path, progress=False)


def test_multi_member_gzip_reads_whole(tmp_path, fast_path_only):
    text = _many_lines(3000)
    path = tmp_path / "g.txt.gz"
    path.write_bytes(gzip.compress(text[:20000]) + gzip.compress(text[20000:]))
    assert len(glove.read_glove_text(path, progress=False)) == 3000


@pytest.mark.parametrize(
    "value", ["nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e999", "1e39", "-3.5e38"]
)
@pytest.mark.parametrize("name", ["g.txt", "g.txt.gz"])
def test_non_finite_values_are_rejected_with_the_line(tmp_path, value, name):
    path = _write(tmp_path, f"the 1 2 3\nof 4 5 6\n\nnan 7 {value} 9\n", name)
    with pytest.raises(
        glove.GloveFormatError,
        match=rf"{name}, line 4: '{value}' is not a finite 32-bit number \(word 'nan'\)",
    ):
        glove.read_glove_text(path, progress=False)


def test_nan_null_and_non_ascii_words_load(tmp_path, fast_path_only):
    words = ["nan", "null", "NA", "inf", "-inf", "1e999", "café", "日本", '"', "#", "true"]
    text = "".join(f"{w} {i}.5 -{i}e-05\n" for i, w in enumerate(words))
    vectors = glove.read_glove_text(_write(tmp_path, text), progress=False)
    assert vectors.words == words
    np.testing.assert_array_equal(vectors["null"], np.float32([1.5, -1e-05]))
    np.testing.assert_array_equal(vectors.vectors[:, 0], np.float32([i + 0.5 for i in range(len(words))]))


def test_first_error_in_the_file_is_reported(tmp_path):
    path = _write(tmp_path, "the 1 2\nof 3 x\nand 4\n")
    with pytest.raises(glove.GloveFormatError, match=r"line 2: 'x' is not a number"):
        glove.read_glove_text(path, progress=False)
    path = _write(tmp_path, "the 1 2\nof 3 nan\nthe 4 5\n")
    with pytest.raises(glove.GloveFormatError, match=r"line 2: 'nan' is not a finite"):
        glove.read_glove_text(path, progress=False)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"the 1 2\n 3 4 5\n", r"line 2: expected a word and 2 numbers"),  # an empty word
        (b"the 1 2\no\tf 3 4\n", r"line 2: expected a word and 2 numbers, found 3"),  # a tab in it
        (b"the 1 2\no\x0cf 3 4\n", r"line 2: expected a word and 2 numbers, found 3"),  # a form feed in it
    ],
)
def test_words_arrow_would_accept_are_checked_as_line_by_line(tmp_path, content, message):
    assert glove.read_glove_text(_write(tmp_path, b"the 1 2\nof\t3 4\n"), progress=False).words == [
        "the",
        "of",
    ]
    with pytest.raises(glove.GloveFormatError, match=message):
        glove.read_glove_text(_write(tmp_path, content), progress=False)


def test_fast_and_line_by_line_paths_agree(tmp_path):
    rng = np.random.default_rng(1)
    values = rng.normal(scale=0.5, size=(3000, 7)).astype(np.float32)
    text = "".join(f"w{i} " + " ".join(f"{v:.5g}" for v in row) + "\n" for i, row in enumerate(values))
    fast = glove.read_glove_text(_write(tmp_path, text), progress=False, block_bytes=4096)
    one_thread = glove.read_glove_text(_write(tmp_path, text), progress=False, workers=1)
    slow_words, slow_vectors = glove._scan_lines(_write(tmp_path, text), batch_lines=1000)
    assert fast.words == one_thread.words == slow_words == [f"w{i}" for i in range(3000)]
    np.testing.assert_array_equal(
        fast.vectors, np.float32([[np.float32(f"{v:.5g}") for v in row] for row in values])
    )
    np.testing.assert_array_equal(fast.vectors, one_thread.vectors)
    np.testing.assert_array_equal(fast.vectors, slow_vectors)


def test_progress_bar_on_both_paths(tmp_path, capsys):
    for text in (TEXT, TEXT.replace("\n", " \n")):
        vectors = glove.read_glove_text(_write(tmp_path, text, "g.zip"), progress=True)
        assert vectors.words == WORDS
    err = capsys.readouterr().err
    assert "g.zip" in err and "line by line" in err


def test_damaged_full_glove_zip_in_data(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNCOURSE_ROOT", str(tmp_path))
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "glove.6B.zip").write_bytes(b"PK\x03\x04 cut short")
    with pytest.raises(glove.GloveFormatError, match=r"glove\.6B\.zip is incomplete or damaged"):
        glove.load_glove_vectors("glove.6B.100d")
