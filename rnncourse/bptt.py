"""Generated from notebooks/01_vanishing_exploding_gradients.ipynb by `make export`; edit the notebook, not this file."""

import weakref

import keras
import numpy as np
import tensorflow as tf

_traced = weakref.WeakKeyDictionary()   # {model: {loss: graph}}: tracing takes about a second, a call milliseconds


def input_step_gradient_norms(model, x, y, loss=keras.losses.binary_crossentropy):
    """||dL/dx_t|| for every step t, averaged over the batch: a float64 array of shape (time,).

    x_t is the input vector at step t: the output of the Embedding layer when the model starts with
    one (word ids cannot be differentiated), otherwise the model's input itself. The last entry is
    the last step; norms[::-1] is indexed by the distance from the end. The gradient is computed in
    the dtype of the first layer it flows into (float64 for a model whose layers are float64).
    """
    stack = list(model.layers)
    if isinstance(stack[0], keras.layers.Embedding):
        inputs, stack = stack[0](x), stack[1:]          # embedded words, (batch, time, features)
    else:
        inputs = tf.convert_to_tensor(x, dtype=stack[0].compute_dtype)
    targets = tf.reshape(tf.convert_to_tensor(y, dtype=inputs.dtype), (-1, 1))

    graphs = _traced.setdefault(model, {})
    if loss not in graphs:                              # one graph per model and loss, traced once
        graphs[loss] = _per_step_norms_graph(stack, loss)
    return np.mean(graphs[loss](inputs, targets).numpy().astype(np.float64), axis=0)


def _per_step_norms_graph(stack, loss):
    """A compiled function (inputs, targets) -> ||dL/dx_t|| per review and step, for the layers `stack`."""

    @tf.function(reduce_retracing=True)                 # one graph instead of an eager loop: faster
    def per_step_norms(inputs, targets):
        with tf.GradientTape() as tape:
            tape.watch(inputs)                          # differentiate with respect to the inputs
            outputs = inputs
            for layer in stack:
                outputs = layer(outputs)
            total_loss = tf.reduce_sum(loss(targets, outputs))
        gradient = tape.gradient(total_loss, inputs)    # dL/dx_t for every review and step
        if gradient.shape.rank == 2:                    # one feature per step, given as (batch, time)
            gradient = gradient[..., None]
        return tf.norm(gradient, axis=-1)               # (batch, time)

    return per_step_norms
