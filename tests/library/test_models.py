"""Model builders: architectures, recipes, and the notebook-vs-builder comparison."""

import keras
import pytest
from keras import layers

from rnncourse import models


def test_every_recipe_builds_and_describes_itself():
    for name, recipe in models.RECIPES.items():
        model = recipe.build(seq_len=20)
        description = models.architecture(model)
        assert description["params"] == model.count_params() > 0, name
        assert model.loss == "binary_crossentropy", name


def test_stacked_lstm_return_sequences():
    description = models.architecture(models.lstm_stack())
    flags = [layer.get("return_sequences") for layer in description["layers"] if layer["class"] == "LSTM"]
    assert flags == [True, True, False]


def test_check_same_architecture_accepts_the_notebook_form(capsys):
    model = keras.Sequential(
        [keras.Input(shape=(None, 1)), layers.SimpleRNN(units=600), layers.Dense(1, activation="sigmoid")]
    )
    models.check_same_architecture(model, "simple_rnn_raw")
    assert "Same architecture" in capsys.readouterr().out


def test_check_same_architecture_names_the_difference():
    model = keras.Sequential(
        [keras.Input(shape=(None, 1)), layers.GRU(600), layers.Dense(1, activation="sigmoid")]
    )
    with pytest.raises(AssertionError, match="simple_rnn_raw"):
        models.check_same_architecture(model, "simple_rnn_raw")


def test_frozen_embedding_is_reported_non_trainable():
    import numpy as np

    matrix = np.random.default_rng(0).normal(size=(50, 4)).astype("float32")
    model = models.embedding_rnn(
        "gru", num_words=50, wordvec_dim=4, seq_len=7, units=3, trainable=False, embedding_matrix=matrix
    )
    np.testing.assert_array_equal(model.layers[0].get_weights()[0], matrix)
    assert sum(int(np.prod(w.shape)) for w in model.non_trainable_weights) == 200


def test_unknown_cell():
    with pytest.raises(ValueError, match="cell='rnn'"):
        models.raw_rnn("rnn")


def test_embedding_dropout_is_part_of_the_architecture():
    import numpy as np

    plain = models.embedding_rnn("gru", num_words=50, wordvec_dim=4, seq_len=7, units=3)
    dropped = models.embedding_rnn("gru", num_words=50, wordvec_dim=4, seq_len=7, units=3, dropout=0.3)
    assert [type(layer).__name__ for layer in dropped.layers] == [
        "Embedding",
        "SpatialDropout1D",
        "GRU",
        "Dense",
    ]
    assert models.architecture(dropped)["layers"][1]["rate"] == 0.3
    assert models.architecture(dropped) != models.architecture(plain)
    # Inference ignores the dropout: same weights, same predictions.
    dropped.set_weights(plain.get_weights())
    ids = np.arange(14).reshape(2, 7)
    np.testing.assert_allclose(dropped.predict(ids, verbose=0), plain.predict(ids, verbose=0), rtol=1e-6)


def test_onehot_rnn_parameters_follow_the_gru_formula():
    from rnncourse.models import architecture, onehot_rnn

    num_words, units = 101, 8
    model = onehot_rnn("gru", num_words=num_words, seq_len=7, units=units)
    assert model.count_params() == 3 * units * (num_words + units + 2) + units + 1
    described = architecture(model)
    assert described["input_shape"] == [[None, 7, num_words]]
    assert [layer["class"] for layer in described["layers"]] == ["GRU", "Dense"]
    assert described["layers"][-1]["activation"] == "sigmoid"


def test_onehot_rnn_linear_output_and_other_cell():
    from rnncourse.models import onehot_rnn

    model = onehot_rnn("simple_rnn", num_words=11, seq_len=3, units=4, output_activation=None, name="m")
    assert model.name == "m"
    assert model.layers[-1].get_config()["activation"] == "linear"
    assert model.count_params() == 4 * (11 + 4 + 1) + 5


def test_a_recipe_sizes_its_model_and_its_data_from_one_statement():
    for name, recipe in models.RECIPES.items():
        assert (recipe.data["num_words"], recipe.data["seq_len"]) == (recipe.num_words, recipe.seq_len), name
        if recipe.raw_ids:  # ids of any length as one float feature: no vocabulary, no fixed length
            assert models.architecture(recipe.build())["input_shape"] == [[None, None, 1]], name
            continue
        described = models.architecture(recipe.build())
        embedding = next(layer for layer in described["layers"] if layer["class"] == "Embedding")
        assert embedding["input_dim"] == recipe.num_words, name
        # a bucketed recipe reads batches of any length; seq_len then only truncates the reviews
        assert described["input_shape"] == [[None, None if recipe.bucketed else recipe.seq_len]], name


