"""For learners (lessons 00 and 03) and the trainer: the models a practitioner would reach for instead
of an RNN, bag-of-n-grams linear classifiers.

Two baselines, tuned the way every model of the course should be (Wang & Manning, *Baselines and
Bigrams*, ACL 2012, is the reference for both), and a third that reads what the course's RNN reads:

:func:`tfidf_baseline`
    TF-IDF of word 1-2-grams (``min_df=2``, sublinear tf) + logistic regression.
:func:`nbsvm_baseline`
    NB-weighted logistic regression ("NBSVM" with a logistic loss): binary indicators of the word
    1-3-grams seen in at least 2 training reviews, scaled by the naive-Bayes log-count ratio ``r``
    (``alpha=1``).
:func:`same_input_baseline`
    :func:`tfidf_baseline`'s recipe on the word ids that ``best`` reads (``imdb_arrays(num_words=20000,
    seq_len=1000)``: the last 1,000 ids of each review, rarer words as the out-of-vocabulary id): it
    shows how much of the gap between the RNN and the baselines is their input.

Protocol (:data:`rnncourse.data.PROTOCOL`, the same for the course's RNNs): the regularisation ``C`` is
chosen from :data:`C_GRID` on a validation slice of the training reviews (the last
:data:`~rnncourse.data.VALIDATION_FRACTION` (10 %) of ``load_imdb``'s shuffled training order: with the
bundled data, the same 2,000 reviews the trainer's models hold out), with features, idf and ``r``
computed on the other 18,000 only; the classifier fitted on those 18,000 with the chosen ``C`` scores
the 5,000 test reviews once. The chosen ``C`` refitted on all 20,000 is scored as well (``refit_all``),
to show what the 2,000 validation reviews would add. Each function returns a JSON-ready dict;
:func:`tuned_baselines` fits both and counts the n-grams only once. With ``probabilities=True`` each
also returns its predicted probability for every validation and test review, packed
(:func:`pack_probabilities`), for paired comparisons and ensembles with the RNNs.

The features are exactly those of scikit-learn's ``CountVectorizer``/``TfidfVectorizer`` with the
course's tokeniser (``tests/library/test_baseline.py`` checks it); the n-grams are counted as integer codes
with NumPy, much faster than building them as strings.
"""

import time

import numpy as np

from .data import (
    PROTOCOL,
    SHUFFLE_SEED,
    VALIDATION_FRACTION,
    imdb_arrays,
    load_imdb_texts,
    shuffled_order,
    tokenize,
)

C_GRID = (0.25, 1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0)
"""Powers of 4. TF-IDF's validation accuracy was still rising at 1,024, the old top of the grid, and
is flat from 16,384 to 65,536: every baseline's chosen C now lies inside the grid (``C_at_grid_edge``)."""


def _reviews(source, limit):
    """Training texts in ``load_imdb``'s shuffled order, test texts, labels, and the validation size.

    ``limit`` keeps the first ``limit`` reviews of each shuffled split (for quick tests).
    """
    (texts_train, y_train), (texts_test, y_test) = load_imdb_texts(source)
    train_order, test_order = shuffled_order(len(texts_train), len(texts_test))
    if limit is not None:
        train_order, test_order = train_order[:limit], test_order[:limit]
    texts_train = [texts_train[i] for i in train_order]
    texts_test = [texts_test[i] for i in test_order]
    n_validation = int(round(VALIDATION_FRACTION * len(texts_train)))
    return texts_train, y_train[train_order], texts_test, y_test[test_order], n_validation


