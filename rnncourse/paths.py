"""Where the course keeps its files. Override the root with ``RNNCOURSE_ROOT``."""

import os
from importlib.util import find_spec
from pathlib import Path


def repo_root() -> Path:
    """The repository root (the folder holding ``rnncourse/``), or ``$RNNCOURSE_ROOT``."""
    env = os.environ.get("RNNCOURSE_ROOT")
    return Path(env) if env else Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """``data/``: files the user brings (official IMDB, larger GloVe files)."""
    return repo_root() / "data"


def cache_dir() -> Path:
    """``data/cache/`` (gitignored): files built on first use, created if absent."""
    path = Path(os.environ.get("RNNCOURSE_CACHE", repo_root() / "data" / "cache"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def weights_dir() -> Path:
    """``weights/``: the shipped pre-trained weights, histories and manifest."""
    return Path(os.environ.get("RNNCOURSE_WEIGHTS", repo_root() / "weights"))


class DataFileError(FileNotFoundError):
    """A data file the course needs is missing; the message says where to put it or how to get it."""


def package_file(module, requirement, relative, what):
    """Path of ``relative`` inside the installed package ``module``, found without importing it.

    ``requirement`` (``"name==version"``) and ``what`` (``"the bundled IMDB reviews"``) go into
    the :class:`DataFileError` raised when the package or the file is missing.
    """
    spec = find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise DataFileError(
            f"The package '{requirement.split('==')[0]}' is not installed, so {what} are missing. "
            "Run `make install` (or `pip install -r requirements.txt`)."
        )
    path = Path(list(spec.submodule_search_locations)[0]) / relative
    if not path.is_file():
        raise DataFileError(
            f"{path} is missing: the package is incomplete. Reinstall it with "
            f"`pip install --force-reinstall {requirement}`."
        )
    return path
