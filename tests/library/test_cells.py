"""The NumPy cells of rnncourse.cells reproduce Keras's SimpleRNN, GRU and LSTM layers."""

import keras
import numpy as np
import pytest
from keras import layers

from rnncourse import cells

LAYERS = {"simple_rnn": layers.SimpleRNN, "gru": layers.GRU, "lstm": layers.LSTM}


def _layer(kind, units, input_dim, seed=0, **kwargs):
    """A built Keras layer whose weights (biases included) are all random, not just the kernels."""
    keras.utils.set_random_seed(seed)
    layer = LAYERS[kind](units, return_sequences=kwargs.pop("return_sequences", False), **kwargs)
    layer.build((None, None, input_dim))
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.normal(0.0, 0.5, size=w.shape).astype("float32") for w in layer.get_weights()])
    return layer


def _inputs(batch, time, features, seed=1):
    return np.random.default_rng(seed).normal(size=(batch, time, features)).astype("float32")


@pytest.mark.parametrize("kind", cells.KINDS)
@pytest.mark.parametrize("return_sequences", [True, False])
def test_from_scratch_matches_keras(kind, return_sequences):
    layer = _layer(kind, units=5, input_dim=3, return_sequences=return_sequences)
    inputs = _inputs(4, 12, 3)
    ours, gates = cells.run_layer(layer, inputs)
    expected = np.asarray(layer(inputs))
    compare = ours if return_sequences else ours[:, -1, :]
    assert compare.shape == expected.shape
    np.testing.assert_allclose(compare, expected, atol=1e-5, rtol=0)
    assert set(gates) == set(cells.GATE_NAMES[kind])
    assert all(g.shape == (4, 12, 5) for g in gates.values())


@pytest.mark.parametrize("kind", cells.KINDS)
def test_keras_sequence_and_max_difference(kind):
    layer = _layer(kind, units=4, input_dim=2, seed=3)
    inputs = _inputs(2, 30, 2, seed=4)
    sequence = cells.keras_sequence(layer, inputs)
    assert sequence.shape == (2, 30, 4)
    np.testing.assert_allclose(sequence[:, -1, :], np.asarray(layer(inputs)), atol=1e-6)
    assert cells.max_abs_difference(layer, inputs) < 1e-5


def test_gru_reset_before_matches_keras():
    layer = _layer("gru", units=4, input_dim=3, reset_after=False, return_sequences=True)
    inputs = _inputs(3, 10, 3)
    ours, _ = cells.run_layer(layer, inputs)
    np.testing.assert_allclose(ours, np.asarray(layer(inputs)), atol=1e-5, rtol=0)


def test_gru_update_gate_interpolates_states():
    layer = _layer("gru", units=3, input_dim=2)
    inputs = _inputs(1, 6, 2)
    outputs, gates = cells.run_layer(layer, inputs)
    z, candidate = gates["update"], gates["candidate"]
    previous = np.concatenate([np.zeros((1, 1, 3)), outputs[:, :-1]], axis=1)
    np.testing.assert_allclose(outputs, z * previous + (1 - z) * candidate, atol=1e-12)
    assert np.all((z > 0) & (z < 1))
    np.testing.assert_array_equal(cells.gate_activations(layer, inputs, "update"), z)
    with pytest.raises(ValueError, match="no gate 'forget'"):
        cells.gate_activations(layer, inputs, "forget")


def test_lstm_cell_state_follows_gates():
    layer = _layer("lstm", units=3, input_dim=2)
    outputs, gates = cells.run_layer(layer, _inputs(2, 5, 2))
    np.testing.assert_allclose(outputs, gates["output"] * np.tanh(gates["cell"]), atol=1e-12)


@pytest.mark.parametrize("kind", cells.KINDS)
@pytest.mark.parametrize("input_dim,units", [(1, 128), (32, 64), (50, 7)])
def test_param_formulas_equal_count_params(kind, input_dim, units):
    layer = LAYERS[kind](units)
    layer.build((None, None, input_dim))
    assert cells.param_count(kind, input_dim, units) == layer.count_params()
    assert cells.layer_param_count(layer) == layer.count_params()


def test_param_formula_gru_reset_before():
    layer = layers.GRU(16, reset_after=False)
    layer.build((None, None, 8))
    assert cells.param_count("gru", 8, 16, reset_after=False) == layer.count_params() == 3 * 16 * (8 + 16 + 1)


def test_param_table_of_stacked_model():
    model = keras.Sequential(
        [
            keras.Input(shape=(None, 1)),
            layers.LSTM(8, return_sequences=True),
            layers.GRU(4, return_sequences=True),
            layers.SimpleRNN(2),
            layers.Dense(1),
        ]
    )
    rows = cells.param_table(model)
    assert [row[1] for row in rows] == ["lstm", "gru", "simple_rnn"]
    assert [row[2] for row in rows] == [1, 8, 4]
    assert all(row[4] == row[5] for row in rows)


def test_rejects_other_layers_and_kinds():
    with pytest.raises(ValueError, match="not a SimpleRNN, GRU or LSTM"):
        cells.cell_kind(layers.Dense(3))
    with pytest.raises(ValueError, match="not a cell"):
        cells.param_count("transformer", 3, 4)
    with pytest.raises(ValueError, match="not a cell"):
        cells.run_cell("rnn", np.zeros((1, 2, 3)), np.zeros((3, 4)), np.zeros((4, 4)), np.zeros(4))


DIAGRAM_SIZES = {"simple_rnn": (6, 3.6), "gru": (8, 4.2), "lstm": (8, 4.2)}  # as lesson 02 draws them


@pytest.mark.parametrize("kind", cells.KINDS)
def test_cell_diagrams_draw_readable(kind):
    """At the lesson's figure sizes every label is >= 10 pt, inside the figure, clear of the other
    labels, and a label written in a box or circle fits inside it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from rnncourse import diagrams

    fig, ax = plt.subplots(figsize=DIAGRAM_SIZES[kind])
    try:
        assert diagrams.draw_cell(kind, ax) is ax
        assert ax.patches and ax.texts and ax.get_title()
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        texts = [t for t in ax.texts if t.get_text()] + [ax.title]
        extents = [t.get_window_extent(renderer) for t in texts]
        shapes = [p.get_window_extent(renderer) for p in ax.patches if p.get_zorder() > 0]  # not the frame
        for text, box in zip(texts, extents):
            assert text.get_fontsize() >= 10, text.get_text()
            assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1, text.get_text()
            assert fig.bbox.y0 <= box.y0 and box.y1 <= fig.bbox.y1, text.get_text()
            center = ((box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2)
            for shape in shapes:
                if shape.contains(*center):
                    assert (
                        shape.x0 < box.x0 and box.x1 < shape.x1 and shape.y0 < box.y0 and box.y1 < shape.y1
                    ), f"{text.get_text()!r} does not fit in its shape"
                else:
                    assert not shape.overlaps(box), f"{text.get_text()!r} overlaps a shape"
        for i in range(len(extents)):
            for j in range(i + 1, len(extents)):
                assert not extents[i].overlaps(extents[j]), (texts[i].get_text(), texts[j].get_text())
        if kind == "gru":  # reset_after=True: x_t reaches the candidate directly, h_{t-1} only via r_t
            labels = {t.get_text() for t in texts}
            assert {"$x_t W_h + b_h$", "$h_{t-1} U_h + b'_h$", "tanh", "1−"} <= labels
    finally:
        plt.close(fig)
    with pytest.raises(ValueError, match="not a cell"):
        diagrams.draw_cell("transformer", ax)
