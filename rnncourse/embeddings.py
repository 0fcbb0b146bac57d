"""For learners: small helpers for the embedding lesson: a deterministic 2-D PCA projection of word vectors."""

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
