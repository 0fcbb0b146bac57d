"""The NumPy character RNN of lesson 04 (rnncourse/charrnn.py, exported from the lesson): its hand-written
backpropagation through time equals automatic differentiation and finite differences, clipping bounds the
global norm, and truncated training carries the state from window to window."""

import numpy as np
import pytest
import tensorflow as tf

from rnncourse.charrnn import (
    clip_by_global_norm,
    global_norm,
    init_parameters,
    loss_and_gradients,
    rnn_forward,
    softmax,
    train_truncated,
)

VOCAB, UNITS = 6, 4


@pytest.fixture()
def tiny():
    params = init_parameters(VOCAB, UNITS, seed=1, recurrent_gain=1.3)
    params["bias"] = np.random.default_rng(2).normal(size=UNITS)  # non-zero, so its gradient is tested
    params["output_bias"] = np.random.default_rng(3).normal(size=VOCAB)
    rng = np.random.default_rng(4)
    ids = rng.integers(0, VOCAB, size=(3, 8))
    h0 = rng.normal(0, 0.5, size=(3, UNITS))
    return params, ids[:, :-1], ids[:, 1:], h0


def _loss(params, inputs, targets, h0):
    _, logits = rnn_forward(params, inputs, h0)
    p = softmax(logits)
    return -np.mean(np.log(np.take_along_axis(p, targets[..., None], axis=-1)))


def test_gradients_equal_gradient_tape(tiny):
    params, inputs, targets, h0 = tiny
    loss, grads, _, _ = loss_and_gradients(params, inputs, targets, h0)
    variables = {name: tf.Variable(value) for name, value in params.items()}
    with tf.GradientTape() as tape:
        h, losses = tf.constant(h0), []
        for t in range(inputs.shape[1]):
            h = tf.tanh(
                tf.gather(variables["kernel"], inputs[:, t])
                + h @ variables["recurrent_kernel"]
                + variables["bias"]
            )
            logits = h @ variables["output_kernel"] + variables["output_bias"]
            losses.append(tf.nn.sparse_softmax_cross_entropy_with_logits(targets[:, t], logits))
        tf_loss = tf.reduce_mean(tf.stack(losses))
    tf_grads = tape.gradient(tf_loss, list(variables.values()))
    assert loss == pytest.approx(float(tf_loss), rel=1e-12)
    for name, tf_grad in zip(variables, tf_grads):
        expected = tf.convert_to_tensor(tf_grad).numpy()
        assert np.max(np.abs(grads[name] - expected)) <= 1e-9 * np.max(np.abs(expected)), name


def test_gradients_equal_finite_differences(tiny):
    params, inputs, targets, h0 = tiny
    _, grads, _, _ = loss_and_gradients(params, inputs, targets, h0)
    eps = 1e-6
    for name, value in params.items():
        numeric = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            shifted = {k: v.copy() for k, v in params.items()}
            shifted[name][index] += eps
            up = _loss(shifted, inputs, targets, h0)
            shifted[name][index] -= 2 * eps
            numeric[index] = (up - _loss(shifted, inputs, targets, h0)) / (2 * eps)
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-5, atol=1e-8, err_msg=name)


def test_reaching_norm_at_the_last_step_is_its_own_outputs_share(tiny):
    params, inputs, targets, h0 = tiny
    _, _, last_state, reaching = loss_and_gradients(params, inputs, targets, h0)
    states, logits = rnn_forward(params, inputs, h0)
    dlogits = softmax(logits[:, -1])
    dlogits[np.arange(len(targets)), targets[:, -1]] -= 1
    own = dlogits / targets.size @ params["output_kernel"].T
    assert reaching.shape == (inputs.shape[1],)
    assert reaching[-1] == pytest.approx(np.linalg.norm(own))
    np.testing.assert_array_equal(last_state, states[:, -1])


def test_clipping_bounds_the_global_norm_and_keeps_the_direction():
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}
    clipped, norm = clip_by_global_norm(grads, 1.0)
    assert norm == pytest.approx(5.0)
    assert global_norm(clipped) == pytest.approx(1.0)
    np.testing.assert_allclose(clipped["a"] * 5.0, grads["a"])
    unchanged, _ = clip_by_global_norm(grads, 10.0)
    np.testing.assert_array_equal(unchanged["b"], grads["b"])


def test_truncated_training_carries_the_state_and_cuts_the_gradient():
    params = init_parameters(VOCAB, UNITS, seed=0)
    streams = np.random.default_rng(0).integers(0, VOCAB, size=(2, 21))
    trained, trace = train_truncated(params, streams, window=5, updates=4, learning_rate=0.1)
    # the second update continues from the first window's last state
    _, _, h1, _ = loss_and_gradients(params, streams[:, :5], streams[:, 1:6], np.zeros((2, UNITS)))
    first_step, grads, _, _ = loss_and_gradients(
        params, streams[:, :5], streams[:, 1:6], np.zeros((2, UNITS))
    )
    after_one = {k: v - 0.1 * grads[k] for k, v in params.items()}
    second, _, _, _ = loss_and_gradients(after_one, streams[:, 5:10], streams[:, 6:11], h1)
    assert trace["loss"][:2] == pytest.approx([first_step, second])
    assert trace["reaching"].shape == (4, 5)
    assert not np.shares_memory(trained["kernel"], params["kernel"])


@pytest.mark.filterwarnings("ignore:invalid value encountered")
def test_truncated_training_stops_when_the_loss_is_not_finite():
    params = init_parameters(VOCAB, UNITS, seed=0)
    params["output_kernel"][:] = np.inf
    streams = np.zeros((1, 12), dtype=int)
    _, trace = train_truncated(params, streams, window=3, updates=3, learning_rate=0.1)
    assert np.isnan(trace["loss"]).all() and np.isnan(trace["norm"]).all()
