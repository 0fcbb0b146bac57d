"""Fixtures shared by the learner library's tests."""

import json

import pytest

SHIPPED = ("simple_rnn_raw", "lstm_stack", "embedding_simple_rnn", "simple_rnn", "gru")
# Exercise III's two models: their stand-ins' output layers predict one class each (kernel 0, this bias),
# so that the two accuracies differ on any labels with both classes.
FORCED_OUTPUT_BIAS = {"simple_rnn": 5.0, "gru": -5.0}


@pytest.fixture()
def empty_root(tmp_path, monkeypatch):
    """A repository root with empty data/ and cache folders, and an empty home."""
    monkeypatch.setenv("RNNCOURSE_ROOT", str(tmp_path))
    monkeypatch.setenv("RNNCOURSE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "data").mkdir()
    return tmp_path


@pytest.fixture(scope="module")
def shipped_weights(tmp_path_factory):
    """A weights folder (``RNNCOURSE_WEIGHTS``) holding seeded, untrained stand-ins of the shipped
    models the exercise checks compare to (Exercise III's with the output biases of
    ``FORCED_OUTPUT_BIAS``)."""
    import keras
    import numpy as np

    from rnncourse import models
    from rnncourse.fileio import sha256

    folder = tmp_path_factory.mktemp("weights")
    manifest = {"models": {}, "experiments": {}}
    for number, name in enumerate(SHIPPED):
        keras.utils.set_random_seed(number)
        model = models.RECIPES[name].build()
        if name in FORCED_OUTPUT_BIAS:
            kernel, _ = model.layers[-1].get_weights()
            model.layers[-1].set_weights([kernel * 0, np.array([FORCED_OUTPUT_BIAS[name]], dtype="float32")])
        model.save_weights(folder / f"{name}.weights.h5")
        (folder / f"{name}.history.json").write_text(json.dumps({"loss": [0.7], "accuracy": [0.5]}))
        manifest["models"][name] = {
            "file": f"{name}.weights.h5",
            "history": f"{name}.history.json",
            "sha256": sha256(folder / f"{name}.weights.h5"),
        }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RNNCOURSE_WEIGHTS", str(folder))
        yield folder


@pytest.fixture(autouse=True)
def no_figures_left_open():
    """Each test starts and ends with no open matplotlib figure, so one test's plots never reach another's
    checks (the exercise feedback records the figures a cell shows)."""
    import matplotlib.pyplot as plt

    plt.close("all")
    yield
    plt.close("all")
