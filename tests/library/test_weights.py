"""The loader (``rnncourse.weights``): the manifest's entries and experiments, verified loading, and
errors that name the damaged or missing file and the remedy.

Tiny fixture: seeded, untrained stand-ins of the small ``simple_rnn`` and ``gru`` recipes in the
shipped layout (``NAME.<sha12>/``), written by hand; no test writes into the shipped ``weights/``.
"""

import json
import shutil

import keras
import numpy as np
import pytest

from rnncourse import weights
from rnncourse.fileio import sha256
from rnncourse.manifest import MANIFEST_FILE
from rnncourse.models import RECIPES

RESTORE = r".*git checkout weights/.*make weights"
EXPERIMENTS = {
    "baseline": {"quick": False, "seconds": 1.0, "versions": {}, "tfidf": {"test_accuracy": 0.89}},
    "long_memory": {"quick": False, "seconds": 2.0, "versions": {}, "config": {"lengths": [50, 100]}},
}


@pytest.fixture(scope="module")
def tiny_source(tmp_path_factory):
    """A weights folder with stand-ins of ``simple_rnn`` and ``gru``, a model an experiment saved
    (``memory_gru``, the ``gru`` stand-in) and two experiments."""
    folder = tmp_path_factory.mktemp("tiny")
    models = {}
    for seed, name in enumerate(("simple_rnn", "gru")):
        stage = folder / name
        stage.mkdir()
        keras.utils.set_random_seed(seed)
        RECIPES[name].build().save_weights(stage / f"{name}.weights.h5")
        (stage / f"{name}.history.json").write_text(json.dumps({"loss": [0.7, 0.6], "accuracy": [0.5, 0.6]}))
        digest = sha256(stage / f"{name}.weights.h5")
        version = f"{name}.{digest[:12]}"
        stage.rename(folder / version)
        models[name] = {
            "file": f"{version}/{name}.weights.h5",
            "history": f"{version}/{name}.history.json",
            "sha256": digest,
            "quick": False,
            "test_accuracy": 0.5 + seed / 10,
        }
    models["memory_gru"] = {**models["gru"], "experiment": "long_memory"}
    (folder / MANIFEST_FILE).write_text(json.dumps({"models": models, "experiments": EXPERIMENTS}))
    return folder


@pytest.fixture()
def tiny(tiny_source, tmp_path):
    folder = tmp_path / "weights"
    shutil.copytree(tiny_source, folder)
    return folder


def _rewrite_manifest(folder, change):
    manifest = json.loads((folder / MANIFEST_FILE).read_text())
    change(manifest)
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest))


# ----------------------------------------------------------------------------- entries and experiments


def test_entries_and_experiments_are_read_from_the_manifest(tiny):
    assert weights.entry("gru", tiny)["test_accuracy"] == 0.6
    assert list(weights.recipe_entries(tiny)) == ["simple_rnn", "gru"]  # the manifest's order
    assert weights.entry("memory_gru", tiny)["experiment"] == "long_memory"  # left out above
    assert weights.experiments(tiny) == EXPERIMENTS
    assert weights.experiment("long_memory", tiny)["config"]["lengths"][-1] == 100
    with pytest.raises(
        weights.WeightsError,
        match=r"No experiment named 'glove_curve' in .*manifest\.json; available: baseline, long_memory"
        + RESTORE,
    ):
        weights.experiment("glove_curve", tiny)
    _rewrite_manifest(tiny, lambda manifest: manifest.pop("experiments"))
    assert weights.experiments(tiny) == {}
    with pytest.raises(weights.WeightsError, match=r"available: none"):
        weights.experiment("baseline", tiny)


def test_verified_models_load_with_their_history(tiny):
    for name in ("simple_rnn", "gru", "memory_gru"):
        assert sha256(weights.weights_path(name, tiny)) == weights.entry(name, tiny)["sha256"]
        assert weights.history(name, tiny)["loss"] == [0.7, 0.6]
    gru = weights.load_pretrained("gru", tiny)
    memory = weights.load_weights_into(RECIPES["gru"].build(), "memory_gru", tiny)  # not a recipe's name
    assert all(np.array_equal(a, b) for a, b in zip(gru.get_weights(), memory.get_weights(), strict=True))
    weights.load_pretrained("simple_rnn", tiny)


