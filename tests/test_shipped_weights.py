"""Every shipped model in weights/ is present, verified, and reproduces its manifest accuracy."""

import pytest

from rnncourse import weights
from rnncourse.data import BUNDLED_NPZ_SHA256, imdb_arrays
from rnncourse.fileio import sha256
from rnncourse.models import RECIPES, architecture
from rnncourse.paths import weights_dir
from rnncourse.tools import train

MANIFEST = weights.manifest()


def test_every_recipe_is_shipped_trained_for_real():
    assert set(MANIFEST["models"]) == set(RECIPES)
    for name, entry in MANIFEST["models"].items():
        assert entry["quick"] is False, name
        assert entry["data"]["npz_sha256"] == BUNDLED_NPZ_SHA256, name


def test_weights_folder_stays_small():
    total = sum(p.stat().st_size for p in weights_dir().rglob("*") if p.is_file())
    assert total < 25 * 2**20


def test_shipped_layout_is_versioned_and_holds_nothing_unnamed():
    """Every model lives in ``weights/NAME.<sha12>/`` and the folder holds nothing the manifest
    does not name (no old versions, no temporaries of an interrupted run)."""
    for name, entry in MANIFEST["models"].items():
        version = f"{name}.{entry['sha256'][:12]}"
        assert entry["file"] == f"{version}/{name}.weights.h5", name
        assert entry["history"] == f"{version}/{name}.history.json", name
        assert sorted(p.name for p in (weights_dir() / version).iterdir()) == [
            f"{name}.history.json", f"{name}.weights.h5"]
        assert sha256(weights.weights_path(name)) == entry["sha256"]
        assert weights.history(name)["loss"], name
    assert sorted(p.name for p in weights_dir().iterdir()) == sorted(
        ["manifest.json", *train.referenced(MANIFEST)])


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_reevaluation_reproduces_the_manifest(name):
    recipe, entry = RECIPES[name], MANIFEST["models"][name]
    model = weights.load_pretrained(name)
    assert architecture(model) == entry["architecture"]
    _, (x_test, y_test) = imdb_arrays(**recipe.data)
    if recipe.raw_ids:
        x_test = x_test[..., None].astype("float32")
    _, accuracy = model.evaluate(x_test, y_test, batch_size=256, verbose=0)
    assert round(accuracy, 3) == round(entry["test_accuracy"], 3)


def test_the_lessons_claims_hold_for_the_shipped_models():
    """The comparisons the lessons teach, and the weights issue's targets, on the held-out split."""
    accuracy = {name: entry["test_accuracy"] for name, entry in MANIFEST["models"].items()}
    baseline = MANIFEST["experiments"]["baseline"]["test_accuracy"]
    assert accuracy["glove_gru"] >= 0.82
    assert accuracy["gru_emb"] >= 0.87
    assert accuracy["gru_emb"] > accuracy["simple_rnn_emb"]
    assert accuracy["embedding_simple_rnn"] > accuracy["simple_rnn"]
    assert accuracy["best"] == max(accuracy.values())
    assert accuracy["best"] >= 0.88 and accuracy["best"] >= baseline
