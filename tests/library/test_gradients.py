"""Unit tests of rnncourse.gradients on tiny hand-built models whose gradients are known exactly."""

import math

import numpy as np
import pytest

from rnncourse import env

env.configure()

import keras  # noqa: E402  (after env.configure, which pins threads and seeds)
import tensorflow as tf  # noqa: E402
from keras import layers  # noqa: E402

from rnncourse import gradients  # noqa: E402


def sum_of_outputs(y_true, y_pred):
    """A per-example 'loss' that is just the output, so dL/dx is the model's own derivative."""
    return y_pred[:, 0]


def linear_rnn(recurrent_weight, embedded=False, steps=6):
    """One linear SimpleRNN unit: a_t = a_{t-1} * recurrent_weight + x_t, so da_T/dx_t = w^(T-t)."""
    stack = [keras.Input(shape=(steps,) if embedded else (steps, 1))]
    if embedded:
        embedding = layers.Embedding(4, 1)
        stack.append(embedding)
    cell = layers.SimpleRNN(1, activation="linear")
    stack.append(cell)
    model = keras.Sequential(stack)
    cell.set_weights([np.ones((1, 1)), np.full((1, 1), recurrent_weight), np.zeros(1)])
    if embedded:
        embedding.set_weights([np.arange(4, dtype="float32")[:, None]])
    return model


def test_matrix_power_norms_of_a_diagonal_matrix():
    norms = gradients.matrix_power_norms(np.diag([0.5, 0.25]), 4)
    assert norms.shape == (4,)
    np.testing.assert_allclose(norms, 0.5 ** np.arange(1, 5))


def test_matrix_power_norms_of_a_rotation_stay_one():
    angle = 0.3
    rotation = [[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]]
    np.testing.assert_allclose(gradients.matrix_power_norms(rotation, 50), np.ones(50))


def test_matrix_power_norms_overflow_to_inf():
    norms = gradients.matrix_power_norms(np.diag([1e200]), 3)
    assert norms[0] == pytest.approx(1e200)
    assert np.isinf(norms[1]) and np.isinf(norms[2])


def test_matrix_power_norms_rejects_a_non_square_matrix():
    with pytest.raises(ValueError, match="square"):
        gradients.matrix_power_norms(np.ones((2, 3)), 2)


def test_input_step_gradient_norms_of_a_linear_rnn_are_powers_of_its_weight():
    x = np.ones((3, 6, 1), dtype="float32")
    norms = gradients.input_step_gradient_norms(linear_rnn(0.5), x, np.zeros(3), loss=sum_of_outputs)
    assert norms.shape == (6,) and norms.dtype == np.float64
    np.testing.assert_allclose(norms[::-1], 0.5 ** np.arange(6), rtol=1e-6)


def test_input_step_gradient_norms_differentiate_after_the_embedding():
    ids = np.array([[1, 2, 3, 1, 2, 3], [3, 3, 3, 0, 0, 1]])
    norms = gradients.input_step_gradient_norms(
        linear_rnn(2.0, embedded=True), ids, np.zeros(2), loss=sum_of_outputs
    )
    np.testing.assert_allclose(norms[::-1], 2.0 ** np.arange(6), rtol=1e-6)


def test_input_step_gradient_norms_default_loss_is_binary_crossentropy():
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input(shape=(5, 2)), layers.SimpleRNN(3), layers.Dense(1, activation="sigmoid")]
    )
    x = np.random.default_rng(0).normal(size=(4, 5, 2)).astype("float32")
    y = np.array([0, 1, 1, 0], dtype="float32")
    inputs = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        total = tf.reduce_sum(keras.losses.binary_crossentropy(y[:, None], model(inputs)))
    expected = tf.reduce_mean(tf.norm(tape.gradient(total, inputs), axis=-1), axis=0).numpy()
    np.testing.assert_allclose(gradients.input_step_gradient_norms(model, x, y), expected, rtol=1e-6)


def regression_model(seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input(shape=(3,)), layers.Dense(1)])


def regression_data():
    x = np.random.default_rng(1).normal(size=(10, 3))
    return x, x @ np.array([1.0, -2.0, 3.0]) * 100


def test_global_norm_trace_records_the_first_gradient_norm():
    x, y = regression_data()
    model = regression_model()
    trace = gradients.global_norm_trace(
        model,
        keras.optimizers.SGD(learning_rate=1e-5),
        x,
        y,
        keras.losses.mean_squared_error,
        batch_size=4,
        max_steps=5,
    )
    assert trace["global_norm"].shape == trace["loss"].shape == (5,)
    assert np.all(np.isfinite(trace["global_norm"]))
    fresh = regression_model()
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(
            keras.losses.mean_squared_error(
                tf.constant(y[:4, None], "float32"), fresh(tf.constant(x[:4], "float32"))
            )
        )
    grads = tape.gradient(loss, fresh.trainable_variables)
    assert trace["global_norm"][0] == pytest.approx(float(tf.linalg.global_norm(grads)), rel=1e-5)
    assert trace["loss"][0] == pytest.approx(float(loss), rel=1e-5)


def test_global_norm_trace_stops_at_the_first_non_finite_step():
    x, y = regression_data()
    trace = gradients.global_norm_trace(
        regression_model(),
        keras.optimizers.SGD(learning_rate=10.0),
        x,
        y,
        keras.losses.mean_squared_error,
        batch_size=4,
        max_steps=500,
    )
    assert len(trace["global_norm"]) < 500
    assert not np.isfinite(trace["global_norm"][-1]) or not np.isfinite(trace["loss"][-1])
    assert np.all(np.isfinite(trace["global_norm"][:-1]))


def test_global_norm_trace_measures_before_clipping():
    x, y = regression_data()
    plain = gradients.global_norm_trace(
        regression_model(),
        keras.optimizers.SGD(learning_rate=0.0),
        x,
        y,
        keras.losses.mean_squared_error,
        batch_size=10,
        max_steps=2,
    )
    clipped = gradients.global_norm_trace(
        regression_model(),
        keras.optimizers.SGD(learning_rate=0.0, clipnorm=1.0),
        x,
        y,
        keras.losses.mean_squared_error,
        batch_size=10,
        max_steps=2,
    )
    np.testing.assert_allclose(plain["global_norm"], clipped["global_norm"])
    assert plain["global_norm"][0] > 1.0