def test_an_exercise_loads_a_fresh_copy_that_saving_cannot_damage(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("RNNCOURSE_CACHE", str(tmp_path / "cache"))
    copy = weights.exercise_copy("gru", tiny)
    assert copy.name == "gru.weights.h5" and copy.parent.parent == tmp_path / "cache"
    assert sha256(copy) == weights.entry("gru", tiny)["sha256"]
    keras.utils.set_random_seed(5)
    RECIPES["gru"].build().save_weights(copy)  # save_weights where load_weights was meant
    assert sha256(copy) != weights.entry("gru", tiny)["sha256"]
    weights.weights_path("gru", tiny)  # the shipped file is intact
    assert sha256(weights.exercise_copy("gru", tiny)) == weights.entry("gru", tiny)["sha256"]


# ----------------------------------------------------------------------------- clear errors


@pytest.mark.parametrize(
    "content, message",
    [
        ("{}", r"manifest\.json is empty"),
        ('{"experiments": {}}', r"manifest\.json has no \"models\" table"),
        ("[]", r"manifest\.json is empty"),
        ('{"models": {"simple_rnn"', r"manifest\.json is truncated or corrupted: it is not valid JSON"),
        ("", r"manifest\.json is truncated or corrupted: it is not valid JSON"),
    ],
)
def test_damaged_manifest_names_the_file_and_the_remedy(tiny, content, message):
    (tiny / MANIFEST_FILE).write_text(content)
    for call in (
        lambda: weights.manifest(tiny),
        lambda: weights.load_pretrained("simple_rnn", tiny),
        lambda: weights.history("simple_rnn", tiny),
        lambda: weights.entry("gru", tiny),
        lambda: weights.recipe_entries(tiny),
        lambda: weights.experiment("baseline", tiny),
    ):
        with pytest.raises(weights.WeightsError, match=message + RESTORE):
            call()


def test_truncated_history_names_the_file_and_the_remedy(tiny):
    path = tiny / weights.entry("simple_rnn", tiny)["history"]
    path.write_bytes(path.read_bytes()[:10])
    with pytest.raises(
        weights.WeightsError,
        match=r"simple_rnn\.[0-9a-f]{12}/simple_rnn\.history\.json is truncated or corrupted" + RESTORE,
    ):
        weights.history("simple_rnn", tiny)
    path.unlink()
    with pytest.raises(weights.WeightsError, match=r"simple_rnn\.history\.json is missing" + RESTORE):
        weights.history("simple_rnn", tiny)


def test_entry_without_its_files_names_the_manifest(tiny):
    _rewrite_manifest(tiny, lambda manifest: manifest["models"]["gru"].pop("file"))
    with pytest.raises(
        weights.WeightsError, match=r"manifest\.json: the entry of 'gru' lacks file" + RESTORE
    ):
        weights.load_pretrained("gru", tiny)


def _file(folder, name):
    return folder / weights.entry(name, folder)["file"]


def test_missing_weights_file(tiny):
    _file(tiny, "simple_rnn").unlink()
    with pytest.raises(weights.WeightsError, match=r"simple_rnn\.weights\.h5 is missing.*make weights"):
        weights.load_pretrained("simple_rnn", tiny)


def test_truncated_weights_file(tiny):
    path = _file(tiny, "simple_rnn")
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(
        weights.WeightsError, match=r"simple_rnn\.weights\.h5 is corrupted or truncated.*make weights"
    ):
        weights.load_pretrained("simple_rnn", tiny)


def test_corrupted_weights_file(tiny):
    path = _file(tiny, "simple_rnn")
    content = bytearray(path.read_bytes())
    content[-100] ^= 0xFF
    path.write_bytes(bytes(content))
    with pytest.raises(weights.WeightsError, match=r"corrupted or truncated"):
        weights.load_pretrained("simple_rnn", tiny)


def test_weights_from_a_different_architecture(tiny):
    _rewrite_manifest(tiny, lambda manifest: manifest["models"].update(simple_rnn=manifest["models"]["gru"]))
    with pytest.raises(
        weights.WeightsError,
        match=r"gru\.weights\.h5 does not fit the 'simple_rnn' architecture.*make weights",
    ):
        weights.load_pretrained("simple_rnn", tiny)
    with pytest.raises(weights.WeightsError, match=r"gru\.weights\.h5 does not fit this model"):
        weights.load_weights_into(RECIPES["simple_rnn"].build(), "gru", tiny)


def test_missing_manifest_and_unknown_model(tiny):
    with pytest.raises(weights.WeightsError, match=r"No pre-trained model named 'lstm_stack'"):
        weights.load_pretrained("lstm_stack", tiny)
    with pytest.raises(weights.WeightsError, match=r"Unknown model 'no_such_model'"):
        weights.load_pretrained("no_such_model", tiny)
    (tiny / MANIFEST_FILE).unlink()
    with pytest.raises(weights.WeightsError, match=r"manifest\.json is missing.*make weights"):
        weights.load_pretrained("simple_rnn", tiny)


def test_experiments_table_that_is_not_a_table_names_the_manifest(tiny):
    _rewrite_manifest(tiny, lambda manifest: manifest.update(experiments=[]))
    with pytest.raises(
        weights.WeightsError,
        match=r'manifest\.json: its "experiments" table is not a table of records' + RESTORE,
    ):
        weights.experiment("baseline", tiny)
