"""The trainer: --quick end to end, seeds chosen on validation, their ensemble, the manifest entry it
fills, and a failed or killed training that leaves the weights folder as it was."""

import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rnncourse import weights
from rnncourse.data import VALIDATION_FRACTION
from rnncourse.fileio import sha256
from rnncourse.manifest import MANIFEST_FILE, RecipeEntry
from rnncourse.tools import store, train

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def quick_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("quick")
    train.main(["--quick", "--out", str(folder), "simple_rnn", "glove_gru"])
    return folder


def test_seeded_recipe_records_every_seed_its_ensemble_and_chooses_on_validation(tmp_path):
    """A recipe with seeds (quick: its first two) records each seed's validation and test accuracy,
    their mean and sd, the ensemble of the seeds as its own row, and ships the seed with the best
    validation accuracy."""
    from rnncourse.models import RECIPES

    train.main(["--quick", "--out", str(tmp_path), "simple_rnn_emb"])
    entry = weights.entry("simple_rnn_emb", tmp_path)
    runs = entry["seeds"]
    assert [run["seed"] for run in runs] == list(RECIPES["simple_rnn_emb"].seeds[:2])
    chosen = max(runs, key=lambda run: run["val_accuracy"])
    assert entry["seed"] == chosen["seed"] and entry["test_accuracy"] == chosen["test_accuracy"]
    assert entry["test_accuracy_mean"] == pytest.approx(
        np.mean([run["test_accuracy"] for run in runs]), abs=1e-6
    )
    ensemble = entry["ensemble"]
    assert ensemble["seeds"] == [run["seed"] for run in runs]
    assert 0.0 <= ensemble["test_accuracy"] <= 1.0 and 0.0 <= ensemble["val_accuracy"] <= 1.0
    assert "seed" in entry["protocol"] and "validation" in entry["protocol"]["seed"]


def test_seed_ensemble_averages_probabilities_and_validation_slice_matches_keras():
    y = np.array([1, 0, 1, 0])
    # seed A is right on rows 0-1, seed B on rows 2-3; the mean probability is right wherever one is confident
    a, b = np.array([0.9, 0.1, 0.4, 0.6]), np.array([0.45, 0.55, 0.99, 0.01])
    result = train.seed_ensemble([a, b], [a, b], y, y, (1, 2))
    assert (result["val_accuracy"], result["test_accuracy"], result["seeds"]) == (1.0, 1.0, [1, 2])
    assert train.seed_ensemble([a], [b], y, y, (1,))["val_accuracy"] == 0.5

    from keras.src.trainers.data_adapters.array_slicing import train_validation_split

    for n in (10, 18, 20000, 4999):
        rows = np.arange(n)
        _, (held_out,) = train_validation_split((rows,), validation_split=VALIDATION_FRACTION)
        assert np.array_equal(np.asarray(held_out), rows[train._validation_slice(n)])


def _snapshot(folder):
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(Path(folder).rglob("*")) if p.is_file()
    }


