"""The bag-of-n-grams baselines (rnncourse/baseline.py): features, protocol and results, on a few
hundred reviews (seconds)."""

import json

import numpy as np
import pytest
from scipy import sparse

from rnncourse import baseline, data

LIMIT = 300
TEXTS = [
    "A good film, a GOOD film.",
    "Not good; don't watch it!",
    "good",
    "It's a film I don't like.",
    "don't watch it, don't",
]


@pytest.fixture(scope="module")
def tuned():
    return baseline.tuned_baselines(limit=LIMIT)


def _columns(matrix):
    """The columns of a sparse matrix as a sorted list of tuples (equal up to column order)."""
    return sorted(tuple(column) for column in np.asarray(matrix.todense()).T)


@pytest.mark.parametrize("max_n", [1, 2, 3])
def test_ngram_counts_equal_countvectorizer(max_n):
    from sklearn.feature_extraction.text import CountVectorizer

    texts = TEXTS + data.load_imdb_texts()[0][0][:40]
    counts, orders = baseline.ngram_counts(texts, max_n)
    vectorizer = CountVectorizer(ngram_range=(1, max_n), token_pattern=data._TOKEN.pattern)
    expected = vectorizer.fit_transform(texts)
    assert counts.shape == expected.shape
    assert _columns(counts) == _columns(expected)
    names = vectorizer.get_feature_names_out()
    assert sorted(np.bincount(orders)) == sorted(np.bincount([len(name.split()) for name in names]))


def test_ngram_counts_of_a_tiny_text():
    counts, orders = baseline.ngram_counts(["b a b", "a"], 2)
    # columns in order of first appearance: b, a, (b a), (a b)
    assert counts.toarray().tolist() == [[2, 1, 1, 1], [0, 1, 0, 0]]
    assert orders.tolist() == [1, 1, 2, 2]


def test_tfidf_features_equal_tfidfvectorizer():
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = data.load_imdb_texts()[0][0][:120]
    fit, score = texts[:100], texts[100:]
    counts, _ = baseline.ngram_counts(fit + score, 2)
    vocabulary = baseline._vocabulary(counts[:100], 2)
    ours = baseline._tfidf_features(counts[:100][:, vocabulary], counts[100:][:, vocabulary], None)
    vectorizer = TfidfVectorizer(
        ngram_range=(1, 2), min_df=2, sublinear_tf=True, token_pattern=data._TOKEN.pattern
    )
    theirs = vectorizer.fit_transform(fit), vectorizer.transform(score)
    for mine, reference in zip(ours, theirs):
        assert mine.shape == reference.shape
        for row_mine, row_reference in zip(mine, reference):  # same values in each row, any column order
            np.testing.assert_allclose(np.sort(row_mine.data), np.sort(row_reference.data), rtol=1e-12)


def test_nb_ratio_by_hand():
    indicators = sparse.csr_matrix([[1, 1, 0], [1, 0, 0], [0, 0, 1]])
    y = np.array([1, 1, 0])
    p, q = np.array([3.0, 2.0, 1.0]), np.array([1.0, 1.0, 2.0])  # alpha=1 plus the counts per label
    np.testing.assert_allclose(baseline.nb_ratio(indicators, y), np.log(p / 6) - np.log(q / 4))


@pytest.mark.parametrize("name", ["tfidf", "nbsvm"])
def test_tuned_baselines_protocol_and_keys(tuned, name):
    result = tuned[name]
    assert json.loads(json.dumps(result)) == result
    assert (result["n_train"], result["n_validation"], result["n_test"]) == (LIMIT, 30, LIMIT)
    assert set(result["validation_accuracy"]) == {f"{C:g}" for C in baseline.C_GRID}
    best = max(result["validation_accuracy"].values())
    assert result["C"] == min(C for C in baseline.C_GRID if result["validation_accuracy"][f"{C:g}"] == best)
    assert 0.6 < result["test_accuracy"] <= 1 and result["features"] > 1000 and result["seconds"] >= 0
    assert f"C={result['C']:g}" in result["model"] and "2,000" not in result["validation"]


