"""For maintainers: the weights store, the only code that writes ``weights/`` (or any other weights folder).

Every model ``NAME`` lives in a version folder ``NAME.<sha12>/`` (the first 12 hex digits of its
weights' SHA-256) holding ``NAME.weights.h5`` and ``NAME.history.json``; ``manifest.json`` names
them (its layout: :mod:`rnncourse.manifest`). A commit never changes a file the manifest names:
the new files are written into a hidden staging folder, which is renamed to its version folder;
then the manifest is replaced in one atomic rename (``os.replace``); only then are the versions no
manifest names removed (again at the start of the next run, :func:`collect_garbage`). A process
killed at any instant, even by SIGKILL, leaves the old or the new manifest, and either names
complete, verified files.

Quick runs (``--quick``) never reach the shipped folder (:func:`output_folder`) and never replace
the entry of a full run.
"""

import os
import re
import shutil
import signal
import tempfile
from contextlib import contextmanager
from pathlib import Path

from ..fileio import fsync_directory, fsync_file, json_bytes, sha256, temporary_path, write_json_atomic
from ..manifest import MANIFEST_FILE
from ..paths import repo_root, weights_dir
from ..weights import WeightsError, manifest

VERSION_FOLDER = re.compile(r"^(?P<name>[A-Za-z0-9_]+)\.(?P<sha12>[0-9a-f]{12})$")


class RefusedError(RuntimeError):
    """A write that would damage shipped weights or full-training entries (``--quick`` into ``weights/``)."""


def quick_dir():
    """``build/quick-weights/`` (gitignored): where quick runs write unless told otherwise."""
    return repo_root() / "build" / "quick-weights"


def _same_folder(a, b):
    return Path(a).expanduser().resolve() == Path(b).expanduser().resolve()


def output_folder(out=None, quick=False):
    """The folder a run writes to: ``out``, else ``weights/`` (``build/quick-weights/`` with ``quick``).

    Raises :class:`RefusedError` for a quick run into the shipped ``weights/`` folder."""
    if out is None:
        return quick_dir() if quick else weights_dir()
    folder = Path(out)
    if quick and any(_same_folder(folder, shipped) for shipped in (weights_dir(), repo_root() / "weights")):
        raise RefusedError(
            f"--quick refuses to write into {folder}, the shipped weights folder: a smoke run would "
            f"replace the real models. Leave out --out (quick runs go to {quick_dir()}) or name another folder."
        )
    return folder


def read_manifest(folder):
    """The manifest in ``folder`` (``{"models": {}, "experiments": {}}`` when there is none).

    Raises :class:`rnncourse.weights.WeightsError` when it exists but is damaged: the store never
    overwrites a manifest it cannot read."""
    if not (Path(folder) / MANIFEST_FILE).exists():
        return {"models": {}, "experiments": {}}
    data = manifest(folder)
    data.setdefault("experiments", {})
    return data


def refuse_quick_over_full(manifest, folder, names, quick):
    """Raise :class:`RefusedError` when a quick run would replace an entry of a full training run."""
    if not quick:
        return
    full = [
        name
        for name in names
        for table in ("models", "experiments")
        if manifest.get(table, {}).get(name, {}).get("quick") is False
    ]
    if full:
        raise RefusedError(
            f"--quick refuses to replace {', '.join(full)} in {Path(folder) / MANIFEST_FILE}: "
            f"{'it holds' if len(full) == 1 else 'they hold'} the results of a full training run. "
            f"Write quick runs to another folder (the default, {quick_dir()})."
        )


def _crash_point(step):
    """Called between the steps of a commit; a no-op (tests replace it to kill the process there)."""


def referenced(manifest):
    """The top-level names in the folder that ``manifest``'s entries point to."""
    names = set()
    for record in manifest.get("models", {}).values():
        for key in ("file", "history"):
            if isinstance(record, dict) and isinstance(record.get(key), str):
                names.add(Path(record[key]).parts[0])
    return names


def _is_garbage(path, keep):
    """Whether ``path`` (directly in the weights folder) is a leftover the store made and no manifest names."""
    name = path.name
    if name in keep or name == MANIFEST_FILE or path.is_symlink():
        return False
    if name.startswith(".") and ".tmp" in name:  # staging folders and temporary files of an interrupted run
        return True
    return path.is_dir() and VERSION_FOLDER.match(name) is not None