def test_quick_training_writes_weights_history_and_manifest(quick_folder):
    entries = weights.recipe_entries(quick_folder)
    assert set(entries) == {"simple_rnn", "glove_gru"}
    for name, entry in entries.items():
        assert set(entry) == RecipeEntry.__required_keys__ | {"protocol", "val_accuracy"}, name
        assert entry["quick"] is True
        assert sha256(quick_folder / entry["file"]) == entry["sha256"]
        version = f"{name}.{entry['sha256'][:12]}"  # one version folder per model
        assert (entry["file"], entry["history"]) == (
            f"{version}/{name}.weights.h5",
            f"{version}/{name}.history.json",
        )
        history = weights.history(name, quick_folder)
        assert set(history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
        assert 0.0 <= entry["test_accuracy"] <= 1.0
    assert not [p for p in quick_folder.rglob("*") if ".tmp" in p.name]
    assert sorted(p.name for p in quick_folder.iterdir()) == sorted(
        [MANIFEST_FILE, *(Path(entry["file"]).parent.name for entry in entries.values())]
    )


def test_loaded_quick_model_reproduces_its_accuracy(quick_folder):
    from rnncourse.models import RECIPES

    model = weights.load_pretrained("glove_gru", quick_folder)
    entry = weights.entry("glove_gru", quick_folder)
    _, (x_test, y_test) = train._arrays(RECIPES["glove_gru"], quick=True)[1:]
    _, accuracy = model.evaluate(x_test, y_test, verbose=0, batch_size=256)
    assert round(accuracy, 3) == round(entry["test_accuracy"], 3)


def test_frozen_glove_embedding_is_unchanged_by_training(quick_folder):
    from rnncourse.glove import glove_matrix

    model = weights.load_pretrained("glove_gru", quick_folder)
    np.testing.assert_array_equal(model.layers[0].get_weights()[0], glove_matrix(20000))


def test_failed_training_leaves_files_intact(quick_folder, tmp_path, monkeypatch):
    folder = tmp_path / "w"
    shutil.copytree(quick_folder, folder)
    before = _snapshot(folder)

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "sha256", explode)
    with pytest.raises(RuntimeError, match="disk full"):
        train.main(["--quick", "--out", str(folder), "simple_rnn"])
    assert _snapshot(folder) == before


def test_killed_training_leaves_weights_valid(quick_folder, tmp_path):
    folder = tmp_path / "w"
    shutil.copytree(quick_folder, folder)
    before = _snapshot(folder)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rnncourse.tools.train",
            "--quick",
            "--out",
            str(folder),
            "glove_gru",
            "simple_rnn",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    for line in process.stdout:  # kill while the model is training, after its first epoch
        if "epoch 1/1" in line:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    after = _snapshot(folder)
    leftovers = [name for name in after if ".tmp" in name]
    for name in leftovers:  # a SIGKILL cannot clean up; stray temporaries never replace real files
        del after[name]
    assert after == before
    for name in ("simple_rnn", "glove_gru"):
        assert weights.weights_path(name, folder).is_file()


def test_mirrored_strategy_trains_and_loads(tmp_path):
    """``--strategy mirrored`` runs the same code under MirroredStrategy (one CPU replica here)."""
    folder = tmp_path / "mirrored"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "rnncourse.tools.train",
            "--quick",
            "--strategy",
            "mirrored",
            "--out",
            str(folder),
            "simple_rnn_emb",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    entry = weights.entry("simple_rnn_emb", folder)
    assert entry["strategy"]["name"] == "MirroredStrategy" and entry["strategy"]["replicas"] >= 1
    from rnncourse.models import RECIPES

    model = weights.load_pretrained("simple_rnn_emb", folder)
    _, (x_test, y_test) = train._arrays(RECIPES["simple_rnn_emb"], quick=True)[1:]
    _, accuracy = model.evaluate(x_test, y_test, verbose=0, batch_size=256)
    assert round(accuracy, 3) == round(entry["test_accuracy"], 3)


def test_unknown_name_is_rejected(capsys):
    with pytest.raises(SystemExit):
        train.main(["--quick", "no_such_model"])
    assert "unknown name(s) no_such_model" in capsys.readouterr().err


