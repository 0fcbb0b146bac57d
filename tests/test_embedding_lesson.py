"""Fast tests for what lesson 3 (notebooks/03_embedding_layer.ipynb) adds to the package."""

import json
from pathlib import Path

import numpy as np
import pytest

from rnncourse.embeddings import pca_2d

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "03_embedding_layer.ipynb"


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


def test_onehot_rnn_parameters_follow_the_gru_formula():
    from rnncourse.models import architecture, onehot_rnn

    vocabulary, units = 101, 8
    model = onehot_rnn("gru", vocabulary=vocabulary, seq_len=7, units=units)
    assert model.count_params() == 3 * units * (vocabulary + units + 2) + units + 1
    described = architecture(model)
    assert described["input_shape"] == [[None, 7, vocabulary]]
    assert [layer["class"] for layer in described["layers"]] == ["GRU", "Dense"]
    assert described["layers"][-1]["activation"] == "sigmoid"


def test_onehot_rnn_linear_output_and_other_cell():
    from rnncourse.models import onehot_rnn

    model = onehot_rnn("simple_rnn", vocabulary=11, seq_len=3, units=4, output_activation=None, name="m")
    assert model.name == "m"
    assert model.layers[-1].get_config()["activation"] == "linear"
    assert model.count_params() == 4 * (11 + 4 + 1) + 5


def _lesson_cells():
    if not NOTEBOOK.is_file():
        pytest.skip(f"{NOTEBOOK.name} not written yet")
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]


def test_lesson_marks_exercises_v_vi_vii():
    roles = {}
    for cell in _lesson_cells():
        marker = cell.get("metadata", {}).get("rnncourse")
        if marker:
            roles.setdefault(marker["exercise"], []).append(marker["role"])
    assert set(roles) == {"V", "VI", "VII"}
    for exercise, found in roles.items():
        assert found[0] == "instructions", exercise
        assert found.count("solution") == 1 and found.count("check") == 1, exercise
        assert found.index("check") == found.index("solution") + 1, exercise


def test_lesson_blanks_occur_in_order():
    for cell in _lesson_cells():
        marker = cell.get("metadata", {}).get("rnncourse", {})
        if marker.get("role") != "solution":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        position = 0
        for blank in marker["blanks"]:
            found = source.find(blank, position)
            assert found >= 0, f"Exercise {marker['exercise']}: blank {blank!r} not found after position {position}"
            position = found + len(blank)
