"""The live explorers' logic (rnncourse.explorers), without a browser: the gradient curve is the lesson's
probe on a freshly built model, the review reader encodes as the course does, the saliency has the right
sign, and bad input gives a one-line message. The widgets themselves are driven by tests/browser."""

import math

import numpy as np
import pytest

from rnncourse import data, explorers
from rnncourse.bptt import input_step_gradient_norms


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"gain": 0.7, "activation": "relu", "input_scale": 0.1, "length": 30},
        {"cell": "gru", "gain": 1.3, "length": 40},
        {"cell": "lstm", "gate_bias": "chrono", "length": 50},
        {"cell": "lstm", "gate_bias": "zero", "input_scale": 2.0, "length": 20},
    ],
)
def test_the_curve_is_the_lessons_probe_on_a_fresh_model(settings):
    curve = explorers.gradient_curve(**settings)
    s = explorers.gradient_settings(**settings)
    fresh = explorers.probe_model(s["cell"], s["gain"], s["activation"], s["gate_bias"], s["length"])
    x, y = explorers.probe_data(s["length"], s["input_scale"])
    expected = input_step_gradient_norms(fresh, x, y)[::-1]
    assert curve.norms.dtype == np.float64 and len(curve.norms) == s["length"]
    np.testing.assert_allclose(curve.norms, expected, rtol=1e-9, atol=0)


def test_the_probe_computes_in_float64():
    model = explorers.probe_model("simple_rnn", gain=0.5)
    x, y = explorers.probe_data(200, 1.0)
    norms = input_step_gradient_norms(model, x, y)
    assert norms[0] > 0 and norms[0] < 1e-40  # far below float32's smallest number (1.4e-45 is denormal)


def test_the_slope_is_sigma_max_to_the_k_through_distance_zero_for_a_simple_rnn_only():
    curve = explorers.gradient_curve(gain=1.2, activation="linear", length=30)
    assert curve.sigma_max == pytest.approx(1.2, rel=1e-9)  # an orthogonal matrix times its gain
    np.testing.assert_allclose(curve.slope, curve.norms[0] * 1.2 ** np.arange(30), rtol=1e-9)
    np.testing.assert_allclose(curve.bound[1:] / curve.bound[:-1], 1.2, rtol=1e-9)
    gated = explorers.gradient_curve(cell="gru", length=30)
    assert gated.bound is None and gated.slope is None and gated.sigma_max is None


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"input_scale": 0.01},
        {"activation": "linear"},
        {"activation": "linear", "length": 400},
        {"activation": "relu", "gain": 1.5, "input_scale": 3.0, "length": 200},
        {"gain": 0.5, "input_scale": 0.1, "length": 50},
    ],
)
def test_the_curve_stays_at_or_below_the_bound(settings):
    curve = explorers.gradient_curve(**settings)
    assert np.all(curve.norms <= curve.bound * (1 + 1e-9))


def test_the_probes_norm_is_exact_far_below_the_square_root_of_the_smallest_double():
    import keras
    import tensorflow as tf

    model = keras.Sequential([keras.Input((3, 4), dtype="float64"), keras.layers.Identity(dtype="float64")])
    x = np.ones((2, 3, 4))
    x[:, 1] = 0.0  # the gradient at step 1 is exactly 0

    def tiny_loss(targets, outputs):  # dL/dx = 1e-160 * x: squares of its entries underflow
        return 0.5e-160 * tf.reduce_sum(outputs**2, axis=[1, 2])

    norms = input_step_gradient_norms(model, x, np.zeros(2), loss=tiny_loss)
    expected = math.hypot(*[1e-160] * 4)  # 2e-160; numpy's norm squares too (denormal: 1.99999e-160)
    np.testing.assert_allclose(norms, [expected, 0.0, expected], rtol=1e-12)
    assert norms[1] == 0


def test_exact_zeros_are_counted_and_drawn_on_the_axis_floor():
    import matplotlib

    matplotlib.use("Agg")
    norms = np.array([1e-3, 1e-5, 0.0, 0.0, 1e-9])  # exactly 0 only where the gradient itself is 0
    curve = explorers.GradientCurve(settings=explorers.gradient_settings(cell="gru", length=10), norms=norms)
    labels = [
        text.get_text() for text in explorers.plot_gradient_curve(curve).axes[0].get_legend().get_texts()
    ]
    assert any("exactly 0: 2 of 5 steps" in label for label in labels)
    assert any("not for gated cells" in label for label in labels)