def _tiny_best(masked):
    keras.utils.set_random_seed(0)
    return models.best(num_words=30, wordvec_dim=4, seq_len=None, units=3, masked=masked)


def _pooled(model):
    """The model up to its pooled vector (the output of ``Concatenate``)."""
    return keras.Model(model.inputs, model.get_layer(index=-3).output)


def _run(model, ids):
    """``model``'s inference output for ``ids``, computed eagerly (quicker than ``predict`` here)."""
    import numpy as np

    return keras.ops.convert_to_numpy(model(np.asarray(ids), training=False))


# Front-padded reviews (the course's padding), one of them with no padding at all.
REVIEWS = [[0, 0, 5, 6, 7], [0, 0, 0, 0, 9], [3, 1, 4, 1, 5]]


def test_masked_best_ignores_leading_padding():
    import numpy as np

    masked, plain = _tiny_best(True), _tiny_best(False)
    plain.set_weights(masked.get_weights())
    ids = np.array(REVIEWS)
    padded = np.concatenate([np.zeros((3, 6), dtype=int), ids], axis=1)
    for outputs in (_pooled(masked), masked):
        np.testing.assert_allclose(_run(outputs, padded), _run(outputs, ids), atol=1e-6)
    # Each review alone, with no padding, gives the same pooled vector as in its padded batch.
    alone = [_run(_pooled(masked), np.array([[i for i in row if i]]))[0] for row in REVIEWS]
    np.testing.assert_allclose(_run(_pooled(masked), ids), np.stack(alone), atol=1e-6)
    # Without the mask the padding moves both the pooled vector and the prediction of padded reviews.
    assert np.abs(_run(_pooled(plain), padded) - _run(_pooled(plain), ids))[:2].max() > 1e-4
    assert np.abs(_run(plain, padded) - _run(plain, ids))[:2].max() > 1e-6


def test_masked_best_reads_front_and_back_padding_alike():
    """The backward GRU and both poolings see the same real steps wherever the padding is."""
    import numpy as np

    model = _pooled(_tiny_best(True))
    front = np.array(REVIEWS)
    back = np.array([[i for i in row if i] + [0] * row.count(0) for row in REVIEWS])
    np.testing.assert_allclose(_run(model, back), _run(model, front), atol=1e-6)


def test_masked_poolings_by_hand():
    import numpy as np

    states = np.array([[[5.0, -1.0], [-2.0, -3.0], [1.0, -4.0]], [[9.0, 9.0], [9.0, 9.0], [9.0, 9.0]]])
    mask = np.array([[False, True, True], [False, False, False]])
    maximum = models.MaskedGlobalMaxPooling1D()(states, mask=mask)
    mean = models.MaskedGlobalAveragePooling1D()(states, mask=mask)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(maximum), [[1.0, -3.0], [0.0, 0.0]])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(mean), [[-0.5, -3.5], [0.0, 0.0]])
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(models.MaskedGlobalMaxPooling1D()(states)), [[5, -1], [9, 9]]
    )


def test_masked_best_saves_and_loads(tmp_path):
    import numpy as np

    model = _tiny_best(True)
    model.save(tmp_path / "masked.keras")
    loaded = keras.models.load_model(tmp_path / "masked.keras")
    ids = np.array(REVIEWS)
    np.testing.assert_allclose(_run(loaded, ids), _run(model, ids), atol=1e-6)


def test_best_options_leave_the_shipped_architecture_alone():
    """The shipped recipe is the masked, any-length ``best``; unmasked, the same parameters with Keras's
    poolings and no mask."""
    shipped = models.architecture(models.RECIPES["best"].build())
    assert shipped == models.architecture(models.best(masked=True, seq_len=None))
    plain = models.architecture(models.best())
    assert plain["input_shape"] == [[None, 400]] and plain["params"] == shipped["params"]
    assert shipped["layers"][1] == {**plain["layers"][1], "mask_zero": True}
    assert plain["layers"][1]["class"] == "Embedding" and "mask_zero" not in plain["layers"][1]
    assert {"MaskedGlobalMaxPooling1D", "MaskedGlobalAveragePooling1D"} <= {
        e["class"] for e in shipped["layers"]
    }
