"""The manifest's layout (``rnncourse.manifest``): the trainer's one constructor checks every key,
and the shipped manifest follows the layout."""

import pytest

from rnncourse import weights
from rnncourse.manifest import ExperimentModelEntry, ExperimentRecord, RecipeEntry, StoredFiles, new_entry

MEMORY = {
    "experiment": "long_memory",
    "builder": "rnncourse.tasks.adding_model",
    "builder_kwargs": {"cell": "gru", "units": 4, "chrono": False, "length": 8},
    "architecture": {"params": 100},
    "epochs_run": 1,
    "quick": True,
    "versions": {},
}


def test_new_entry_holds_every_key_but_those_the_store_adds():
    assert new_entry(ExperimentModelEntry, **MEMORY) == MEMORY
    with pytest.raises(TypeError, match=r"ExperimentModelEntry: missing epochs_run, experiment$"):
        new_entry(
            ExperimentModelEntry, **{k: v for k, v in MEMORY.items() if k not in ("experiment", "epochs_run")}
        )
    with pytest.raises(TypeError, match=r"not keys the trainer fills: sha256, test_acuracy$"):
        new_entry(ExperimentModelEntry, **MEMORY, test_acuracy=0.5, sha256="0" * 64)


def test_the_shipped_manifest_follows_the_layout():
    """Every shipped entry holds the keys of its schema (a recipe's optional ones where they were
    recorded), and nothing else; every experiment's record the keys every record holds."""
    manifest = weights.manifest()
    for name, entry in manifest["models"].items():
        schema = ExperimentModelEntry if "experiment" in entry else RecipeEntry
        assert schema.__required_keys__ <= set(entry), name
        assert set(entry) <= schema.__required_keys__ | schema.__optional_keys__, name
        assert StoredFiles.__required_keys__ <= set(entry), name
    for name, record in weights.experiments().items():
        assert ExperimentRecord.__required_keys__ <= set(record), name
