"""Lesson 04's language-model library (rnncourse.charlm): the character ids, the splits of review text,
the Kneser-Ney baseline (a proper distribution at every order), bits per character and the temperature."""

import numpy as np
import pytest

from rnncourse import charlm
from rnncourse.charrnn import softmax


def test_encode_lowercases_and_maps_unknown_characters():
    ids = charlm.encode('Ab"é')
    assert charlm.decode(ids) == 'ab"~'
    assert charlm.decode([charlm.START, *ids]) == '^ab"~'


def test_review_ids_start_with_the_marker_and_leave_short_reviews_out():
    rows, kept = charlm.review_ids(["abcdef", "ab", "xyz123"], length=3)
    assert rows.shape == (2, 4)
    assert kept.tolist() == [0, 2]
    assert charlm.decode(rows[1]) == "^xyz"


def _rows(texts, length=6):
    return charlm.review_ids(texts, length)[0]


@pytest.mark.parametrize("discount", [0.3, 0.9])
def test_kneser_ney_is_a_distribution_at_every_order(discount):
    fit = _rows(["the cat sat on", "the hat is on a", "that cat is fat"])
    model = charlm.KneserNey(fit, max_order=4)
    contexts = _rows(["the ca", "zzzzzz", "a hat "])
    predictable = range(charlm.UNKNOWN, charlm.VOCAB_SIZE)  # every id a model can be asked to predict
    for row in contexts:
        for t in (1, 3, 5):  # targets at several positions
            totals = np.zeros(model.max_order)
            for char_id in predictable:
                probe = row.copy()
                probe[t] = char_id
                totals += model.probabilities(probe[None, : t + 1], discount)[:, 0, t - 1]
            np.testing.assert_allclose(totals, 1.0, rtol=1e-9)


def test_kneser_ney_higher_orders_fit_the_fitting_text_better():
    fit = _rows(["the cat sat on the mat"] * 3, length=20)
    model = charlm.KneserNey(fit, max_order=5)
    bpc = charlm.bits_per_character(model.probabilities(fit, 0.75).reshape(5, -1), axis=1)
    assert list(bpc) == sorted(bpc, reverse=True)


def test_kneser_ney_refuses_bad_arguments():
    with pytest.raises(ValueError, match="max_order"):
        charlm.KneserNey(_rows(["abcdef"]), max_order=0)
    with pytest.raises(ValueError, match="discount"):
        charlm.KneserNey(_rows(["abcdef"]), max_order=2).probabilities(_rows(["abcdef"]), 1.0)


def test_bits_per_character_is_the_mean_negative_log2():
    assert charlm.bits_per_character(np.array([0.5, 0.25])) == pytest.approx(1.5)
    np.testing.assert_allclose(
        charlm.bits_per_character(np.array([[0.5, 0.5], [0.25, 0.25]]), axis=1), [1, 2]
    )


def test_temperature_sharpens_and_flattens():
    logits = np.array([2.0, 1.0, 0.0])
    np.testing.assert_allclose(charlm.temperature_probabilities(logits, 1.0), softmax(logits))
    cold, hot = charlm.temperature_probabilities(logits, 0.5), charlm.temperature_probabilities(logits, 2.0)
    assert cold[0] > softmax(logits)[0] > hot[0]
    with pytest.raises(ValueError, match="temperature"):
        charlm.temperature_probabilities(logits, 0.0)


def test_model_probabilities_are_the_softmax_of_the_targets_logits():
    import keras

    keras.utils.set_random_seed(0)
    model = charlm.gru_language_model(units=4, embedding_dim=3)
    rows = _rows(["hello world", "a b c d e f"], length=5)
    p = charlm.model_probabilities(model, rows, batch_size=1)
    logits = np.asarray(model(rows[:, :-1]), dtype=np.float64)
    expected = np.take_along_axis(softmax(logits), rows[:, 1:, None], axis=-1)[..., 0]
    np.testing.assert_allclose(p, expected, rtol=1e-6)
