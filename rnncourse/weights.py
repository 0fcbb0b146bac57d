"""For learners: load the shipped pre-trained models, verified against ``weights/manifest.json``.

Every file is found through the manifest: model ``NAME`` lives in a version folder named after
the first 12 hex digits of its weights' SHA-256, ``weights/NAME.<sha12>/NAME.weights.h5`` and
``weights/NAME.<sha12>/NAME.history.json``; the manifest's ``file`` and ``history`` fields hold
these paths relative to ``weights/``; :mod:`rnncourse.manifest` describes every entry. The store
(``rnncourse.tools.store``) writes a new version folder first and switches the manifest to it in
one atomic rename, so the manifest and the files it names always agree.
"""

import json
from pathlib import Path

from .fileio import sha256
from .manifest import MANIFEST_FILE, ExperimentRecord, ModelEntry, RecipeEntry
from .paths import weights_dir

REMEDY = (
    "Restore the shipped files with `git checkout weights/`, or retrain with `make weights` "
    "(`python -m rnncourse.tools.train NAME` for one model)."
)


def _brief(error):
    """The first 200 characters of an exception's message, on one line."""
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text[:200]}{'…' if len(text) > 200 else ''}"


class WeightsError(RuntimeError):
    """A pre-trained weights file is missing, corrupted or does not fit its model."""


def _folder(folder):
    return Path(folder or weights_dir())


def _read_json(path, what):
    """The parsed JSON file ``path``; a :class:`WeightsError` naming it when it is missing or damaged."""
    if not path.is_file():
        raise WeightsError(f"{path} is missing, so {what}. {REMEDY}")
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise WeightsError(
            f"{path} is truncated or corrupted: it is not valid JSON ({_brief(error)}). {REMEDY}"
        ) from None


def manifest(folder=None):
    """The parsed ``weights/manifest.json`` (``{"models": {...}, "experiments": {...}}``, see
    :mod:`rnncourse.manifest`); :func:`entry`, :func:`recipe_entries` and :func:`experiment` read it."""
    path = _folder(folder) / MANIFEST_FILE
    data = _read_json(path, "no pre-trained model can be verified")
    if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
        found = "is empty" if data in ({}, [], None) else 'has no "models" table'
        raise WeightsError(f"{path} {found}, so no pre-trained model can be found or verified. {REMEDY}")
    return data


def entry(name, folder=None) -> ModelEntry:
    """The manifest entry of model ``name``: a :class:`~rnncourse.manifest.RecipeEntry`, or an
    :class:`~rnncourse.manifest.ExperimentModelEntry` for a model an experiment saved."""
    models = manifest(folder)["models"]
    path = _folder(folder) / MANIFEST_FILE
    if name not in models:
        raise WeightsError(
            f"No pre-trained model named {name!r} in {path}; available: {', '.join(sorted(models))}. {REMEDY}"
        )
    record = models[name]
    missing = [
        key
        for key in ("file", "history", "sha256")
        if not isinstance(record, dict) or not isinstance(record.get(key), str)
    ]
    if missing:
        raise WeightsError(
            f"{path}: the entry of {name!r} lacks {', '.join(missing)}, "
            f"so its files cannot be found or verified. {REMEDY}"
        )
    return record


def recipe_entries(folder=None) -> dict[str, RecipeEntry]:
    """The entries of the models trained from :data:`rnncourse.models.RECIPES`, by name, in the
    manifest's order, as recorded (:func:`load_pretrained` verifies a model's files); the models an
    experiment saved (``memory_*``) are left out."""
    return {
        name: record
        for name, record in manifest(folder)["models"].items()
        if not (isinstance(record, dict) and "experiment" in record)
    }


def experiments(folder=None) -> dict[str, ExperimentRecord]:
    """Every experiment's record, by name (``long_memory``, ``glove_curve``, ``baseline``)."""
    table = manifest(folder).get("experiments", {})
    if not isinstance(table, dict):
        path = _folder(folder) / MANIFEST_FILE
        raise WeightsError(f'{path}: its "experiments" table is not a table of records. {REMEDY}')
    return table