def collect_garbage(folder, manifest=None):
    """Remove from ``folder`` what its manifest does not name: old version folders and temporaries
    of interrupted runs. Returns the names removed.

    Nothing is removed when ``folder`` has no manifest (nothing could be told apart); a damaged
    manifest raises :class:`rnncourse.weights.WeightsError`."""
    folder = Path(folder)
    if manifest is None:
        if not (folder / MANIFEST_FILE).exists():
            return []
        manifest = read_manifest(folder)
    keep = referenced(manifest)
    removed = []
    for path in sorted(folder.iterdir()):
        if _is_garbage(path, keep):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(path.name)
            _crash_point("collecting")
    return removed


def _write_manifest(folder, manifest):
    """Replace ``folder/manifest.json`` by ``manifest`` in one atomic rename."""
    target = Path(folder) / MANIFEST_FILE
    with temporary_path(target) as tmp:
        with open(tmp, "wb") as handle:
            handle.write(json_bytes(manifest))
            handle.flush()
            os.fsync(handle.fileno())
        _crash_point("manifest written")
        os.replace(tmp, target)
    fsync_directory(folder)
    _crash_point("switched")


@contextmanager
def _deferred_signals():
    """Hold SIGINT/SIGTERM while files are moved into place, then deliver them."""
    received = []
    handlers = {
        sig: signal.signal(sig, lambda number, frame: received.append(number))
        for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        for number in received:
            signal.raise_signal(number)


@contextmanager
def _staging_folder(folder, name):
    """A fresh hidden folder ``folder/.NAME.XXXX.tmp`` to write a model's files into; removed
    afterwards unless :func:`_place` moved it into place."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".tmp", dir=folder))
    stage.chmod(0o755)
    try:
        yield stage
    finally:
        if stage.exists():
            shutil.rmtree(stage)


def _place(folder, name, stage, digest, manifest):
    """Move the staged files of ``name`` to their version folder ``NAME.<sha12>``; returns its name."""
    version = f"{name}.{digest[:12]}"
    target = Path(folder) / version
    for path in stage.iterdir():
        fsync_file(path)
    fsync_directory(stage)
    _crash_point("staged")
    if target.exists() and version not in referenced(manifest):
        shutil.rmtree(target)  # a leftover of an interrupted run, possibly half removed
    if not target.exists():
        os.rename(stage, target)
    elif sha256(target / f"{name}.weights.h5") == digest:
        # The manifest already names these very weights (an identical retraining): only the
        # history is replaced, atomically, and both versions of it are valid.
        os.replace(stage / f"{name}.history.json", target / f"{name}.history.json")
    else:
        raise WeightsError(
            f"{target} holds other weights than those with SHA-256 {digest}, and "
            f"{Path(folder) / MANIFEST_FILE} names it. Restore it with `git checkout weights/` "
            f"or remove the entry of {name!r}, then train again."
        )
    fsync_directory(folder)
    _crash_point("placed")
    return version


def commit_model(folder, name, model, history, entry):
    """Store model ``name`` in ``folder``: its weights (``model.save_weights``), its ``history``
    (per-epoch metrics) and its manifest ``entry`` (:func:`rnncourse.manifest.new_entry`).

    1. the weights and the history are written into a staging folder, synced to disk, and the
       folder is renamed to ``NAME.<sha12>`` (no file the manifest names is touched);
    2. the manifest, with ``entry`` pointing to them, replaces the old one in one ``os.replace``;
    3. the versions no manifest names are removed.
    A kill before 2 leaves the old manifest and its files, after it the new ones. Returns the
    entry as recorded, with the :class:`rnncourse.manifest.StoredFiles` keys added (``file`` and
    ``history`` relative to ``folder``)."""
    folder = Path(folder)
    with _staging_folder(folder, name) as stage:
        model.save_weights(stage / f"{name}.weights.h5")
        write_json_atomic(stage / f"{name}.history.json", history)
        digest = sha256(stage / f"{name}.weights.h5")
        size = (stage / f"{name}.weights.h5").stat().st_size
        with _deferred_signals():
            manifest = read_manifest(folder)
            refuse_quick_over_full(manifest, folder, [name], entry.get("quick"))
            version = _place(folder, name, stage, digest, manifest)
            entry = {
                **entry,
                "bytes": size,
                "file": f"{version}/{name}.weights.h5",
                "history": f"{version}/{name}.history.json",
                "sha256": digest,
            }
            manifest["models"][name] = entry
            _write_manifest(folder, manifest)
            collect_garbage(folder, manifest)
    return entry


def commit_experiment(folder, name, record):
    """Record the result of experiment ``name`` in the manifest (one atomic replacement)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with _deferred_signals():
        manifest = read_manifest(folder)
        refuse_quick_over_full(manifest, folder, [name], record.get("quick"))
        manifest["experiments"][name] = record
        _write_manifest(folder, manifest)
