"""Gradient measurements for lesson 01: how gradients shrink or grow over time steps and steps of training.

Plumbing only: the notebook shows the models and the maths; these functions run the
``tf.GradientTape`` bookkeeping and return plain NumPy arrays.
"""

import numpy as np


def matrix_power_norms(matrix, steps):
    """Spectral norms ``||W^t||_2`` for ``t = 1, ..., steps``: a float64 array of shape ``(steps,)``.

    Powers that overflow come back as ``inf``.
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"matrix must be square, got shape {matrix.shape}.")
    power = np.eye(matrix.shape[0])
    norms = np.empty(steps)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(steps):
            power = power @ matrix
            norms[t] = np.linalg.norm(power, 2) if np.all(np.isfinite(power)) else np.inf
    return norms


def _split_at_embedding(model):
    """``(first, rest)``: the Embedding layer (or ``None``) and the layers applied after it."""
    from keras import layers

    stack = list(model.layers)
    if stack and isinstance(stack[0], layers.Embedding):
        return stack[0], stack[1:]
    return None, stack


def input_step_gradient_norms(model, x, y, loss=None):
    """How strongly the loss reacts to each input step: a float64 array of shape ``(time,)``.

    ``model`` is a ``Sequential`` model whose layers are applied in order. Entry ``t`` is
    ``||dL/dx_t||`` averaged over the batch, where ``L`` is the summed per-example ``loss``
    (binary cross-entropy by default) and ``x_t`` is the input vector at step ``t``: the
    output of the first layer when it is an ``Embedding`` (word ids cannot be
    differentiated), otherwise the model input itself. ``x`` has shape ``(batch, time)``
    (ids) or ``(batch, time, features)``; ``y`` has shape ``(batch,)``. The last entry is
    the last step; ``norms[::-1]`` is indexed by the distance from the end.
    """
    import keras
    import tensorflow as tf

    loss = loss or keras.losses.binary_crossentropy
    embedding, stack = _split_at_embedding(model)
    inputs = embedding(x) if embedding is not None else tf.convert_to_tensor(x, dtype=model.dtype)
    targets = tf.reshape(tf.convert_to_tensor(y, dtype=inputs.dtype), (-1, 1))

    @tf.function  # one graph instead of an eager loop over the time steps: several times faster
    def per_step_norms(inputs, targets):
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            outputs = inputs
            for layer in stack:
                outputs = layer(outputs)
            total = tf.reduce_sum(loss(targets, outputs))
        gradient = tape.gradient(total, inputs)
        if gradient.shape.rank == 2:  # one feature per step, given as (batch, time)
            gradient = gradient[..., None]
        return tf.norm(gradient, axis=-1)

    return np.mean(per_step_norms(inputs, targets).numpy().astype(np.float64), axis=0)


def global_norm_trace(model, optimizer, x, y, loss, batch_size=32, max_steps=100):
    """Train ``model`` batch by batch and record, before each update, the gradient's global norm.

    Batches are taken in data order (no shuffling), ``batch_size`` at a time, epoch after
    epoch, and ``optimizer`` (clipping included) applies each update. Stops after
    ``max_steps`` steps or at the first step whose loss or global norm is not finite.
    Returns ``{"global_norm": array, "loss": array}``, both float64 of shape ``(steps,)``;
    ``global_norm`` is ``sqrt(sum of squared entries of every gradient)`` before clipping.
    """
    import tensorflow as tf

    x = tf.convert_to_tensor(np.asarray(x), dtype=model.dtype)
    y = tf.reshape(tf.convert_to_tensor(np.asarray(y), dtype=model.dtype), (-1, 1))
    batches_per_epoch = -(-int(x.shape[0]) // batch_size)
    norms, losses = [], []
    for step in range(max_steps):
        start = (step % batches_per_epoch) * batch_size
        x_batch, y_batch = x[start:start + batch_size], y[start:start + batch_size]
        with tf.GradientTape() as tape:
            value = tf.reduce_mean(loss(y_batch, model(x_batch, training=True)))
        grads = tape.gradient(value, model.trainable_variables)
        norm = float(tf.linalg.global_norm(grads).numpy())
        norms.append(norm)
        losses.append(float(value.numpy()))
        if not (np.isfinite(norm) and np.isfinite(losses[-1])):
            break
        optimizer.apply(grads, model.trainable_variables)
    return {"global_norm": np.array(norms), "loss": np.array(losses)}
