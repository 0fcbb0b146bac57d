"""For learners (lessons 00 and 03) and the trainer: the models a practitioner would reach for instead
of an RNN, bag-of-n-grams linear classifiers.

Two baselines, tuned the way every model of the course should be (Wang & Manning, *Baselines and
Bigrams*, ACL 2012, is the reference for both):

:func:`tfidf_baseline`
    TF-IDF of word 1-2-grams (``min_df=2``, sublinear tf) + logistic regression.
:func:`nbsvm_baseline`
    NB-weighted logistic regression ("NBSVM" with a logistic loss): binary indicators of the word
    1-3-grams seen in at least 2 training reviews, scaled by the naive-Bayes log-count ratio ``r``
    (``alpha=1``).

Protocol: the regularisation ``C`` is chosen from :data:`C_GRID` on a validation slice of the
training reviews (the last :data:`~rnncourse.data.VALIDATION_FRACTION` (10 %) of ``load_imdb``'s shuffled
training order: with the bundled data, the same 2,000 reviews the trainer's models hold out), with features,
idf and ``r`` computed on the other 18,000 only. Then the chosen recipe is refitted on all 20,000
training reviews and the 5,000 test reviews are scored once. Each function returns a JSON-ready dict;
:func:`tuned_baselines` fits both and counts the n-grams only once.

The features are exactly those of scikit-learn's ``CountVectorizer``/``TfidfVectorizer`` with the
course's tokeniser (``tests/library/test_baseline.py`` checks it); the n-grams are counted as integer codes
with NumPy, much faster than building them as strings.
"""

import time

import numpy as np

from .data import SHUFFLE_SEED, VALIDATION_FRACTION, load_imdb_texts, shuffled_order, tokenize

C_GRID = (0.25, 1.0, 4.0, 16.0, 64.0, 256.0, 1024.0)


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


def _ngram_codes(texts, max_n):
    """Integer codes of the word 1..``max_n``-grams of ``texts``: ``(document of each, code of each, B)``.

    Words are numbered 1, 2, … in order of first appearance; an n-gram ``(w1, …, wn)`` gets the code
    ``w1 * B**(n-1) + … + wn`` with ``B`` = number of words + 1, so the codes of n-grams lie in
    ``[B**(n-1), B**n)`` and orders never collide. Tokens are those of :func:`rnncourse.data.tokenize`
    (scikit-learn's ``token_pattern`` with the course's pattern).
    """
    numbers = {}
    token_ids = [
        np.array([numbers.setdefault(t, len(numbers) + 1) for t in tokenize(text)], dtype=np.int64)
        for text in texts
    ]
    base = len(numbers) + 1
    if base**max_n >= 2**63:
        raise ValueError(f"{base - 1:,} distinct words are too many for integer {max_n}-gram codes.")
    lengths = np.array([len(ids) for ids in token_ids], dtype=np.int64)
    flat = np.concatenate(token_ids) if len(token_ids) else np.zeros(0, dtype=np.int64)
    document = np.repeat(np.arange(len(texts)), lengths)
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
    import pandas as pd
    from scipy import sparse

    documents, codes, base = _ngram_codes(texts, max_n)
    columns, distinct = pd.factorize(codes)  # column j = the j-th distinct n-gram met
    counts = sparse.csr_matrix((np.ones(len(codes)), (documents, columns)), shape=(len(texts), len(distinct)))
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


class _CountedReviews:
    """The reviews of one source, split as the module's docstring says, with their n-gram counts."""

    def __init__(self, source, limit, max_n):
        started = time.time()
        texts_train, self.y_train, texts_test, self.y_test, self.n_validation = _reviews(source, limit)
        counts, self.orders = ngram_counts(texts_train + texts_test, max_n)
        self.train, self.test = counts[: len(texts_train)], counts[len(texts_train) :]
        self.n_fit = len(texts_train) - self.n_validation
        self.seconds = time.time() - started


PIPELINES = {
    "tfidf": {
        "max_n": 2,
        "min_df": 2,
        "features": _tfidf_features,
        "model": "TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True) + "
        "LogisticRegression(C={C}, solver='liblinear', dual=True)",
    },
    "nbsvm": {
        "max_n": 3,
        "min_df": 2,
        "features": _nb_features,
        "model": "binary 1-3-gram indicators (min_df=2) x NB log-count ratio r (alpha=1) + "
        "LogisticRegression(C={C}, solver='liblinear', dual=True)",
    },
}