def test_the_test_score_comes_from_the_fit_on_the_fitting_reviews(tuned):
    """The protocol of every IMDB model: C chosen on validation, the test scored by the classifier fitted
    on the other training reviews; the refit on all of them is a separate, labelled number."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    result = tuned["tfidf"]
    texts_train, y_train, texts_test, y_test, n_validation = baseline._reviews("bundled", LIMIT)
    n_fit = LIMIT - n_validation
    assert result["n_fit"] == n_fit and result["refit_all"]["n_train"] == LIMIT
    assert result["protocol"] == data.PROTOCOL
    assert result["val_accuracy"] == result["validation_accuracy"][f"{result['C']:g}"]

    def scored(texts, y):
        vectorizer = TfidfVectorizer(
            ngram_range=(1, 2), min_df=2, sublinear_tf=True, token_pattern=data._TOKEN.pattern
        )
        classifier = LogisticRegression(
            C=result["C"], solver="liblinear", dual=True, max_iter=1000, random_state=0
        )
        classifier.fit(vectorizer.fit_transform(texts), y)
        return np.mean(classifier.predict(vectorizer.transform(texts_test)) == y_test)

    assert result["test_accuracy"] == pytest.approx(scored(texts_train[:n_fit], y_train[:n_fit]), abs=1e-6)
    assert result["refit_all"]["test_accuracy"] == pytest.approx(scored(texts_train, y_train), abs=1e-6)


def test_weighted_average_chooses_its_weight_on_validation_only():
    y = np.array([1, 0, 1, 0])
    a = np.array([0.9, 0.2, 0.4, 0.6])  # right on the first two reviews
    b = np.array([0.4, 0.6, 0.9, 0.1])  # right on the last two
    result = baseline.weighted_average((a, b), (a, b), y, y)
    # 0.9w + 0.4(1-w) > 0.5 needs w > 0.2; 0.2w + 0.6(1-w) < 0.5 needs w > 0.25; 0.4w + 0.9(1-w) > 0.5
    # needs w < 0.8; 0.6w + 0.1(1-w) < 0.5 needs w < 0.8: every weight from 0.3 to 0.75 is right on all four
    assert result["val_accuracy"] == 1.0 and result["weight"] == 0.5
    assert set(result["validation_by_weight"]) == {f"{w:g}" for w in baseline.ENSEMBLE_WEIGHTS}
    flipped = baseline.weighted_average((a, b), (b, a), y, y)  # test probabilities never move the weight
    assert flipped["weight"] == 0.5 and flipped["test_accuracy"] == 1.0
    only_b = baseline.weighted_average((a, b), (a, b), np.array([0, 1, 1, 0]), y)
    # a is wrong on all four of these labels and b right: weights 0 to 0.15 tie at 1.0, the tie goes to 0.15
    assert only_b["val_accuracy"] == 1.0 and only_b["weight"] == 0.15


def test_one_baseline_alone_gives_the_same_result(tuned):
    alone = baseline.tfidf_baseline(limit=LIMIT)
    assert alone["C"] == tuned["tfidf"]["C"] and alone["test_accuracy"] == tuned["tfidf"]["test_accuracy"]
    assert alone["validation_accuracy"] == tuned["tfidf"]["validation_accuracy"]


def test_the_choice_of_C_never_sees_the_test_labels(tuned, monkeypatch):
    reviews = baseline._reviews

    def flipped_test_labels(source, limit):
        texts_train, y_train, texts_test, y_test, n_validation = reviews(source, limit)
        return texts_train, y_train, texts_test, 1 - y_test, n_validation

    monkeypatch.setattr(baseline, "_reviews", flipped_test_labels)
    flipped = baseline.nbsvm_baseline(limit=LIMIT)
    assert flipped["validation_accuracy"] == tuned["nbsvm"]["validation_accuracy"]
    assert flipped["C"] == tuned["nbsvm"]["C"]
    assert flipped["test_accuracy"] == pytest.approx(1 - tuned["nbsvm"]["test_accuracy"])


@pytest.fixture(scope="module")
def same_input():
    return baseline.same_input_baseline(limit=LIMIT, probabilities=True)


def test_id_ngram_counts_equal_countvectorizer_on_the_ids():
    from sklearn.feature_extraction.text import CountVectorizer

    rng = np.random.default_rng(0)
    sequences = [rng.integers(1, 25, size=rng.integers(0, 30)) for _ in range(40)]  # one may be empty
    counts, orders = baseline.id_ngram_counts(sequences, 2)
    vectorizer = CountVectorizer(ngram_range=(1, 2), token_pattern=r"\d+")
    expected = vectorizer.fit_transform([" ".join(map(str, ids)) for ids in sequences])
    assert _columns(counts) == _columns(expected)
    assert sorted(np.bincount(orders)) == sorted(
        np.bincount([len(name.split()) for name in vectorizer.get_feature_names_out()])
    )
    with pytest.raises(ValueError, match="padding"):
        baseline.id_ngram_counts([[0, 5, 6]], 2)


def test_same_input_reads_the_reviews_of_the_text_baselines_in_their_order():
    texts_train, y_train, texts_test, y_test, n_validation = baseline._reviews("bundled", LIMIT)
    ids_train, y_ids_train, ids_test, y_ids_test, n_ids_validation = baseline._review_ids(
        "bundled", LIMIT, 20000, 400
    )
    assert (
        (y_ids_train == y_train).all() and (y_ids_test == y_test).all() and n_ids_validation == n_validation
    )
    word_index = data.get_word_index()
    ids_of = data.word_ids(word_index, 20000)
    for text, ids in zip(texts_train[:20] + texts_test[:20], list(ids_train[:20]) + list(ids_test[:20])):
        # Rare words become id 2; words the training reviews never use are absent (load_imdb's encoding).
        expected = [1] + [ids_of.get(word, 2) for word in data.tokenize(text) if word in word_index]
        assert ids.tolist() == expected[-400:]  # the last 400 ids, the start marker only if it fits


def test_same_input_baseline_protocol_and_keys(same_input, tuned):
    from rnncourse import models

    assert json.loads(json.dumps(same_input)) == same_input
    assert set(tuned["tfidf"]) <= set(same_input)
    assert (same_input["n_train"], same_input["n_validation"], same_input["n_test"]) == (LIMIT, 30, LIMIT)
    best = max(same_input["validation_accuracy"].values())
    assert same_input["C"] == min(
        C for C in baseline.C_GRID if same_input["validation_accuracy"][f"{C:g}"] == best
    )
    assert 0.6 < same_input["test_accuracy"] <= 1 and f"C={same_input['C']:g}" in same_input["model"]
    recipe = models.RECIPES["best"]
    assert f"imdb_arrays(num_words={recipe.num_words}, seq_len={recipe.seq_len})" in same_input["input"]
    assert "tokenize" in tuned["tfidf"]["input"]


def test_probabilities_round_trip_compactly():
    probabilities = np.random.default_rng(0).random(5000)
    packed = baseline.pack_probabilities(np.r_[probabilities, 0.0, 1.0])
    assert isinstance(packed, str) and len(packed) < 3 * 5002
    unpacked = baseline.unpack_probabilities(packed)
    np.testing.assert_allclose(unpacked[:-2], probabilities, atol=0.5 / baseline.PROBABILITY_SCALE)
    assert unpacked[-2:].tolist() == [0.0, 1.0]


def test_returned_probabilities_give_the_reported_accuracies(same_input):
    n_fit = LIMIT - same_input["n_validation"]
    _, y_train, _, y_test, _ = baseline._review_ids("bundled", LIMIT, 20000, 400)
    validation = baseline.unpack_probabilities(same_input["validation_probabilities"])
    test = baseline.unpack_probabilities(same_input["test_probabilities"])
    assert (len(validation), len(test)) == (same_input["n_validation"], same_input["n_test"])
    chosen = same_input["validation_accuracy"][f"{same_input['C']:g}"]
    assert np.mean((validation > 0.5) == y_train[n_fit:]) == pytest.approx(chosen, abs=1 / len(validation))
    assert np.mean((test > 0.5) == y_test) == pytest.approx(same_input["test_accuracy"], abs=1 / len(test))
    plain = baseline.same_input_baseline(limit=LIMIT)
    assert "test_probabilities" not in plain and plain["test_accuracy"] == same_input["test_accuracy"]


def test_correct_on_test_marks_each_review_against_its_label():
    result = {"test_probabilities": baseline.pack_probabilities([0.9, 0.2, 0.6, 0.4])}
    assert baseline.correct_on_test(result, np.array([1, 0, 0, 1])).tolist() == [True, True, False, False]
    with pytest.raises(ValueError, match="shape"):
        baseline.correct_on_test(result, np.array([1, 0]))
    with pytest.raises(ValueError, match="probabilities=True"):
        baseline.correct_on_test({"test_accuracy": 0.9}, np.array([1, 0, 0, 1]))


def test_correct_on_test_gives_the_reported_test_accuracy(same_input):
    _, _, _, y_test, _ = baseline._review_ids("bundled", LIMIT, 20000, 400)
    correct = baseline.correct_on_test(same_input, y_test)
    assert correct.mean() == pytest.approx(same_input["test_accuracy"], abs=1 / len(y_test))