def _review_ids(source, limit, num_words, seq_len):
    """:func:`_reviews` for the word ids of ``imdb_arrays(num_words, seq_len)``: the same reviews in the
    same order, each as the int64 array of its ids without the padding, instead of its text."""
    (x_train, y_train), (x_test, y_test) = imdb_arrays(num_words=num_words, seq_len=seq_len, source=source)
    if limit is not None:
        x_train, y_train, x_test, y_test = x_train[:limit], y_train[:limit], x_test[:limit], y_test[:limit]
    ids_train, ids_test = ([row[row != 0].astype(np.int64) for row in x] for x in (x_train, x_test))
    n_validation = int(round(VALIDATION_FRACTION * len(ids_train)))
    return ids_train, y_train.astype(np.int64), ids_test, y_test.astype(np.int64), n_validation


def _ngram_codes(texts, max_n):
    """Integer codes of the word 1..``max_n``-grams of ``texts``: ``(document of each, code of each, B)``.

    Words are numbered 1, 2, … in order of first appearance, then coded by :func:`_id_ngram_codes`.
    Tokens are those of :func:`rnncourse.data.tokenize` (scikit-learn's ``token_pattern`` with the
    course's pattern).
    """
    numbers = {}
    token_ids = [
        np.array([numbers.setdefault(t, len(numbers) + 1) for t in tokenize(text)], dtype=np.int64)
        for text in texts
    ]
    return _id_ngram_codes(token_ids, len(numbers) + 1, max_n)


def _id_ngram_codes(token_ids, base, max_n):
    """Integer codes of the 1..``max_n``-grams of int64 id arrays ``token_ids`` (ids from 1 to
    ``base - 1``): ``(document of each, code of each, base)``.

    An n-gram ``(w1, …, wn)`` gets the code ``w1 * B**(n-1) + … + wn`` with ``B = base``, so the codes
    of n-grams lie in ``[B**(n-1), B**n)`` and orders never collide.
    """
    if base**max_n >= 2**63:
        raise ValueError(f"{base - 1:,} distinct words are too many for integer {max_n}-gram codes.")
    lengths = np.array([len(ids) for ids in token_ids], dtype=np.int64)
    flat = np.concatenate(token_ids) if len(token_ids) else np.zeros(0, dtype=np.int64)
    document = np.repeat(np.arange(len(token_ids)), lengths)
    documents, codes = [], []
    for n in range(1, max_n + 1):
        start = np.arange(len(flat) - n + 1)
        start = start[document[start] == document[start + n - 1]]  # n-grams inside one review
        code = np.zeros(len(start), dtype=np.int64)
        for offset in range(n):
            code = code * base + flat[start + offset]
        documents.append(document[start])
        codes.append(code)
    return np.concatenate(documents), np.concatenate(codes), base


def ngram_counts(texts, max_n):
    """``(counts, n)``: how often each word 1..``max_n``-gram occurs in each text, a CSR matrix
    ``(len(texts), distinct n-grams)`` of float64 (scikit-learn's ``CountVectorizer`` up to the order of
    the columns), and ``n``, the order (1, 2, 3, …) of each column's n-gram."""
    return _counts(*_ngram_codes(texts, max_n), len(texts), max_n)


def id_ngram_counts(sequences, max_n):
    """:func:`ngram_counts` for reviews given as sequences of word ids (each id >= 1; no padding): the
    ids are the words."""
    token_ids = [np.asarray(ids, dtype=np.int64) for ids in sequences]
    if any(len(ids) and ids.min() < 1 for ids in token_ids):
        raise ValueError("word ids must be >= 1: remove the padding (id 0) first.")
    base = 1 + max((int(ids.max()) for ids in token_ids if len(ids)), default=0)
    return _counts(*_id_ngram_codes(token_ids, base, max_n), len(token_ids), max_n)


def _counts(documents, codes, base, n_documents, max_n):
    """The count matrix and column orders of :func:`ngram_counts` from the n-grams' codes."""
    import pandas as pd
    from scipy import sparse

    columns, distinct = pd.factorize(codes)  # column j = the j-th distinct n-gram met
    counts = sparse.csr_matrix(
        (np.ones(len(codes)), (documents, columns)), shape=(n_documents, len(distinct))
    )
    counts.sum_duplicates()
    orders = 1 + np.searchsorted([base**k for k in range(1, max_n)], distinct, side="right")
    return counts, orders


