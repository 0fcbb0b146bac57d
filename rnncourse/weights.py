"""Load the shipped pre-trained models, verified against ``weights/manifest.json``."""

import json
from pathlib import Path

from .fileio import sha256


def _brief(error):
    """The first 200 characters of an exception's message, on one line."""
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text[:200]}{'…' if len(text) > 200 else ''}"
from .paths import weights_dir

REMEDY = "Run `make weights` (or `python -m rnncourse.tools.train NAME`) to train it again."


class WeightsError(RuntimeError):
    """A pre-trained weights file is missing, corrupted or does not fit its model."""


def manifest(folder=None):
    """The parsed ``weights/manifest.json`` (``{"models": {...}, "experiments": {...}}``)."""
    path = Path(folder or weights_dir()) / "manifest.json"
    if not path.is_file():
        raise WeightsError(f"{path} is missing, so no pre-trained model can be verified. {REMEDY}")
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except json.JSONDecodeError as error:
        raise WeightsError(f"{path} is not valid JSON ({error}). Restore it with `git checkout {path}` "
                           f"or {REMEDY[0].lower()}{REMEDY[1:]}") from None


def entry(name, folder=None):
    """The manifest entry of model ``name``."""
    models = manifest(folder)["models"]
    if name not in models:
        raise WeightsError(f"No pre-trained model named {name!r} in {Path(folder or weights_dir()) / 'manifest.json'}; "
                           f"available: {', '.join(sorted(models))}. {REMEDY}")
    return models[name]


def history(name, folder=None):
    """The stored training history of ``name``: ``{"loss": [...], "accuracy": [...], "val_loss": ..., ...}``."""
    path = Path(folder or weights_dir()) / entry(name, folder)["history"]
    if not path.is_file():
        raise WeightsError(f"{path} is missing. {REMEDY}")
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def weights_path(name, folder=None):
    """Path of ``weights/NAME.weights.h5`` after checking it exists and matches its SHA-256."""
    record = entry(name, folder)
    path = Path(folder or weights_dir()) / record["file"]
    if not path.is_file():
        raise WeightsError(f"{path} is missing. {REMEDY}")
    actual = sha256(path)
    if actual != record["sha256"]:
        raise WeightsError(
            f"{path} is corrupted or truncated: its SHA-256 is {actual[:12]}…, the manifest says "
            f"{record['sha256'][:12]}…. Restore it with `git checkout {path}` or {REMEDY[0].lower()}{REMEDY[1:]}"
        )
    return path


def load_pretrained(name, folder=None):
    """The compiled model ``name`` of :data:`rnncourse.models.RECIPES` with its verified weights."""
    from .models import RECIPES

    if name not in RECIPES:
        raise WeightsError(f"Unknown model {name!r}; choose one of {', '.join(RECIPES)}.")
    path = weights_path(name, folder)
    model = RECIPES[name].build()
    try:
        model.load_weights(path)
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
        model.load_weights(path)
    except Exception as error:
        raise WeightsError(
            f"{path} does not fit this model ({_brief(error)}). Build the layers "
            f"exactly as the exercise says, then load again."
        ) from None
    return model