def test_a_simple_rnn_with_a_zero_last_step_still_draws_its_bound():
    import matplotlib

    matplotlib.use("Agg")
    measured = explorers.gradient_curve(length=10)
    norms = measured.norms.copy()
    norms[0] = 0.0
    curve = explorers.GradientCurve(measured.settings, norms, measured.sigma_max, measured.bound, slope=None)
    labels = [
        text.get_text() for text in explorers.plot_gradient_curve(curve).axes[0].get_legend().get_texts()
    ]
    assert any(label.startswith("bound ") for label in labels)
    assert not any("gated" in label or "slope" in label for label in labels)


@pytest.mark.parametrize("length", [10, 50, 400])
def test_the_explorers_lstm_bias_is_chrono(length):
    units = explorers.UNITS
    bias = explorers._cached_probe("lstm", 1.0, "tanh", "chrono", length).layers[0].get_weights()[2]
    input_gate, forget_gate, rest = bias[:units], bias[units : 2 * units], bias[2 * units :]
    assert np.all(forget_gate >= 0) and np.all(forget_gate <= np.log(length - 1))
    assert forget_gate.std() > 0  # drawn, not one constant
    np.testing.assert_array_equal(input_gate, -forget_gate)
    assert np.all(rest == 0)


@pytest.mark.parametrize("gate_bias, forget", [("zero", 0.0), ("forget1", 1.0)])
def test_the_explorers_lstm_bias_is_constant_for_zero_and_forget1(gate_bias, forget):
    units = explorers.UNITS
    bias = explorers._cached_probe("lstm", 1.0, "tanh", gate_bias, 20).layers[0].get_weights()[2]
    np.testing.assert_array_equal(bias[units : 2 * units], forget)
    assert np.all(np.delete(bias, np.s_[units : 2 * units]) == 0)


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"cell": "elman"}, "cell='elman'"),
        ({"gain": 2.0}, "gain=2.0; use a number from 0.5 to 1.5"),
        ({"length": 5}, "length=5"),
        ({"units": 3}, "unknown setting(s) units"),
    ],
)
def test_settings_out_of_range_are_named(settings, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        explorers.gradient_settings(**settings)


def test_a_gradient_update_gives_a_png_and_a_summary():
    png, summary = explorers.gradient_update(length=20)
    assert png.startswith(b"\x89PNG") and "SimpleRNN (tanh)" in summary and "20 steps" in summary


# ---------------------------------------------------------------------------- reviews


@pytest.fixture(scope="module")
def reader():
    return explorers.ReviewReader()


def test_the_models_read_exactly_what_encode_texts_gives(reader):
    text = "A <b>fine</b> film, with a zzqxv ending. " * 3
    reading = reader.read(text)
    for name, known in (("best", reading.known), ("gru_emb", reading.gru_known)):
        spec = reader.specs[name]
        ids = data.encode_texts(
            [text], reader.word_index, num_words=spec["num_words"], seq_len=spec["seq_len"]
        )
        words = data.encode_texts(
            [text], reader.word_index, spec["num_words"], seq_len=None, start_char=None
        )[0]
        np.testing.assert_array_equal(ids[0, -len(words) :], words)
        np.testing.assert_array_equal(known, words != 2)
    assert reading.read == data.tokenize(data.clean_text(text)) and "zzqxv" in reading.read
    assert not reading.known[reading.read.index("zzqxv")]
    p = float(reader.classifier.predict(reader.encode(text, "best"), verbose=0)[0, 0])
    assert reading.probability == pytest.approx(p, abs=1e-5)


def test_adding_excellent_raises_p_and_its_saliency_is_positive(reader):
    plain, praised = reader.read("a film"), reader.read("a film excellent")
    assert praised.probability > plain.probability
    assert praised.saliency[-1] > 0 and praised.saliency[-1] == praised.saliency.max()
    panned = reader.read("a film awful")
    assert panned.probability < plain.probability and panned.saliency[-1] < 0


def test_the_update_gate_is_the_mean_over_units_of_cells_gate_activations(reader):
    from rnncourse import cells

    text = "the acting was wonderful"
    reading = reader.read(text)
    ids = reader.encode(text, "gru_emb")
    z = cells.gate_activations(reader.gru, reader.gated.layers[0](ids), "update")[0]
    np.testing.assert_allclose(reading.gate, z[-4:].mean(axis=1))
    assert np.all((reading.gate > 0) & (reading.gate < 1)) and reading.gate_units == 64


def one_line(page):
    return page.count("<div") == 1 and "\n" not in page and "Traceback" not in page


def test_empty_text_gives_a_one_line_message(reader):
    for text in ("", "   \n\t"):
        page, _ = explorers.review_update(reader, text)
        assert one_line(page) and "The review is empty" in page


def test_only_punctuation_gives_a_one_line_message(reader):
    page, _ = explorers.review_update(reader, "!!! ... ??? -- :-)")
    assert one_line(page) and "No word to read" in page


def test_non_ascii_text_is_read_as_the_tokenizer_splits_it(reader):
    reading = reader.read("Très bon film, génial!")
    assert reading.read == ["tr", "s", "bon", "film", "g", "nial"]
    assert any("ASCII only" in note for note in reading.notes)
    page, _ = explorers.review_update(reader, "很好看的电影")  # no letter a-z at all
    assert one_line(page) and "No word to read" in page


def test_only_unknown_words_are_read_and_marked_unknown(reader):
    reading = reader.read("zzqxv blorfy qwxzzy")
    assert not reading.known.any() and 0 < reading.probability < 1
    assert any("reads only the unknown-word id" in note for note in reading.notes)
    page, _ = explorers.review_update(reader, "zzqxv blorfy qwxzzy")
    assert page.count('class="rnncourse-unknown"') == 6  # three words, two rows


def test_five_thousand_words_read_the_last_1000_and_the_gate_the_last_400(reader):
    text = " ".join(["good"] * 4000 + ["bad"] * 1000)
    reading = reader.read(text)
    assert reading.first_read == 4000 and reading.read == ["bad"] * 1000
    assert reading.probability == pytest.approx(reader.read(" ".join(["bad"] * 1000)).probability, abs=1e-6)
    assert np.isnan(reading.gate[:600]).all() and not np.isnan(reading.gate[600:]).any()  # gru_emb reads 400
    page, _ = explorers.review_update(reader, text)
    assert "4,000 earlier words not read" in page and "no gate for the 600 before them" in page
    assert page.count('class="rnncourse-unread"') == 600


def test_an_html_fragment_is_cleaned_and_escaped(reader):
    fragment = '<p>A <b>great</b> film<br />loved it &amp; <script>alert("x")</script></p>'
    reading = reader.read(fragment)
    assert reading.read == ["a", "great", "film", "loved", "it", "alert", "x"]
    page, _ = explorers.review_update(reader, fragment)
    assert "<script" not in page and "<b>great" not in page


def test_a_non_string_gives_a_one_line_message(reader):
    page, _ = explorers.review_update(reader, None)
    assert one_line(page) and "not NoneType" in page


def test_the_review_html_has_both_probabilities_and_a_legend(reader):
    page, _ = explorers.review_update(reader, "a wonderful film")
    assert page.count('class="rnncourse-probability"') == 2
    assert "pushes towards positive" in page and "z = 1" in page and "[unknown]" in page


def test_examples_come_from_the_training_split():
    examples = explorers.example_reviews()
    (train_texts, _), (test_texts, _) = data.load_imdb_texts()
    assert len(examples) == 4
    assert all(text in set(train_texts) and text not in set(test_texts) for text in examples.values())


def test_state_slopes_are_tanhs_slope_at_the_states_and_one_for_a_linear_cell():
    import keras

    x, _ = explorers.probe_data(12, 0.5)
    model = explorers.probe_model("simple_rnn", gain=1.2)
    layer = model.layers[0]
    states = keras.layers.SimpleRNN(explorers.UNITS, return_sequences=True, dtype="float64")
    states.build((None, None, explorers.FEATURES))
    states.set_weights(layer.get_weights())
    expected = (1 - np.asarray(states(x)) ** 2).mean(axis=(0, 2))[::-1]
    slopes = explorers.state_slopes(gain=1.2, input_scale=0.5, length=12)
    np.testing.assert_allclose(slopes, expected, rtol=1e-12)
    assert (explorers.state_slopes(activation="linear", length=12) == 1).all()
    with pytest.raises(ValueError, match="SimpleRNN"):
        explorers.state_slopes(cell="gru", length=12)


@pytest.mark.parametrize("masked", [True, False])
def test_the_saliency_reproduces_the_model_and_is_zero_on_masked_padding(masked):
    """The saliency's rebuilt forward pass gives the model's own probability, masked or not; with a mask
    the padding steps get no saliency, and padding changes nothing."""
    import keras

    from rnncourse import models

    keras.utils.set_random_seed(0)
    model = models.best(num_words=50, wordvec_dim=4, seq_len=None if masked else 6, units=3, masked=masked)
    saliency = explorers._saliency_function(model)
    ids = np.array([[0, 0, 0, 5, 6, 7], [0, 9, 8, 7, 6, 5]], dtype="int32")
    probability, per_word = (np.asarray(value) for value in saliency(ids))
    np.testing.assert_allclose(probability, keras.ops.convert_to_numpy(model(ids))[:, 0], atol=1e-6)
    assert (per_word[:, 0] == 0).all() == masked and (per_word[0, :3] == 0).all() == masked
    if masked:
        unpadded = np.asarray(saliency(ids[:1, 3:])[0])
        np.testing.assert_allclose(unpadded, probability[:1], atol=1e-6)
