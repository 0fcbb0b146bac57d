"""What lesson 3 adds to the learner library (rnncourse.embeddings): the 2-D PCA of word vectors, and word2vec
vectors trained on the training reviews (the initial embedding of best)."""

import numpy as np
import pytest

from rnncourse.embeddings import pca_2d


def test_pca_2d_shape_and_centre():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(10, 50))
    projected = pca_2d(vectors)
    assert projected.shape == (10, 2)
    np.testing.assert_allclose(projected.mean(axis=0), 0.0, atol=1e-12)


def test_pca_2d_recovers_a_line_and_keeps_distances():
    direction = np.array([3.0, 4.0, 0.0]) / 5.0
    positions = np.array([-2.0, -1.0, 0.5, 2.5])
    vectors = positions[:, None] * direction + np.array([1.0, 1.0, 1.0])
    projected = pca_2d(vectors)
    np.testing.assert_allclose(projected[:, 1], 0.0, atol=1e-9)
    distances = np.abs(projected[:, 0][:, None] - projected[:, 0][None, :])
    np.testing.assert_allclose(distances, np.abs(positions[:, None] - positions[None, :]), atol=1e-9)


def test_pca_2d_signs_are_fixed():
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(6, 8))
    np.testing.assert_allclose(pca_2d(vectors), pca_2d(-vectors), atol=1e-9)
    projected = pca_2d(vectors)
    for k in range(2):
        assert projected[np.argmax(np.abs(projected[:, k])), k] > 0


def test_pca_2d_accepts_a_list_of_vectors_and_two_points():
    projected = pca_2d([np.array([0.0, 1.0]), np.array([2.0, 1.0])])
    np.testing.assert_allclose(projected, [[-1.0, 0.0], [1.0, 0.0]], atol=1e-12)


@pytest.mark.parametrize("bad", [np.zeros((1, 5)), np.zeros(5)])
def test_pca_2d_rejects_too_few_vectors(bad):
    with pytest.raises(ValueError, match="n >= 2"):
        pca_2d(bad)


def test_word2vec_vectors_come_from_the_given_reviews_only_and_repeat_with_the_seed():
    """Ids 4 .. num_words - 1 that the rows use get a vector; padding, reserved ids, unused words and ids
    beyond num_words get none; the same seed gives the same vectors."""
    from rnncourse.embeddings import word2vec_matrix

    rng = np.random.default_rng(0)
    rows = np.zeros((40, 12), dtype="int32")
    for row in rows:
        length = rng.integers(3, 12)
        row[-length:] = rng.integers(1, 9, size=length)  # ids 1..8: reserved 1-3, words 4-8; 9 never used
    rows[0, -1] = 30  # an id beyond num_words
    matrix = word2vec_matrix(rows, num_words=10, dim=6, seed=3)
    assert matrix.shape == (10, 6) and matrix.dtype == np.float32
    assert not matrix[:4].any() and not matrix[9].any()  # padding, reserved ids, an unused word
    assert (np.abs(matrix[4:9]).sum(axis=1) > 0).all()
    np.testing.assert_array_equal(matrix, word2vec_matrix(rows, num_words=10, dim=6, seed=3))
    assert not np.array_equal(matrix, word2vec_matrix(rows, num_words=10, dim=6, seed=4))
