"""The tool a practitioner would reach for instead of an RNN: TF-IDF n-grams + logistic regression."""

import time

import numpy as np


def tfidf_baseline(source="bundled", limit=None):
    """Train TF-IDF (1-2-grams, words seen at least twice) + logistic regression (scikit-learn's
    defaults) on the training reviews of ``source``; return its held-out test accuracy.

    ``limit`` keeps a random ``limit`` reviews of each split (for quick tests).
    Returns ``{"test_accuracy", "n_train", "n_test", "features", "train_seconds"}``.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from .data import _TOKEN, load_imdb_texts

    (texts_train, y_train), (texts_test, y_test) = load_imdb_texts(source)
    if limit is not None:
        rng = np.random.default_rng(0)
        keep_train = rng.permutation(len(texts_train))[:limit]
        keep_test = rng.permutation(len(texts_test))[:limit]
        texts_train, y_train = [texts_train[i] for i in keep_train], y_train[keep_train]
        texts_test, y_test = [texts_test[i] for i in keep_test], y_test[keep_test]
    started = time.time()
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, token_pattern=_TOKEN.pattern)
    features = vectorizer.fit_transform(texts_train)
    classifier = LogisticRegression(max_iter=1000).fit(features, y_train)
    seconds = time.time() - started
    accuracy = float(np.mean(classifier.predict(vectorizer.transform(texts_test)) == y_test))
    return {"test_accuracy": round(accuracy, 6), "n_train": len(texts_train), "n_test": len(texts_test),
            "features": int(features.shape[1]), "train_seconds": round(seconds, 1),
            "model": "TfidfVectorizer(ngram_range=(1, 2), min_df=2) + LogisticRegression()"}
