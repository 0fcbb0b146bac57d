"""For learners: small helpers for the embedding lesson: a deterministic 2-D PCA projection of word vectors,
and word2vec vectors trained on the training reviews (the initial embedding of ``best``)."""

import numpy as np


def pca_2d(vectors):
    """Project ``vectors`` (shape ``(n, d)``, ``n >= 2``) onto their first two principal components.

    Returns a float64 array of shape ``(n, 2)``, centred on the mean of ``vectors``. The sign
    of each component is fixed (its largest-magnitude coordinate is positive), so the same
    words always give the same picture.
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    if vectors.ndim != 2 or vectors.shape[0] < 2:
        raise ValueError(f"pca_2d needs an (n, d) array with n >= 2 vectors, got shape {vectors.shape}.")
    centred = vectors - vectors.mean(axis=0)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    projected = u[:, :2] * s[:2]
    if projected.shape[1] < 2:
        projected = np.pad(projected, ((0, 0), (0, 2 - projected.shape[1])))
    for k in range(2):
        column = projected[:, k]
        if column[np.argmax(np.abs(column))] < 0:
            projected[:, k] = -column
    return projected


WORD2VEC = {"sg": 1, "window": 5, "min_count": 1, "negative": 5, "epochs": 5, "workers": 1}
"""gensim ``Word2Vec`` settings of :func:`word2vec_matrix`: skip-gram with negative sampling, gensim's
defaults otherwise; one worker thread, so that a seed gives the same vectors every time."""


def word2vec_matrix(x_fit, num_words, dim, seed):
    """Word vectors trained on the training reviews themselves: ``(num_words, dim)`` float32, row ``i`` the
    word2vec vector (Mikolov et al., 2013; gensim's ``Word2Vec``, :data:`WORD2VEC`) of word id ``i``.

    ``x_fit`` holds front-padded rows of word ids (``imdb_arrays``); each row, padding dropped, is one
    sentence whose tokens are the ids. Only the ids ``4 .. num_words - 1`` (words) get a vector; padding,
    the start marker, the out-of-vocabulary id and a word the rows never use keep zeros. Pass the fitting
    reviews only, never the validation or test reviews. Needs gensim (``pip install gensim``).
    """
    try:
        from gensim.models import Word2Vec
    except ImportError as error:
        raise ImportError(
            "word2vec_matrix needs gensim: install the course's pinned versions (pip install -r requirements.txt)."
        ) from error
    x_fit = np.asarray(x_fit)
    sentences = [[str(i) for i in row[row != 0]] for row in x_fit]
    model = Word2Vec(sentences, vector_size=dim, seed=seed, **WORD2VEC)
    matrix = np.zeros((num_words, dim), dtype=np.float32)
    for i in range(4, num_words):
        if str(i) in model.wv.key_to_index:
            matrix[i] = model.wv[str(i)]
    return matrix
