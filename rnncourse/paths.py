"""Where the course keeps its files. Override the root with ``RNNCOURSE_ROOT``."""

import os
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