def _vocabulary(counts_fit, min_df):
    """Columns of n-grams found in at least ``min_df`` of the fitting reviews."""
    return np.flatnonzero(np.diff((counts_fit > 0).tocsc().indptr) >= min_df)


def _tfidf_features(counts_fit, counts_score, y_fit):
    """TF-IDF (sublinear tf, smoothed idf, rows scaled to length 1) fitted on ``counts_fit`` (``y_fit`` is
    unused: the signature is that of :func:`_nb_features`)."""
    from sklearn.feature_extraction.text import TfidfTransformer

    transformer = TfidfTransformer(sublinear_tf=True).fit(counts_fit)
    return transformer.transform(counts_fit), transformer.transform(counts_score)


def nb_ratio(indicators, y, alpha=1.0):
    """Wang & Manning's log-count ratio ``r = log((p / |p|_1) / (q / |q|_1))`` of binary features:
    ``p = alpha + `` the positive reviews' indicators summed, ``q`` the same over negative reviews."""
    p = alpha + np.asarray(indicators[y == 1].sum(axis=0)).ravel()
    q = alpha + np.asarray(indicators[y == 0].sum(axis=0)).ravel()
    return np.log(p / p.sum()) - np.log(q / q.sum())


def _nb_features(counts_fit, counts_score, y_fit):
    """Binary indicators scaled by the log-count ratio ``r`` computed on the fitting reviews."""
    from scipy import sparse

    binary_fit, binary_score = (counts_fit > 0).astype(np.float64), (counts_score > 0).astype(np.float64)
    scale = sparse.diags(nb_ratio(binary_fit, y_fit))
    return binary_fit @ scale, binary_score @ scale


