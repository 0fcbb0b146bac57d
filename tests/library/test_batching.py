"""Length-bucketed batches (rnncourse/batching.py): coverage, label alignment, padding per batch,
determinism, and a masked model trained on them."""

import numpy as np
import pytest

from rnncourse import batching

SEQ_LEN = 12


@pytest.fixture(scope="module")
def arrays():
    """Front-padded reviews of lengths 1..SEQ_LEN whose label is the review's number, and whose every
    id is the review's number + 1 (so a batch shows which rows it holds)."""
    rng = np.random.default_rng(0)
    row_lengths = rng.integers(1, SEQ_LEN + 1, size=103)
    x = np.zeros((len(row_lengths), SEQ_LEN), dtype="int32")
    for i, length in enumerate(row_lengths):
        x[i, SEQ_LEN - length :] = i + 1
    return x, np.arange(len(x), dtype="float32"), row_lengths


def test_lengths_of_front_padded_rows():
    x = np.array([[0, 0, 3, 4], [5, 0, 6, 7], [0, 0, 0, 0], [0, 0, 0, 9]])
    assert batching.lengths(x).tolist() == [2, 4, 0, 1]  # an inner 0 (an id) does not end a review


def test_every_row_once_per_epoch_and_same_count(arrays):
    _, _, row_lengths = arrays
    for epoch in range(3):
        batches = batching.epoch_batches(row_lengths, 8, seed=5, epoch=epoch, chunk=3)
        assert sorted(np.concatenate(batches).tolist()) == list(range(len(row_lengths)))
        assert len(batches) == batching.num_batches(len(row_lengths), 8, chunk=3)
        assert all(1 <= len(rows) <= 8 for rows in batches)


def test_batches_are_sorted_within_chunks(arrays):
    _, _, row_lengths = arrays
    batches = batching.epoch_batches(row_lengths, 8, seed=5, epoch=0, chunk=3)
    # A chunk's batches hold disjoint length ranges: within a batch the spread is small.
    spread = np.mean([np.ptp(row_lengths[rows]) for rows in batches])
    unsorted = np.mean([np.ptp(row_lengths[i : i + 8]) for i in range(0, len(row_lengths), 8)])
    assert spread < unsorted / 2


def test_order_depends_on_seed_and_epoch_only(arrays):
    _, _, row_lengths = arrays

    def order(seed, epoch):
        return np.concatenate(batching.epoch_batches(row_lengths, 8, seed, epoch, chunk=3)).tolist()

    assert order(1, 0) == order(1, 0)
    assert order(1, 0) != order(1, 1) and order(1, 0) != order(2, 0)


def test_crop_pads_each_batch_to_its_longest(arrays):
    x, _, row_lengths = arrays
    rows = np.array([0, 5, 9])
    cropped = batching.crop(x, rows, row_lengths)
    assert cropped.shape == (3, row_lengths[rows].max())
    assert (batching.lengths(cropped) == row_lengths[rows]).all()  # no word cut off


def test_dataset_keeps_labels_with_their_reviews_and_repeats_with_the_seed(arrays):
    x, y, row_lengths = arrays

    def epochs(data, n):
        return [[(ids.numpy(), labels.numpy()) for ids, labels in data] for _ in range(n)]

    first, again = (
        epochs(batching.dataset(x, y, 8, seed=3, chunk=3), 2),
        epochs(batching.dataset(x, y, 8, seed=3, chunk=3), 2),
    )
    for epoch in first:
        seen = []
        for ids, labels in epoch:
            rows = labels.astype(int)
            assert ids.shape == (len(rows), row_lengths[rows].max())
            assert (ids.max(axis=1) == rows + 1).all()  # the ids are those of the labelled review
            seen.extend(rows.tolist())
        assert sorted(seen) == list(range(len(x)))
    order = [[labels.tolist() for _, labels in epoch] for epoch in first]
    assert order == [[labels.tolist() for _, labels in epoch] for epoch in again]
    assert order[0] != order[1]
    validation = [labels.numpy().astype(int) for _, labels in batching.dataset(x, y, 8)]
    assert (np.diff(row_lengths[np.concatenate(validation)]) >= 0).all()


def test_a_masked_model_trains_on_buckets_and_predicts_in_order(arrays):
    import keras

    from rnncourse import models

    x = np.minimum(arrays[0][:40], 29)
    y = (np.arange(len(x)) % 2).astype("float32")
    keras.utils.set_random_seed(0)
    model = models.best(num_words=30, wordvec_dim=4, seq_len=None, units=3, masked=True)
    model.compile(loss="binary_crossentropy", optimizer="adam", run_eagerly=True)  # no tracing: seconds
    history = model.fit(batching.dataset(x, y, 16, seed=0, chunk=1), epochs=2, verbose=0, shuffle=False)
    assert len(history.history["loss"]) == 2
    bucketed = batching.predict(model, x, batch_size=32)
    whole = keras.ops.convert_to_numpy(model(x, training=False))
    np.testing.assert_allclose(bucketed, whole, atol=1e-5)
