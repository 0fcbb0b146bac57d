"""IMDB loading: the bundled split, Keras semantics, tokenisation, the other sources."""

import numpy as np
import pytest

from rnncourse import data
from rnncourse.fileio import sha256

TINY_TRAIN = [[1, 2, 3], [4, 5, 6, 7, 8, 9], [2, 2], [10, 1, 3, 3, 3], [7]]
TINY_TEST = [[3, 2, 1], [9, 9, 9, 9], [5], [1, 11, 2]]


@pytest.fixture()
def tiny_npz(tmp_path):
    path = tmp_path / "imdb.npz"
    data.write_imdb_npz(path, TINY_TRAIN, [0, 1, 0, 1, 1], TINY_TEST, [1, 0, 0, 1])
    return path


ARGUMENT_SETS = [
    {},
    {"num_words": 6},
    {"num_words": 8, "skip_top": 2},
    {"maxlen": 5, "seed": 7},
    {"start_char": None, "oov_char": None, "index_from": 0, "num_words": 5},
    {"start_char": None, "index_from": 2, "oov_char": 1, "seed": 0},
]


@pytest.mark.parametrize("kwargs", ARGUMENT_SETS)
def test_same_arrays_as_keras_load_data_on_the_same_npz(tiny_npz, monkeypatch, kwargs):
    from keras.src.datasets import imdb as keras_imdb

    monkeypatch.setattr(keras_imdb, "get_file", lambda **_: str(tiny_npz))
    ours = data.load_imdb_npz(tiny_npz, **kwargs)
    theirs = keras_imdb.load_data(**kwargs)
    for (x_ours, y_ours), (x_theirs, y_theirs) in zip(ours, theirs):
        assert [list(x) for x in x_ours] == [list(x) for x in x_theirs]
        np.testing.assert_array_equal(y_ours, y_theirs)


def test_same_arrays_as_keras_on_the_bundled_npz(monkeypatch):
    from keras.src.datasets import imdb as keras_imdb

    npz, _ = data.imdb_files("bundled")
    monkeypatch.setattr(keras_imdb, "get_file", lambda **_: str(npz))
    kwargs = {"num_words": 5000, "skip_top": 10, "maxlen": 300, "seed": 3}
    (x_ours, y_ours), (t_ours, u_ours) = data.load_imdb(**kwargs)
    (x_keras, y_keras), (t_keras, u_keras) = keras_imdb.load_data(**kwargs)
    assert [list(x) for x in x_ours] == [list(x) for x in x_keras]
    assert [list(x) for x in t_ours] == [list(x) for x in t_keras]
    np.testing.assert_array_equal(y_ours, y_keras)
    np.testing.assert_array_equal(u_ours, u_keras)


def test_bundled_split_sizes_labels_and_vocabulary():
    (x_train, y_train), (x_test, y_test) = data.load_imdb(num_words=10000)
    assert (len(x_train), len(x_test)) == (20000, 5000)
    assert int(y_train.sum()) == 10000 and int(y_test.sum()) == 2500
    assert max(max(x) for x in x_train) == 9999
    assert all(x[0] == 1 for x in x_train[:100])
    word_index = data.get_word_index()
    assert word_index["the"] == 1
    assert sorted(word_index.values()) == list(range(1, len(word_index) + 1))


def test_bundled_cache_holds_the_recorded_build():
    """The word ids, labels and vocabulary, whichever NumPy pickled the npz; the JSON files byte for byte."""
    npz, index = data.imdb_files("bundled")
    assert data._cache_content_sha256(npz, index.read_bytes()) == data.BUNDLED_CONTENT_SHA256
    assert sha256(index) == data.BUNDLED_WORD_INDEX_SHA256
    assert sha256(npz.with_name("imdb_bundled_texts.json")) == data.BUNDLED_TEXTS_SHA256


def test_bundled_texts_do_not_cross_the_split():
    (texts_train, y_train), (texts_test, y_test) = data.load_imdb_texts()
    assert len(texts_train) == 20000 and len(texts_test) == 5000
    assert not set(texts_train) & set(texts_test)
    assert not any("<br" in text for text in texts_train[:2000])


