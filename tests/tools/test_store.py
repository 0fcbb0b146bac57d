"""The weights store (``rnncourse.tools.store``): versioned folders and one atomic manifest switch,
so a kill at any step of a commit leaves every model loadable and verified; quick runs stay out of
``weights/``; a damaged manifest is never overwritten; and no other code writes the weights folder.

Tiny fixtures: seeded, untrained stand-ins of the small ``simple_rnn`` and ``gru`` recipes; no test
writes into the shipped ``weights/``.
"""

import ast
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import pytest

from rnncourse import weights
from rnncourse.fileio import sha256
from rnncourse.manifest import MANIFEST_FILE
from rnncourse.models import RECIPES
from rnncourse.paths import repo_root, weights_dir
from rnncourse.tools import store, train

ROOT = Path(__file__).resolve().parents[2]
TINY = ("simple_rnn", "gru")
HISTORY = {"loss": [0.7, 0.6], "accuracy": [0.5, 0.6]}


def _stand_in(name, seed):
    """A seeded, untrained model of recipe ``name``."""
    keras.utils.set_random_seed(seed)
    return RECIPES[name].build()


def _entry(name, seed, quick=False):
    return {"quick": quick, "seed": seed, "test_accuracy": 0.5, "lesson": RECIPES[name].lesson}


def _commit(folder, name, seed, quick=False):
    return store.commit_model(folder, name, _stand_in(name, seed), HISTORY, _entry(name, seed, quick))


def _snapshot(folder):
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(Path(folder).rglob("*")) if p.is_file()
    }


def _assert_all_models_load(folder):
    manifest = weights.manifest(folder)
    for name, record in manifest["models"].items():
        path = weights.weights_path(name, folder)
        assert sha256(path) == record["sha256"]
        assert path.parent.name == f"{name}.{record['sha256'][:12]}"
        weights.load_pretrained(name, folder)
        assert weights.history(name, folder)["loss"]
    return manifest


@pytest.fixture(scope="module")
def tiny_source(tmp_path_factory):
    """A weights folder with full-run stand-ins of ``simple_rnn`` and ``gru`` and one experiment."""
    folder = tmp_path_factory.mktemp("tiny")
    for seed, name in enumerate(TINY):
        _commit(folder, name, seed)
    store.commit_experiment(folder, "baseline", {"quick": False, "test_accuracy": 0.89})
    return folder


@pytest.fixture()
def tiny(tiny_source, tmp_path):
    folder = tmp_path / "weights"
    shutil.copytree(tiny_source, folder)
    return folder


# ----------------------------------------------------------------------------- layout and commit


def test_commit_writes_versioned_folders_and_removes_old_versions(tiny):
    old = weights.entry("simple_rnn", tiny)
    assert old["file"] == f"simple_rnn.{old['sha256'][:12]}/simple_rnn.weights.h5"
    assert old["history"] == f"simple_rnn.{old['sha256'][:12]}/simple_rnn.history.json"
    assert old["bytes"] == (tiny / old["file"]).stat().st_size
    assert weights.history("simple_rnn", tiny) == HISTORY
    new = _commit(tiny, "simple_rnn", 7)
    assert new["sha256"] != old["sha256"] and weights.entry("simple_rnn", tiny) == new
    names = sorted(p.name for p in tiny.iterdir())
    assert names == sorted(
        [MANIFEST_FILE, Path(new["file"]).parent.name, Path(weights.entry("gru", tiny)["file"]).parent.name]
    )
    assert weights.experiment("baseline", tiny)["test_accuracy"] == 0.89
    _assert_all_models_load(tiny)


class _Trained:
    """A stand-in of a trained model whose weights file is ready: ``save_weights`` copies it."""

    def __init__(self, source):
        self.source = source

    def save_weights(self, path):
        shutil.copyfile(self.source, path)


def test_identical_retraining_replaces_only_the_history(tiny, tmp_path):
    old = weights.entry("gru", tiny)
    shutil.copyfile(tiny / old["file"], tmp_path / "gru.weights.h5")
    new = store.commit_model(
        tiny, "gru", _Trained(tmp_path / "gru.weights.h5"), {"loss": [0.5]}, _entry("gru", 1)
    )
    assert new["file"] == old["file"] and new["sha256"] == old["sha256"]
    assert weights.history("gru", tiny) == {"loss": [0.5]}
    _assert_all_models_load(tiny)


def test_garbage_collection_keeps_only_what_the_manifest_names(tiny):
    manifest = weights.manifest(tiny)
    kept = _snapshot(tiny)
    (tiny / ".gru.abc123.tmp").mkdir()  # a staging folder of a killed run
    (tiny / ".gru.abc123.tmp" / "gru.weights.h5").write_bytes(b"half")
    (tiny / ".manifest.json.x1.tmp.json").write_text("{")  # a manifest temporary
    (tiny / "gru.0123456789ab").mkdir()  # an old version
    (tiny / "notes.txt").write_text("mine")  # not the store's: kept
    removed = store.collect_garbage(tiny)
    assert sorted(removed) == sorted([".gru.abc123.tmp", ".manifest.json.x1.tmp.json", "gru.0123456789ab"])
    assert _snapshot(tiny) == {**kept, "notes.txt": b"mine"}
    assert weights.manifest(tiny) == manifest
    (tiny / MANIFEST_FILE).unlink()
    assert store.collect_garbage(tiny) == []  # without a manifest nothing can be told apart: nothing goes