def test_several_seeds_ship_the_one_chosen_on_validation(tmp_path, monkeypatch):
    """A recipe with ``seeds`` trains once per seed, records every seed's validation and test
    accuracy, ships the seed with the best validation accuracy, and reports mean and sd."""
    from dataclasses import replace

    from rnncourse import models

    tiny = replace(
        models.RECIPES["gru_emb"],
        options={**models.RECIPES["gru_emb"].options, "units": 4, "wordvec_dim": 4},
        num_words=100,
        seq_len=12,
        n_train=96,
        epochs=1,
        patience=0,
        seeds=(1, 2, 3),
    )
    monkeypatch.setitem(models.RECIPES, "tiny_seeds", tiny)
    entry = train.train_model("tiny_seeds", tmp_path)
    runs = entry["seeds"]
    assert [run["seed"] for run in runs] == [1, 2, 3]
    chosen = max(runs, key=lambda run: run["val_accuracy"])
    assert entry["seed"] == chosen["seed"] and entry["test_accuracy"] == chosen["test_accuracy"]
    scores = [run["test_accuracy"] for run in runs]
    assert entry["test_accuracy_mean"] == pytest.approx(np.mean(scores), abs=1e-6)
    assert entry["test_accuracy_sd"] == pytest.approx(np.std(scores, ddof=1), abs=1e-6)
    assert "best validation accuracy" in entry["protocol"]["seed"]
    model = models.RECIPES["tiny_seeds"].build()
    weights.load_weights_into(model, "tiny_seeds", folder=tmp_path)


def _tiny_best(monkeypatch):
    """A seconds-long ``best``: word2vec vectors, masked, bucketed, two seeds."""
    from dataclasses import replace

    from rnncourse import models

    tiny = replace(
        models.RECIPES["best"],
        options={"wordvec_dim": 4, "units": 3, "masked": True},
        num_words=200,
        seq_len=30,
        n_train=160,
        epochs=1,
        glove=False,
        word2vec=True,
        bucketed=True,
        seeds=(1, 2),
    )
    monkeypatch.setitem(models.RECIPES, "best", tiny)
    return tiny


def test_bucketed_recipe_trains_the_masked_variable_length_model(tmp_path, monkeypatch):
    """A ``bucketed`` recipe trains its masked model on length-bucketed batches from word2vec vectors of
    each seed, records both, and stores the shipped seed's probability for every validation and test
    review."""
    import keras

    from rnncourse import models
    from rnncourse.baseline import unpack_probabilities

    tiny = _tiny_best(monkeypatch)
    entry = train.train_model("best", tmp_path)
    assert entry["data"]["bucketed"] is True and entry["data"]["seq_len"] == 30
    assert entry["builder_kwargs"]["masked"] is True and entry["builder_kwargs"]["seq_len"] is None
    assert entry["protocol"]["test"].startswith("the 5,000 test reviews")
    assert entry["data"]["word2vec"]["sg"] == 1 and all(run["vector_seconds"] >= 0 for run in entry["seeds"])
    model = models.best(**entry["builder_kwargs"])
    model.load_weights(tmp_path / entry["file"])
    assert models.architecture(model) == entry["architecture"] == models.architecture(tiny.build())
    assert isinstance(model.get_layer(index=-4), models.MaskedGlobalAveragePooling1D)
    assert keras.ops.convert_to_numpy(model(np.ones((2, 7), dtype="int32"))).shape == (2, 1)
    stored = entry["probabilities"]
    assert str(entry["seed"]) in stored["what"]
    assert len(unpack_probabilities(stored["validation"])) == 16
    assert len(unpack_probabilities(stored["test"])) == entry["data"]["n_test"]


def test_best_with_nbsvm_weights_the_two_on_validation(tmp_path, monkeypatch):
    """``best_nbsvm`` reads both per-review probabilities from the manifest and records the weight it
    chose on validation; without them it says what to train first."""
    from rnncourse import baseline

    _tiny_best(monkeypatch)
    with pytest.raises(weights.WeightsError, match="train them first"):
        train.best_with_baseline(tmp_path, "nbsvm")
    train.train_model("best", tmp_path)
    nbsvm = {"test_probabilities": "", "validation_probabilities": ""}
    (_, y_train), (_, y_test) = train.imdb_arrays(num_words=200, seq_len=1, n_train=160)
    nbsvm["validation_probabilities"] = baseline.pack_probabilities(y_train[-16:])  # a perfect baseline
    nbsvm["test_probabilities"] = baseline.pack_probabilities(1 - y_test)  # wrong on every test review
    store.commit_experiment(
        tmp_path, "baseline", {"nbsvm": nbsvm, "quick": True, "seconds": 0, "versions": {}}
    )
    result = train.best_with_baseline(tmp_path, "nbsvm")
    assert result["val_accuracy"] == 1.0 and result["weight"] < 1  # chosen on validation only
    entry = weights.entry("best", tmp_path)
    mixed = result["weight"] * baseline.unpack_probabilities(entry["probabilities"]["test"])
    mixed += (1 - result["weight"]) * (1 - y_test)
    assert result["test_accuracy"] == pytest.approx(
        np.mean((mixed > 0.5) == y_test), abs=1e-6
    )  # not re-chosen
    assert result["model"]["seed"] == entry["seed"]