def experiment(name, folder=None) -> ExperimentRecord:
    """The record of experiment ``name``: ``long_memory`` (the adding problem), ``glove_curve``
    (the GloVe data-size curve) or ``baseline`` (the tuned bag-of-n-grams baselines)."""
    table = experiments(folder)
    if name not in table:
        path = _folder(folder) / MANIFEST_FILE
        raise WeightsError(
            f"No experiment named {name!r} in {path}; available: {', '.join(sorted(table)) or 'none'}. "
            f"{REMEDY}"
        )
    return table[name]


def history(name, folder=None):
    """The stored training history of ``name``: ``{"loss": [...], "accuracy": [...], "val_loss": ..., ...}``."""
    path = _folder(folder) / entry(name, folder)["history"]
    record = _read_json(path, f"the training history of {name!r} cannot be shown")
    if not isinstance(record, dict):
        raise WeightsError(f"{path} is not a training history (a table of per-epoch metrics). {REMEDY}")
    return record


def weights_path(name, folder=None):
    """Path of the weights file of ``name`` (``weights/NAME.<sha12>/NAME.weights.h5``, as the
    manifest says) after checking it exists and matches its SHA-256."""
    record = entry(name, folder)
    path = _folder(folder) / record["file"]
    if not path.is_file():
        raise WeightsError(f"{path} is missing. {REMEDY}")
    actual = sha256(path)
    if actual != record["sha256"]:
        raise WeightsError(
            f"{path} is corrupted or truncated: its SHA-256 is {actual[:12]}…, the manifest says "
            f"{record['sha256'][:12]}…. {REMEDY}"
        )
    return path


def exercise_copy(name, folder=None):
    """A fresh copy of the verified weights file of ``name`` for an exercise to load, at
    ``<cache>/exercise_weights/NAME.weights.h5`` (:func:`rnncourse.paths.cache_dir`); returns its path.

    A ``save_weights`` on that path, where ``load_weights`` was meant, writes over the copy only, never
    over the shipped file; each call copies the verified file again.
    """
    from .fileio import write_bytes_atomic
    from .paths import cache_dir, cache_write_error

    source = weights_path(name, folder)
    target = cache_dir() / "exercise_weights" / source.name
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(target, source.read_bytes())  # a copy cut short never stays behind
    except OSError as error:
        raise cache_write_error(target, error, "copy the pre-trained weights to") from None
    return target


def _load(model, path):
    """``model.load_weights(path)``, quietly: a weights file saved with its optimizer's state (the
    long-memory models) makes Keras warn that it skips the optimizer, which inference never needs."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
        model.load_weights(path)


def load_pretrained(name, folder=None):
    """The compiled model ``name`` of :data:`rnncourse.models.RECIPES` with its verified weights."""
    from .models import RECIPES

    if name not in RECIPES:
        raise WeightsError(f"Unknown model {name!r}; choose one of {', '.join(RECIPES)}.")
    path = weights_path(name, folder)
    model = RECIPES[name].build()
    try:
        _load(model, path)
    except Exception as error:  # Keras raises ValueError/KeyError/OSError for foreign files
        raise WeightsError(
            f"{path} does not fit the {name!r} architecture ({_brief(error)}). "
            f"It was trained for a different model. {REMEDY}"
        ) from None
    return model


def load_weights_into(model, name, folder=None):
    """Load the verified weights of ``name`` into a model the learner built; returns ``model``.

    Raises :class:`WeightsError` naming the file when the architectures differ.
    """
    path = weights_path(name, folder)
    try:
        _load(model, path)
    except Exception as error:
        raise WeightsError(
            f"{path} does not fit this model ({_brief(error)}). Build the layers "
            f"exactly as the exercise says, then load again."
        ) from None
    return model