# ----------------------------------------------------------------------------- crash safety

CRASH_SCRIPT = textwrap.dedent("""
    import json, os, shutil, signal, sys
    from pathlib import Path
    from rnncourse.tools import store

    folder, source, step, entry = Path(sys.argv[1]), sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
    steps = []

    class Trained:  # a stand-in of a trained model: its weights file is ready
        def save_weights(self, path):
            shutil.copyfile(source, path)

    def crash_point(name):
        steps.append(name)
        if name == step:
            os.kill(os.getpid(), signal.SIGKILL)

    store._crash_point = crash_point
    store.commit_model(folder, "simple_rnn", Trained(), {"loss": [0.1]}, entry)
    print(",".join(steps))
""")
STEPS = ("staged", "placed", "manifest written", "switched", "collecting")


@pytest.mark.parametrize("step", [*STEPS, None])
def test_sigkill_at_any_step_of_a_commit_leaves_every_model_loadable(tiny, tmp_path, step):
    """SIGKILL at each step of the commit (before the rename into place, between it and the manifest,
    between the manifest's temporary and its rename, after the switch, during the clean-up):
    the manifest names complete files with matching checksums, the old or the new ones."""
    old = weights.entry("simple_rnn", tiny)
    source = tmp_path / "simple_rnn.weights.h5"
    _stand_in("simple_rnn", 11).save_weights(source)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            CRASH_SCRIPT,
            str(tiny),
            str(source),
            str(step),
            json.dumps(_entry("simple_rnn", 11)),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if step is None:
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == ",".join(STEPS)  # every step was reached, in this order
    else:
        assert result.returncode == -signal.SIGKILL, result.stderr
    manifest = _assert_all_models_load(tiny)
    switched = step in (None, "switched", "collecting")
    assert manifest["models"]["simple_rnn"]["sha256"] == (sha256(source) if switched else old["sha256"])
    assert manifest["models"]["gru"] == weights.entry("gru", tiny)
    store.collect_garbage(tiny)  # what the next run does first
    assert sorted(p.name for p in tiny.iterdir()) == sorted([MANIFEST_FILE, *store.referenced(manifest)])
    assert weights.manifest(tiny) == manifest
    _assert_all_models_load(tiny)


def test_interrupted_commit_with_an_exception_changes_nothing(tiny, monkeypatch):
    before = _snapshot(tiny)

    def fail(step):
        if step == "manifest written":
            raise OSError("disk full")

    monkeypatch.setattr(store, "_crash_point", fail)
    with pytest.raises(OSError, match="disk full"):
        _commit(tiny, "simple_rnn", 3)
    after = _snapshot(tiny)
    placed = [key for key in after if key not in before]  # the new version folder, not yet named
    assert placed and all(key.startswith("simple_rnn.") for key in placed)
    store.collect_garbage(tiny)
    assert _snapshot(tiny) == before
    _assert_all_models_load(tiny)


# ----------------------------------------------------------------------------- --quick never touches weights/


def test_quick_runs_default_to_a_separate_folder():
    assert store.output_folder(None, quick=False) == weights_dir()
    quick = store.output_folder(None, quick=True)
    assert quick == repo_root() / "build" / "quick-weights" == store.quick_dir()
    assert not store._same_folder(quick, weights_dir())


def test_quick_into_the_shipped_folder_is_refused(tmp_path, monkeypatch, capsys):
    shipped = [str(weights_dir()), str(repo_root() / "weights"), "weights"]
    monkeypatch.chdir(ROOT)
    for out in shipped:
        with pytest.raises(
            store.RefusedError, match="--quick refuses to write into .*the shipped weights folder"
        ):
            store.output_folder(out, quick=True)
        with pytest.raises(SystemExit) as exit_info:
            train.main(["--quick", "--out", out, "gru"])
        assert exit_info.value.code == 2
        assert "the shipped weights folder" in capsys.readouterr().err
    copy = tmp_path / "copy"
    monkeypatch.setenv("RNNCOURSE_WEIGHTS", str(copy))  # the folder the loaders use is "shipped" too
    with pytest.raises(store.RefusedError):
        store.output_folder(str(copy), quick=True)
    assert store.output_folder(str(tmp_path / "elsewhere"), quick=True) == tmp_path / "elsewhere"


def test_quick_never_replaces_the_entry_of_a_full_run(tiny, capsys):
    before = _snapshot(tiny)
    with pytest.raises(SystemExit):
        train.main(["--quick", "--out", str(tiny), "simple_rnn"])
    assert "--quick refuses to replace simple_rnn" in capsys.readouterr().err
    with pytest.raises(store.RefusedError, match="full training run"):
        _commit(tiny, "simple_rnn", 5, quick=True)
    with pytest.raises(store.RefusedError, match="--quick refuses to replace baseline"):
        store.commit_experiment(tiny, "baseline", {"quick": True})
    store.collect_garbage(tiny)
    assert _snapshot(tiny) == before