def test_versions_name_every_library_the_stored_results_depend_on():
    import keras
    import sklearn
    import tensorflow

    recorded = train.versions()
    assert set(recorded) == {"python", "tensorflow", "keras", "numpy", "scikit-learn"}
    assert recorded["scikit-learn"] == sklearn.__version__  # the baselines' liblinear fits
    assert (recorded["tensorflow"], recorded["keras"], recorded["numpy"]) == (
        tensorflow.__version__,
        keras.__version__,
        np.__version__,
    )


def test_same_input_baseline_reads_best_s_word_ids(tmp_path):
    import sklearn

    from rnncourse.baseline import unpack_probabilities
    from rnncourse.models import RECIPES

    train.main(["--quick", "--out", str(tmp_path), "baseline_same_input"])
    record = weights.experiment("baseline_same_input", tmp_path)
    best = RECIPES["best"]
    assert f"imdb_arrays(num_words={best.num_words}, seq_len={best.seq_len})" in record["input"]
    assert record["versions"]["scikit-learn"] == sklearn.__version__
    assert len(unpack_probabilities(record["test_probabilities"])) == record["n_test"]
    assert set(weights.experiments(tmp_path)) == {"baseline_same_input"}
    names = list(train.EXPERIMENTS)  # the default order: after best, which it reads
    assert names.index("baseline_same_input") > 0 and names.index("best_nbsvm") > names.index("baseline")


def test_language_model_experiments_store_the_baseline_the_gru_and_their_mixture(tmp_path):
    """Lesson 04's experiments, quick: the n-gram's choice is the grid's best validation score, the GRU's
    shipped seed is the best on validation and its model is stored, and the mixture's weight is chosen on
    validation; every record scores the held-out reviews review by review."""
    names = list(train.EXPERIMENTS)
    assert names.index("char_ngram") < names.index("char_lm") < names.index("char_mixture")
    train.main(["--quick", "--out", str(tmp_path), "char_ngram", "char_lm", "char_mixture"])
    ngram = weights.experiment("char_ngram", tmp_path)
    best = min(min(bpc) for bpc in ngram["validation_bpc"].values())
    assert ngram["validation_bpc"][str(ngram["discount"])][ngram["order"] - 1] == best
    lm = weights.experiment("char_lm", tmp_path)
    runs = lm["runs"]
    assert runs[str(lm["shipped_seed"])]["best_val_bpc"] == min(run["best_val_bpc"] for run in runs.values())
    assert weights.entry("char_gru", tmp_path)["experiment"] == "char_lm"
    mixture = weights.experiment("char_mixture", tmp_path)
    assert mixture["validation_bpc"][str(mixture["weight"])] == min(mixture["validation_bpc"].values())
    control = mixture["counts_only"]  # the chosen n-gram mixed with another n-gram model instead of the GRU
    assert control["partner"] != {"order": ngram["order"], "discount": ngram["discount"]}
    assert 0 < control["weight"] < 1 and len(control["heldout_review_bpc"]) == lm["config"]["heldout_reviews"]
    n = lm["config"]["heldout_reviews"]
    assert len(ngram["heldout_review_bpc"]) == len(mixture["heldout_review_bpc"]) == n
