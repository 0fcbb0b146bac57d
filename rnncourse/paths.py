"""For learners: where the course keeps its files: ``RNNCOURSE_ROOT`` overrides the root, ``RNNCOURSE_CACHE`` the cache."""

import errno
import os
from importlib.util import find_spec
from pathlib import Path


def repo_root() -> Path:
    """The repository root (the folder holding ``rnncourse/``), or ``$RNNCOURSE_ROOT``."""
    env = os.environ.get("RNNCOURSE_ROOT")
    return Path(env) if env else Path(__file__).resolve().parent.parent


def lesson_notebooks(folder=None) -> list:
    """The lesson notebooks ``NN_*.ipynb`` (two digits, an underscore) in ``folder`` (default
    ``notebooks/``), in course order."""
    return sorted(Path(folder or repo_root() / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def data_dir() -> Path:
    """``data/``: files the user brings (official IMDB, larger GloVe files)."""
    return repo_root() / "data"


def cache_dir() -> Path:
    """``data/cache/`` (gitignored): files built on first use, created if absent.

    ``$RNNCOURSE_CACHE`` replaces it, e.g. with a writable folder when the checkout is
    read-only (a shared classroom install). Raises :class:`CacheNotWritableError` when the
    folder is absent and cannot be created.
    """
    env = os.environ.get("RNNCOURSE_CACHE")
    path = Path(env).expanduser() if env else repo_root() / "data" / "cache"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise cache_write_error(path, err, "create the cache folder") from None
    return path


def weights_dir() -> Path:
    """``weights/``: the shipped pre-trained weights, histories and manifest."""
    return Path(os.environ.get("RNNCOURSE_WEIGHTS", repo_root() / "weights"))


class DataFileError(FileNotFoundError):
    """A data file the course needs is missing; the message says where to put it or how to get it."""


class CacheNotWritableError(PermissionError):
    """The cache folder (or ``data/``) cannot be written; the message names it and the remedy."""


def cache_write_error(target, err, action="write", note=""):
    """The error to raise when ``err`` (an :class:`OSError`) stopped us from writing ``target``.

    Permission problems (a read-only checkout or file system) become a
    :class:`CacheNotWritableError` naming ``target``, the folder that refused it and the remedy;
    other errors (a full disk) an :class:`OSError` naming ``target``. Neither names the temporary
    file the write went through. ``note`` (a sentence) goes first, e.g. why ``target`` was written.
    """
    target = Path(target)
    folder = Path(err.filename).parent if err.filename else target.parent
    reason = err.strerror or str(err)
    note = f"{note} " if note else ""
    if isinstance(err, PermissionError) or err.errno == errno.EROFS:
        return CacheNotWritableError(
            f"{note}Cannot {action} {target}: {reason}; the folder {folder} is not writable (a read-only "
            "checkout?). Set the RNNCOURSE_CACHE environment variable to a writable folder (for example "
            "`export RNNCOURSE_CACHE=$HOME/.cache/rnncourse`), or use a writable copy of the repository."
        )
    return OSError(
        err.errno,
        f"{note}Cannot {action} {target}: {reason}. Free some space if the disk is "
        "full, or set the RNNCOURSE_CACHE environment variable to another folder.",
    )


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