def test_quick_run_leaves_a_copy_of_the_shipped_weights_byte_identical(tmp_path, monkeypatch):
    """``--quick gru`` with default output: the weights folder in use stays byte-identical."""
    shipped = tmp_path / "weights"
    shutil.copytree(weights_dir(), shipped)
    before = _snapshot(shipped)
    monkeypatch.setenv("RNNCOURSE_WEIGHTS", str(shipped))
    monkeypatch.setattr(store, "quick_dir", lambda: tmp_path / "quick")
    train.main(["--quick", "gru"])
    assert _snapshot(shipped) == before
    assert weights.entry("gru", tmp_path / "quick")["quick"] is True
    assert weights.entry("gru", shipped)["quick"] is False
    _assert_all_models_load(tmp_path / "quick")


def test_a_run_never_overwrites_a_damaged_manifest(tiny, capsys):
    (tiny / MANIFEST_FILE).write_text('{"models": {')
    before = _snapshot(tiny)
    with pytest.raises(SystemExit):
        train.main(["--out", str(tiny), "simple_rnn"])
    assert "manifest.json is truncated or corrupted" in capsys.readouterr().err
    with pytest.raises(weights.WeightsError):
        store.commit_experiment(tiny, "baseline", {"quick": False})
    with pytest.raises(weights.WeightsError):
        _commit(tiny, "gru", 4)
    assert _snapshot(tiny) == before


def test_no_test_wrote_into_the_shipped_folder():
    """Every test above works on copies; the shipped manifest still names full-run models only."""
    assert all(record["quick"] is False for record in weights.manifest()["models"].values())
    assert not [p for p in (repo_root() / "weights").iterdir() if p.name.startswith(".")]


# ----------------------------------------------------------------------------- one writer

PACKAGE = repo_root() / "rnncourse"
STORE = PACKAGE / "tools" / "store.py"
_WRITES = {"os.rename", "os.remove", "os.rmdir", "os.mkdir", "os.chmod", "os.truncate", "os.link"}
_WRITES |= {"os.symlink", "shutil.rmtree", "shutil.copyfile", "shutil.copytree", "tempfile.mkdtemp"}
_WRITES |= {"tempfile.mkstemp"}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_watched = {}  # while a test records: "folder" (its real path) and "events"; an audit hook stays for good


def _audit(event, args):
    if not _watched or (event != "open" and event not in _WRITES):
        return
    if event == "open" and not (isinstance(args[2], int) and args[2] & _WRITE_FLAGS):
        return
    if event in ("os.remove", "os.rmdir", "os.mkdir", "os.chmod") and args[-1] is not None:
        return  # relative to a folder's descriptor: shutil.rmtree's steps, audited as "shutil.rmtree"
    paths = [arg for arg in args[:2] if isinstance(arg, (str, bytes, os.PathLike))]
    inside = _watched["folder"] + os.sep
    if not any(os.path.realpath(os.fsdecode(path)).startswith(inside) for path in paths):
        return
    frame, module = sys._getframe(1), None
    while frame is not None:  # the innermost module of the package (fileio's helpers work for others)
        name = frame.f_globals.get("__name__", "")
        if name.startswith("rnncourse") and name != "rnncourse.fileio":
            module = name
            break
        frame = frame.f_back
    _watched["events"].append((event, os.fsdecode(paths[0]), module))


sys.addaudithook(_audit)


def test_only_the_store_writes_into_the_weights_folder(tmp_path):
    """Every file or folder created, written, renamed or removed in the weights folder by a quick
    run of the trainer (the clean-up of an interrupted run, then a model and an experiment) is the
    store's doing."""
    folder = tmp_path / "weights"
    store.commit_experiment(folder, "baseline", {"quick": True})
    (folder / ".gru.killed.tmp").mkdir()  # left by an interrupted run
    _watched.update(folder=os.path.realpath(folder), events=[])
    try:
        train.main(["--quick", "--out", str(folder), "simple_rnn", "baseline"])
    finally:
        recorded = _watched.pop("events")
        _watched.clear()
    assert {"tempfile.mkdtemp", "os.rename", "shutil.rmtree", "open"} <= {event for event, _, _ in recorded}
    others = [(event, path, module) for event, path, module in recorded if module != "rnncourse.tools.store"]
    assert not others
    assert set(weights.recipe_entries(folder)) == {"simple_rnn"}
    assert weights.experiment("baseline", folder)["quick"] is True


def test_only_the_store_saves_weights_files():
    """Keras writes weights files from C (HDF5), out of sight of the audit above: no module of the
    package but the store calls ``save_weights`` or a model's ``save`` (NumPy's ``np.save`` writes
    the data cache, not weights)."""
    callers = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("save_weights", "save")
        and not (isinstance(node.func.value, ast.Name) and node.func.value.id in ("np", "numpy"))
    )
    assert set(callers) == {str(STORE.relative_to(PACKAGE))}, callers