def test_split_keeps_duplicates_together_and_stratifies():
    texts = [f"review {i}" for i in range(40)] + ["same text"] * 3 + ["mixed"] * 2
    labels = np.array([i % 2 for i in range(40)] + [1, 1, 1] + [0, 1])
    train, test = data.split_bundled(texts, labels, seed=0, test_per_label=5)
    assert len(test) == 10 and int(labels[test].sum()) == 5
    sides = {texts[i]: ("test" if i in set(test) else "train") for i in range(len(texts))}
    for duplicated in ("same text", "mixed"):
        positions = [i for i, t in enumerate(texts) if t == duplicated]
        assert len({("test" if i in set(test) else "train") for i in positions}) == 1
    assert sides["mixed"] == "train"
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(len(texts)))


def test_build_vocabulary_ranks_by_frequency_then_alphabet():
    index = data.build_vocabulary([["b", "a", "c"], ["a", "b"], ["a"]])
    assert index == {"a": 1, "b": 2, "c": 3}


def test_clean_and_tokenize():
    text = data.clean_text("Great film!<br /><br />I didn&#39;t expect <i>that</i>.")
    assert text == "Great film! I didn't expect that ."
    assert data.tokenize(text) == ["great", "film", "i", "didn't", "expect", "that"]


def test_decode_review_round_trip():
    word_index = {"good": 1, "movie": 2}
    assert data.decode_review([0, 0, 1, 4, 5, 2, 99], word_index) == "[START] good movie [OOV] [?]"


def test_encode_texts_uses_the_training_ids():
    word_index = data.get_word_index()
    ids = data.encode_texts(["The movie was great", "zzzunknownzzz"], word_index, num_words=10000, seq_len=6)
    assert ids.shape == (2, 6) and ids.dtype == np.int32
    assert ids[0, -4:].tolist() == [word_index[w] + 3 for w in ("the", "movie", "was", "great")]
    assert ids[1, -2:].tolist() == [1, 2]


def test_word_ids_are_the_ids_load_imdb_keeps():
    word_index = data.get_word_index()
    ids = data.word_ids(word_index, num_words=100)
    assert sorted(ids.values()) == list(range(4, 100))  # 1-3: start, OOV, unused; ids < num_words
    assert all(ids[word] == word_index[word] + 3 for word in ids)
    (x_train, _), _ = data.load_imdb(num_words=100)
    assert {int(i) for x in x_train[:200] for i in x} - set(ids.values()) == {1, 2}
    assert data.word_ids({"good": 1, "movie": 2}, num_words=None, index_from=0) == {"good": 1, "movie": 2}
    assert data.word_ids({"good": 1, "movie": 2}, num_words=5) == {"good": 4}


def test_shuffled_order_is_the_order_of_load_imdb():
    (x_train, _), (x_test, y_test) = data.load_imdb()
    (texts_train, _), (texts_test, labels_test) = data.load_imdb_texts()
    word_index = data.get_word_index()
    train_order, test_order = data.shuffled_order(len(texts_train), len(texts_test))
    for ids, texts, order in ((x_train, texts_train, train_order), (x_test, texts_test, test_order)):
        for i in (0, 1, len(order) - 1):
            expected = [1] + [word_index[t] + 3 for t in data.tokenize(texts[order[i]]) if t in word_index]
            assert list(ids[i]) == expected
    assert np.array_equal(labels_test[test_order], y_test)


def test_imdb_arrays_longest_selects_the_longest_reviews():
    (x_train, y_train), (x_test, _) = data.imdb_arrays(10000, 50, n_train=100, longest=True)
    (full, _), _ = data.load_imdb(num_words=10000)
    lengths = sorted((len(x) for x in full), reverse=True)
    assert x_train.shape == (100, 50) and x_test.shape == (5000, 50)
    assert lengths[99] >= 50 and (x_train > 0).all()


def test_aclimdb_folder_source(aclimdb_folder):
    (x_train, y_train), (x_test, y_test) = data.load_imdb(source="aclimdb", seed=0)
    assert len(x_train) == len(x_test) == 4
    assert sorted(y_train.tolist()) == [0, 0, 1, 1]
    index = data.get_word_index(source="aclimdb")
    assert "train" in index and "test" not in index
    (texts, _), _ = data.load_imdb_texts(source="aclimdb")
    assert texts[0] == "awful bad train movie 0"
