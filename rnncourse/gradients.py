"""For learners: gradient measurements for lesson 01 — how gradients shrink or grow over time
steps and over steps of training.

The per-step measurement, ``input_step_gradient_norms``, is written in lesson 01 and generated
into ``rnncourse/bptt.py`` (``make export``); it is imported here so that ``gradients`` has all of them.
"""

import numpy as np

from .bptt import input_step_gradient_norms  # noqa: F401  (written in lesson 01)


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
        x_batch, y_batch = x[start : start + batch_size], y[start : start + batch_size]
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
