"""For learners and the trainer: batches of reviews grouped by length, so a recurrent model runs no step on padding.

The course's arrays are front-padded (``pad_sequences``' default, :func:`rnncourse.data.imdb_arrays`):
word ids at the end of each row, zeros before them. Here every batch is cut to its own longest review
(its last ``longest`` columns), so a batch of 150-word reviews costs 150 steps, not the padded length.
The model must accept any length (``keras.Input(shape=(None,))``, e.g. ``models.best(seq_len=None)``)
and should mask id 0 (``masked=True``), so the few padded steps left change nothing.

Training order (:func:`epoch_batches`): each epoch shuffles the reviews, cuts the shuffled order into
chunks of ``chunk`` batches, sorts each chunk by length and cuts it into batches, then shuffles the
order of the batches. Every review appears exactly once per epoch; the order depends only on ``seed``
and the epoch number. Evaluation order (:func:`sorted_batches`) sorts all reviews by length, and
:func:`predict` returns the probabilities in the arrays' own order.
"""

import numpy as np

CHUNK = 50
"""Batches per sorted chunk: larger chunks leave less padding, smaller ones mix lengths more."""


def lengths(x):
    """The length of every front-padded row of ``x`` ``(n, seq_len)``: the columns from its first
    nonzero id to the end (0 for a row of zeros). Shape ``(n,)``, int64."""
    x = np.asarray(x)
    nonzero = x != 0
    return np.where(nonzero.any(axis=1), x.shape[1] - nonzero.argmax(axis=1), 0).astype(np.int64)


def epoch_batches(row_lengths, batch_size, seed, epoch, chunk=CHUNK):
    """The batches of one training epoch: a list of index arrays into the rows, each row exactly once.

    The rows are shuffled with ``numpy.random.default_rng([seed, epoch])``, sorted by length
    within chunks of ``chunk * batch_size`` rows, cut into batches of ``batch_size`` (a chunk's
    last batch may be smaller), and the batches are shuffled. The number of batches is the same in
    every epoch.
    """
    rng = np.random.default_rng([seed, epoch])
    order = rng.permutation(len(row_lengths))
    size = chunk * batch_size
    batches = []
    for start in range(0, len(order), size):
        part = order[start : start + size]
        part = part[np.argsort(row_lengths[part], kind="stable")]
        batches.extend(part[i : i + batch_size] for i in range(0, len(part), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


def sorted_batches(row_lengths, batch_size):
    """Batches for evaluation: the rows sorted by length (ties in row order), cut every ``batch_size``."""
    order = np.argsort(row_lengths, kind="stable")
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def crop(x, rows, row_lengths):
    """Rows ``rows`` of the front-padded ``x``, cut to their longest: ``(len(rows), longest)`` (at least
    one column)."""
    longest = max(int(row_lengths[rows].max()), 1)
    return x[rows, x.shape[1] - longest :]


def num_batches(n, batch_size, chunk=CHUNK):
    """How many batches :func:`epoch_batches` makes of ``n`` rows."""
    size = chunk * batch_size
    full, rest = divmod(n, size)
    return full * chunk + -(-rest // batch_size)


def dataset(x, y, batch_size, seed=None, chunk=CHUNK):
    """A ``tf.data.Dataset`` of ``(ids, labels)`` batches cut to their longest review, for ``model.fit``.

    With ``seed``, the training order of :func:`epoch_batches`, epoch 0, 1, … each time the dataset is
    iterated (``fit`` iterates it once per epoch, so a new dataset with the same seed repeats the run);
    ``seed=None``: the fixed order of :func:`sorted_batches` (validation). ``x`` int ``(n, seq_len)``,
    front-padded; ``y`` ``(n,)``. The batches' shape is ``(None, None)``: one traced function serves
    every length.
    """
    import tensorflow as tf

    x, y = np.asarray(x), np.asarray(y)
    row_lengths = lengths(x)
    epochs = iter(range(2**62))

    def generate():
        if seed is None:
            batches = sorted_batches(row_lengths, batch_size)
        else:
            batches = epoch_batches(row_lengths, batch_size, seed, next(epochs), chunk)
        for rows in batches:
            yield crop(x, rows, row_lengths), y[rows]

    signature = (
        tf.TensorSpec(shape=(None, None), dtype=tf.as_dtype(x.dtype)),
        tf.TensorSpec(shape=(None, *y.shape[1:]), dtype=tf.as_dtype(y.dtype)),
    )
    count = num_batches(len(x), batch_size, chunk) if seed is not None else -(-len(x) // batch_size)
    data = tf.data.Dataset.from_generator(generate, output_signature=signature)
    return data.apply(tf.data.experimental.assert_cardinality(count)).prefetch(2)


def predict(model, x, batch_size=256):
    """``model``'s outputs for the front-padded rows of ``x``, in their order, computed on batches sorted
    by length and cut to their longest: ``(n, outputs)``."""
    x = np.asarray(x)
    row_lengths = lengths(x)
    batches = sorted_batches(row_lengths, batch_size)
    outputs = [np.asarray(model.predict_on_batch(crop(x, rows, row_lengths))) for rows in batches]
    result = np.empty((len(x), *outputs[0].shape[1:]), dtype=outputs[0].dtype)
    result[np.concatenate(batches)] = np.concatenate(outputs)
    return result
