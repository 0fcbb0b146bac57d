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
        assert described["input_shape"] == [[None, recipe.seq_len]], name