def _tuned(counted, name, c_grid):
    """Choose C on the validation slice, refit on every training review, score the test set once."""
    started = time.time()
    pipeline = PIPELINES[name]
    features, min_df, n_fit = pipeline["features"], pipeline["min_df"], counted.n_fit
    ngrams = counted.orders <= pipeline["max_n"]
    train, test = counted.train[:, ngrams], counted.test[:, ngrams]
    y_fit, y_validation = counted.y_train[:n_fit], counted.y_train[n_fit:]

    vocabulary = _vocabulary(train[:n_fit], min_df)
    x_fit, x_validation = features(train[:n_fit][:, vocabulary], train[n_fit:][:, vocabulary], y_fit)
    validation = {
        f"{C:g}": round(_accuracy(_classifier(C).fit(x_fit, y_fit), x_validation, y_validation), 6)
        for C in c_grid
    }
    chosen = max(c_grid, key=lambda C: (validation[f"{C:g}"], -C))  # ties go to the smaller C

    vocabulary = _vocabulary(train, min_df)
    x_train, x_test = features(train[:, vocabulary], test[:, vocabulary], counted.y_train)
    classifier = _classifier(chosen).fit(x_train, counted.y_train)
    n_train = train.shape[0]
    return {
        "test_accuracy": round(_accuracy(classifier, x_test, counted.y_test), 6),
        "C": chosen,
        "validation_accuracy": validation,
        "validation": (
            f"the last {counted.n_validation:,} of the {n_train:,} training reviews in load_imdb's "
            f"shuffled order (seed {SHUFFLE_SEED}; the trainer's validation_split="
            f"{VALIDATION_FRACTION}); features fitted on the other {n_fit:,}"
        ),
        "selection": "highest validation accuracy (ties: smaller C); refitted on all training reviews; "
        "test set scored once",
        "n_train": n_train,
        "n_validation": counted.n_validation,
        "n_test": test.shape[0],
        "features": int(x_train.shape[1]),
        "seconds": round(counted.seconds + time.time() - started, 1),
        "model": pipeline["model"].format(C=f"{chosen:g}"),
    }


def tfidf_baseline(source="bundled", limit=None, c_grid=C_GRID):
    """TF-IDF (word 1-2-grams seen in >= 2 training reviews, sublinear tf) + logistic regression,
    ``C`` chosen from ``c_grid`` on the validation slice (see the module's docstring).

    ``limit`` keeps the first ``limit`` reviews of each shuffled split (quick tests).
    Returns ``{"test_accuracy", "C", "validation_accuracy": {C: accuracy}, "validation", "selection",
    "n_train", "n_validation", "n_test", "features", "seconds", "model"}``; ``seconds`` includes reading
    the reviews and counting their n-grams.
    """
    return _tuned(_CountedReviews(source, limit, PIPELINES["tfidf"]["max_n"]), "tfidf", c_grid)


def nbsvm_baseline(source="bundled", limit=None, c_grid=C_GRID):
    """NB-weighted logistic regression (NBSVM-style, Wang & Manning 2012): binary indicators of the
    word 1-3-grams seen in >= 2 training reviews, times the log-count ratio ``r`` (``alpha=1``,
    computed on the fitting reviews), then logistic regression with ``C`` chosen from ``c_grid`` on
    the validation slice.

    Same arguments and same keys as :func:`tfidf_baseline`.
    """
    return _tuned(_CountedReviews(source, limit, PIPELINES["nbsvm"]["max_n"]), "nbsvm", c_grid)


def tuned_baselines(source="bundled", limit=None, c_grid=C_GRID):
    """Both baselines, ``{"tfidf": tfidf_baseline(...), "nbsvm": nbsvm_baseline(...)}``, counting the
    n-grams once for both (each ``seconds`` then includes that shared count)."""
    counted = _CountedReviews(source, limit, max(pipeline["max_n"] for pipeline in PIPELINES.values()))
    return {name: _tuned(counted, name, c_grid) for name in PIPELINES}