def _classifier(C):
    """L2-regularised logistic regression, solved to convergence (liblinear's dual solver suits many
    more features than reviews; fixed seed for its coordinate order)."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, solver="liblinear", dual=True, max_iter=1000, random_state=0)


def _accuracy(classifier, features, y):
    return float(np.mean(classifier.predict(features) == y))


PROBABILITY_SCALE = 65535
"""Packed probabilities are ``round(p * PROBABILITY_SCALE)`` as little-endian uint16 (resolution 1.5e-5)."""


def pack_probabilities(probabilities):
    """Probabilities in ``[0, 1]`` as one short JSON-ready string: each rounded to a multiple of
    ``1 / PROBABILITY_SCALE``, stored as little-endian uint16 and base64-encoded (about 2.7 characters
    a review). :func:`unpack_probabilities` reads it back."""
    import base64

    values = np.clip(np.ravel(np.asarray(probabilities, dtype=np.float64)), 0.0, 1.0)
    return base64.b64encode(np.round(values * PROBABILITY_SCALE).astype("<u2").tobytes()).decode("ascii")


def unpack_probabilities(packed):
    """The float64 array ``(n,)`` that :func:`pack_probabilities` packed into ``packed``."""
    import base64

    return np.frombuffer(base64.b64decode(packed), dtype="<u2").astype(np.float64) / PROBABILITY_SCALE


def correct_on_test(result, labels):
    """Review by review, whether the baseline ``result`` (one entry of :func:`tuned_baselines` or
    :func:`same_input_baseline`, fitted with ``probabilities=True``) is right on the test reviews whose
    labels are ``labels`` (0/1, in ``imdb_arrays``' order): a bool array ``(n_test,)``, for
    :func:`rnncourse.stats.paired_difference` against a model scored on the same reviews."""
    if "test_probabilities" not in result:
        raise ValueError(
            "this baseline result stores no per-review probabilities: fit it with probabilities=True, "
            "or read the manifest's record, written by `python -m rnncourse.tools.train baseline`."
        )
    probabilities = unpack_probabilities(result["test_probabilities"])
    labels = np.asarray(labels)
    if probabilities.shape != labels.shape:
        raise ValueError(
            f"labels has shape {labels.shape}, but the baseline scored {len(probabilities)} test reviews: "
            "pass the labels of the same test split (imdb_arrays' test labels)."
        )
    return (probabilities > 0.5) == (labels == 1)


ENSEMBLE_WEIGHTS = tuple(round(0.05 * i, 2) for i in range(21))
"""The weights of a model in :func:`weighted_average`, tried on validation: 0, 0.05, ..., 1."""


def weighted_average(validation, test, y_validation, y_test, weights=ENSEMBLE_WEIGHTS):
    """The ensemble ``w * p_a + (1 - w) * p_b`` of two models' probabilities, positive above 0.5, with
    ``w`` chosen on validation only (highest accuracy; ties: the ``w`` nearest 0.5), then the test
    reviews scored once. ``validation`` and ``test`` are pairs ``(p_a, p_b)`` of per-review
    probabilities; ``y_*`` the 0/1 labels. Returns ``{"weight", "val_accuracy", "test_accuracy",
    "validation_by_weight", "rule"}``."""

    def accuracy(pair, y, w):
        mixed = w * np.ravel(pair[0]) + (1 - w) * np.ravel(pair[1])
        return round(float(np.mean((mixed > 0.5) == (np.ravel(y) > 0.5))), 6)

    by_weight = {f"{w:g}": accuracy(validation, y_validation, w) for w in weights}
    chosen = max(weights, key=lambda w: (by_weight[f"{w:g}"], -abs(w - 0.5)))
    return {
        "weight": chosen,
        "val_accuracy": by_weight[f"{chosen:g}"],
        "test_accuracy": accuracy(test, y_test, chosen),
        "validation_by_weight": by_weight,
        "rule": "weight * P_model + (1 - weight) * P_baseline, positive above 0.5; weight chosen on the "
        "validation reviews (ties: nearest 0.5), test scored once",
    }


def _positive_probabilities(classifier, features):
    return classifier.predict_proba(features)[:, list(classifier.classes_).index(1)]


class _CountedReviews:
    """The reviews of one source, split as the module's docstring says, with their n-gram counts."""

    def __init__(self, source, limit, max_n):
        started = time.time()
        train, self.y_train, test, self.y_test, self.n_validation = self._split(source, limit)
        counts, self.orders = self._count(list(train) + list(test), max_n)
        self.train, self.test = counts[: len(train)], counts[len(train) :]
        self.n_fit = len(train) - self.n_validation
        self.seconds = time.time() - started

    def _split(self, source, limit):
        return _reviews(source, limit)

    def _count(self, reviews, max_n):
        return ngram_counts(reviews, max_n)


class _CountedIds(_CountedReviews):
    """The same reviews as :class:`_CountedReviews`, read as the word ids of ``imdb_arrays(num_words,
    seq_len)``, with the n-gram counts of those ids."""

    def __init__(self, source, limit, max_n, num_words, seq_len):
        self.num_words, self.seq_len = num_words, seq_len
        super().__init__(source, limit, max_n)

    def _split(self, source, limit):
        return _review_ids(source, limit, self.num_words, self.seq_len)

    def _count(self, reviews, max_n):
        return id_ngram_counts(reviews, max_n)


PIPELINES = {
    "tfidf": {
        "max_n": 2,
        "min_df": 2,
        "features": _tfidf_features,
        "model": "TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True) + "
        "LogisticRegression(C={C}, solver='liblinear', dual=True)",
        "input": "every word of each review (rnncourse.data.tokenize of its text)",
    },
    "nbsvm": {
        "max_n": 3,
        "min_df": 2,
        "features": _nb_features,
        "model": "binary 1-3-gram indicators (min_df=2) x NB log-count ratio r (alpha=1) + "
        "LogisticRegression(C={C}, solver='liblinear', dual=True)",
        "input": "every word of each review (rnncourse.data.tokenize of its text)",
    },
}

SAME_INPUT = {
    **PIPELINES["tfidf"],
    "model": "TF-IDF of word-id 1-2-grams (min_df=2, sublinear tf; TfidfTransformer) + "
    "LogisticRegression(C={C}, solver='liblinear', dual=True)",
    "input": "the word ids of imdb_arrays(num_words={num_words}, seq_len={seq_len}), padding removed: the "
    "last {seq_len} ids of each review (with its start marker 1 when the review fits), words ranked "
    "beyond the vocabulary as the out-of-vocabulary id 2",
}
"""The pipeline of :func:`same_input_baseline`: :data:`PIPELINES`' ``"tfidf"`` on word ids."""

PROBABILITIES = (
    "P(positive) of each review, packed by rnncourse.baseline.pack_probabilities, in load_imdb's shuffled "
    "order (the rows of imdb_arrays), from the fit with the chosen C on the 18,000 fitting reviews: "
    "validation_probabilities and test_probabilities"
)


def _tuned(counted, pipeline, c_grid, probabilities=False):
    """Choose C on the validation slice and score the test set once with the classifier fitted on the
    other training reviews (``pipeline``: an entry of :data:`PIPELINES`, or :data:`SAME_INPUT`); the
    course's one protocol (:data:`rnncourse.data.PROTOCOL`). The same C refitted on every training
    review is scored too, as ``refit_all``: what 2,000 more reviews are worth, never the baseline's row."""
    started = time.time()
    features, min_df, n_fit = pipeline["features"], pipeline["min_df"], counted.n_fit
    ngrams = counted.orders <= pipeline["max_n"]
    train, test = counted.train[:, ngrams], counted.test[:, ngrams]
    y_fit, y_validation = counted.y_train[:n_fit], counted.y_train[n_fit:]

    vocabulary = _vocabulary(train[:n_fit], min_df)
    from scipy import sparse

    # the fitting reviews' features once; validation and test reviews scored together, then split
    x_fit, x_scored = features(
        train[:n_fit][:, vocabulary], sparse.vstack([train[n_fit:], test]).tocsr()[:, vocabulary], y_fit
    )
    x_validation, x_test = x_scored[: counted.n_validation], x_scored[counted.n_validation :]
    fitted = {f"{C:g}": _classifier(C).fit(x_fit, y_fit) for C in c_grid}
    validation = {key: round(_accuracy(fitted[key], x_validation, y_validation), 6) for key in fitted}
    chosen = max(c_grid, key=lambda C: (validation[f"{C:g}"], -C))  # ties go to the smaller C
    classifier = fitted[f"{chosen:g}"]
    test_accuracy = round(_accuracy(classifier, x_test, counted.y_test), 6)
    if probabilities:
        packed = {
            "validation_probabilities": pack_probabilities(_positive_probabilities(classifier, x_validation)),
            "test_probabilities": pack_probabilities(_positive_probabilities(classifier, x_test)),
        }
    del fitted, classifier

    vocabulary_all = _vocabulary(train, min_df)
    x_train, x_test_all = features(train[:, vocabulary_all], test[:, vocabulary_all], counted.y_train)
    refit = _classifier(chosen).fit(x_train, counted.y_train)
    n_train = train.shape[0]
    result = {
        "test_accuracy": test_accuracy,
        "val_accuracy": validation[f"{chosen:g}"],
        "C": chosen,
        "C_at_grid_edge": bool(len(c_grid) > 1 and chosen in (min(c_grid), max(c_grid))),
        "validation_accuracy": validation,
        "validation": (
            f"the last {counted.n_validation:,} of the {n_train:,} training reviews in load_imdb's "
            f"shuffled order (seed {SHUFFLE_SEED}; the trainer's validation_split="
            f"{VALIDATION_FRACTION}); features fitted on the other {n_fit:,}"
        ),
        "selection": f"highest validation accuracy (ties: smaller C); test set scored once with the "
        f"classifier fitted on the {n_fit:,} fitting reviews",
        "protocol": PROTOCOL,
        "n_fit": n_fit,
        "n_train": n_train,
        "n_validation": counted.n_validation,
        "n_test": test.shape[0],
        "features": int(x_fit.shape[1]),
        "refit_all": {
            "n_train": n_train,
            "features": int(x_train.shape[1]),
            "test_accuracy": round(_accuracy(refit, x_test_all, counted.y_test), 6),
            "note": "the chosen C refitted on every training review: not the protocol's row",
        },
        "seconds": round(counted.seconds + time.time() - started, 1),
        "model": pipeline["model"].format(C=f"{chosen:g}"),
        "input": pipeline["input"].format(**vars(counted)),
    }
    if probabilities:
        result.update(probabilities=PROBABILITIES, **packed)
    return result


def tfidf_baseline(source="bundled", limit=None, c_grid=C_GRID, probabilities=False):
    """TF-IDF (word 1-2-grams seen in >= 2 training reviews, sublinear tf) + logistic regression,
    ``C`` chosen from ``c_grid`` on the validation slice (see the module's docstring).

    ``limit`` keeps the first ``limit`` reviews of each shuffled split (quick tests).
    Returns ``{"test_accuracy", "C", "validation_accuracy": {C: accuracy}, "validation", "selection",
    "n_train", "n_validation", "n_test", "features", "seconds", "model", "input"}``; ``seconds`` includes
    reading the reviews and counting their n-grams. ``probabilities=True`` adds
    ``"validation_probabilities"`` and ``"test_probabilities"`` (:func:`pack_probabilities`; the
    reviews in ``load_imdb``'s order) and ``"probabilities"``, which says what they are.
    """
    counted = _CountedReviews(source, limit, PIPELINES["tfidf"]["max_n"])
    return _tuned(counted, PIPELINES["tfidf"], c_grid, probabilities)


def nbsvm_baseline(source="bundled", limit=None, c_grid=C_GRID, probabilities=False):
    """NB-weighted logistic regression (NBSVM-style, Wang & Manning 2012): binary indicators of the
    word 1-3-grams seen in >= 2 training reviews, times the log-count ratio ``r`` (``alpha=1``,
    computed on the fitting reviews), then logistic regression with ``C`` chosen from ``c_grid`` on
    the validation slice.

    Same arguments and same keys as :func:`tfidf_baseline`.
    """
    counted = _CountedReviews(source, limit, PIPELINES["nbsvm"]["max_n"])
    return _tuned(counted, PIPELINES["nbsvm"], c_grid, probabilities)


def same_input_baseline(
    source="bundled", limit=None, c_grid=C_GRID, probabilities=False, num_words=20000, seq_len=1000
):
    """:func:`tfidf_baseline` on what the RNN ``best`` reads instead of the whole text: the word ids of
    ``imdb_arrays(num_words, seq_len)`` (``best``'s vocabulary and truncation by default), padding
    removed, each id a word. The same reviews, validation slice, choice of ``C`` and test score. The
    trainer passes ``best``'s ``num_words`` and ``seq_len`` (its recipe); the defaults are the same.

    Same arguments and same keys as :func:`tfidf_baseline`; ``"input"`` names the arrays.
    """
    counted = _CountedIds(source, limit, SAME_INPUT["max_n"], num_words, seq_len)
    return _tuned(counted, SAME_INPUT, c_grid, probabilities)


def tuned_baselines(source="bundled", limit=None, c_grid=C_GRID, probabilities=False):
    """Both baselines, ``{"tfidf": tfidf_baseline(...), "nbsvm": nbsvm_baseline(...)}``, counting the
    n-grams once for both (each ``seconds`` then includes that shared count)."""
    counted = _CountedReviews(source, limit, max(pipeline["max_n"] for pipeline in PIPELINES.values()))
    return {name: _tuned(counted, pipeline, c_grid, probabilities) for name, pipeline in PIPELINES.items()}
