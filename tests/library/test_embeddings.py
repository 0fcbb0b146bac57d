"""What lesson 3 adds to the learner library: the 2-D PCA of word vectors (rnncourse.embeddings)."""

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
