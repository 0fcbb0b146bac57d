"""Weights are never damaged: quick runs stay out of weights/, a kill at any step of a commit
leaves every model loadable and verified, and damaged manifests or histories say how to restore them.

Tiny fixtures: seeded, untrained stand-ins of the small ``simple_rnn`` and ``gru`` recipes,
committed with the trainer's own commit; no test writes into the shipped ``weights/``.
"""

import json
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
from rnncourse.models import RECIPES
from rnncourse.paths import repo_root, weights_dir
from rnncourse.tools import train

ROOT = Path(__file__).resolve().parents[2]
TINY = ("simple_rnn", "gru")


def _stage(folder, name, seed):
    """A staging folder in ``folder`` holding seeded stand-in weights and a history of ``name``."""
    stage = Path(folder) / f".{name}.test{seed}.tmp"
    stage.mkdir(parents=True)
    keras.utils.set_random_seed(seed)
    RECIPES[name].build().save_weights(stage / f"{name}.weights.h5")
    (stage / f"{name}.history.json").write_text(json.dumps({"loss": [0.7, 0.6], "accuracy": [0.5, 0.6]}))
    return stage


def _entry(name, seed, quick=False):
    return {"quick": quick, "seed": seed, "test_accuracy": 0.5, "lesson": RECIPES[name].lesson}


def _snapshot(folder):
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(Path(folder).rglob("*")) if p.is_file()
    }


def _assert_all_models_load(folder, versioned=TINY):
    manifest = weights.manifest(folder)
    for name, record in manifest["models"].items():
        path = weights.weights_path(name, folder)
        assert sha256(path) == record["sha256"]
        if name in versioned:
            assert path.parent.name == f"{name}.{record['sha256'][:12]}"
        weights.load_pretrained(name, folder)
        assert weights.history(name, folder)["loss"]
    return manifest


@pytest.fixture(scope="module")
def tiny_source(tmp_path_factory):
    """A weights folder with full-run stand-ins of ``simple_rnn`` and ``gru`` and one experiment."""
    folder = tmp_path_factory.mktemp("tiny")
    for seed, name in enumerate(TINY):
        train.commit_model(folder, name, _stage(folder, name, seed), _entry(name, seed))
    train.commit_experiment(folder, "baseline", {"quick": False, "test_accuracy": 0.89})
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
    new = train.commit_model(tiny, "simple_rnn", _stage(tiny, "simple_rnn", 7), _entry("simple_rnn", 7))
    assert new["sha256"] != old["sha256"] and weights.entry("simple_rnn", tiny) == new
    names = sorted(p.name for p in tiny.iterdir())
    assert names == sorted(
        ["manifest.json", Path(new["file"]).parent.name, Path(weights.entry("gru", tiny)["file"]).parent.name]
    )
    assert weights.manifest(tiny)["experiments"]["baseline"]["test_accuracy"] == 0.89
    _assert_all_models_load(tiny)


def test_garbage_collection_keeps_only_what_the_manifest_names(tiny):
    manifest = weights.manifest(tiny)
    kept = _snapshot(tiny)
    (tiny / ".gru.abc123.tmp").mkdir()  # a staging folder of a killed run
    (tiny / ".gru.abc123.tmp" / "gru.weights.h5").write_bytes(b"half")
    (tiny / ".manifest.json.x1.tmp.json").write_text("{")  # a manifest temporary
    (tiny / "gru.0123456789ab").mkdir()  # an old version
    (tiny / "gru.weights.h5").write_bytes(b"old layout")  # a flat file of the old layout
    (tiny / "notes.txt").write_text("mine")  # not the trainer's: kept
    removed = train.collect_garbage(tiny)
    assert sorted(removed) == sorted(
        [".gru.abc123.tmp", ".manifest.json.x1.tmp.json", "gru.0123456789ab", "gru.weights.h5"]
    )
    assert _snapshot(tiny) == {**kept, "notes.txt": b"mine"}
    assert weights.manifest(tiny) == manifest
    (tiny / "manifest.json").unlink()
    assert train.collect_garbage(tiny) == []  # without a manifest nothing can be told apart: nothing goes


def test_legacy_flat_layout_still_loads_and_migrates_on_the_next_commit(tiny):
    """A folder of the old layout (``NAME.weights.h5`` next to the manifest) loads; retraining a model
    moves it to a version folder and removes its flat files."""
    manifest = json.loads((tiny / "manifest.json").read_text())
    for name, record in manifest["models"].items():
        for key in ("file", "history"):
            flat = Path(record[key]).name
            shutil.move(tiny / record[key], tiny / flat)
            record[key] = flat
        shutil.rmtree(tiny / f"{name}.{record['sha256'][:12]}")
    (tiny / "manifest.json").write_text(json.dumps(manifest))
    weights.load_pretrained("gru", tiny)
    train.commit_model(tiny, "gru", _stage(tiny, "gru", 9), _entry("gru", 9))
    assert not (tiny / "gru.weights.h5").exists() and not (tiny / "gru.history.json").exists()
    assert (tiny / "simple_rnn.weights.h5").exists()
    _assert_all_models_load(tiny, versioned=("gru",))


# ----------------------------------------------------------------------------- crash safety

CRASH_SCRIPT = textwrap.dedent("""
    import json, os, signal, sys
    from pathlib import Path
    from rnncourse.tools import train

    folder, stage, step, entry = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
    steps = []

    def crash_point(name):
        steps.append(name)
        if name == step:
            os.kill(os.getpid(), signal.SIGKILL)

    train._crash_point = crash_point
    train.commit_model(folder, "simple_rnn", stage, entry)
    print(",".join(steps))
""")
STEPS = ("staged", "placed", "manifest written", "switched", "collecting")


@pytest.mark.parametrize("step", [*STEPS, None])
def test_sigkill_at_any_step_of_a_commit_leaves_every_model_loadable(tiny, step):
    """SIGKILL at each step of the commit (before the rename into place, between it and the manifest,
    between the manifest's temporary and its rename, after the switch, during the clean-up):
    the manifest names complete files with matching checksums, the old or the new ones."""
    old = weights.entry("simple_rnn", tiny)
    stage = _stage(tiny, "simple_rnn", 11)
    new_sha = sha256(stage / "simple_rnn.weights.h5")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            CRASH_SCRIPT,
            str(tiny),
            str(stage),
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
    assert manifest["models"]["simple_rnn"]["sha256"] == (new_sha if switched else old["sha256"])
    assert manifest["models"]["gru"] == weights.entry("gru", tiny)
    train.collect_garbage(tiny)  # what the next run does first
    referenced = {Path(record["file"]).parent.name for record in manifest["models"].values()}
    assert sorted(p.name for p in tiny.iterdir()) == sorted(["manifest.json", *referenced])
    assert weights.manifest(tiny) == manifest
    _assert_all_models_load(tiny)


def test_interrupted_commit_with_an_exception_changes_nothing(tiny, monkeypatch):
    before = _snapshot(tiny)

    def fail(step):
        if step == "manifest written":
            raise OSError("disk full")

    monkeypatch.setattr(train, "_crash_point", fail)
    with train.staging_folder(tiny, "simple_rnn") as stage:
        keras.utils.set_random_seed(3)
        RECIPES["simple_rnn"].build().save_weights(stage / "simple_rnn.weights.h5")
        (stage / "simple_rnn.history.json").write_text("{}")
        with pytest.raises(OSError, match="disk full"):
            train.commit_model(tiny, "simple_rnn", stage, _entry("simple_rnn", 3))
    after = _snapshot(tiny)
    placed = [key for key in after if key not in before]  # the new version folder, not yet named
    assert all(key.startswith("simple_rnn.") for key in placed)
    train.collect_garbage(tiny)
    assert _snapshot(tiny) == before
    _assert_all_models_load(tiny)


# ----------------------------------------------------------------------------- --quick never touches weights/


def test_quick_runs_default_to_a_separate_folder():
    assert train.output_folder(None, quick=False) == weights_dir()
    quick = train.output_folder(None, quick=True)
    assert quick == repo_root() / "build" / "quick-weights" == train.quick_dir()
    assert not train._same_folder(quick, weights_dir())


def test_quick_into_the_shipped_folder_is_refused(tmp_path, monkeypatch, capsys):
    shipped = [str(weights_dir()), str(repo_root() / "weights"), "weights"]
    monkeypatch.chdir(ROOT)
    for out in shipped:
        with pytest.raises(
            train.RefusedError, match="--quick refuses to write into .*the shipped weights folder"
        ):
            train.output_folder(out, quick=True)
        with pytest.raises(SystemExit) as exit_info:
            train.main(["--quick", "--out", out, "gru"])
        assert exit_info.value.code == 2
        assert "the shipped weights folder" in capsys.readouterr().err
    copy = tmp_path / "copy"
    monkeypatch.setenv("RNNCOURSE_WEIGHTS", str(copy))  # the folder the loaders use is "shipped" too
    with pytest.raises(train.RefusedError):
        train.output_folder(str(copy), quick=True)
    assert train.output_folder(str(tmp_path / "elsewhere"), quick=True) == tmp_path / "elsewhere"


def test_quick_never_replaces_the_entry_of_a_full_run(tiny, capsys):
    before = _snapshot(tiny)
    with pytest.raises(SystemExit):
        train.main(["--quick", "--out", str(tiny), "simple_rnn"])
    assert "--quick refuses to replace simple_rnn" in capsys.readouterr().err
    with pytest.raises(train.RefusedError, match="full training run"):
        train.commit_model(
            tiny, "simple_rnn", _stage(tiny, "simple_rnn", 5), _entry("simple_rnn", 5, quick=True)
        )
    with pytest.raises(train.RefusedError, match="--quick refuses to replace baseline"):
        train.commit_experiment(tiny, "baseline", {"quick": True})
    train.collect_garbage(tiny)
    assert _snapshot(tiny) == before


def test_quick_run_leaves_a_copy_of_the_shipped_weights_byte_identical(tmp_path, monkeypatch):
    """``--quick gru`` with default output: the weights folder in use stays byte-identical."""
    shipped = tmp_path / "weights"
    shutil.copytree(weights_dir(), shipped)
    before = _snapshot(shipped)
    monkeypatch.setenv("RNNCOURSE_WEIGHTS", str(shipped))
    monkeypatch.setattr(train, "quick_dir", lambda: tmp_path / "quick")
    train.main(["--quick", "gru"])
    assert _snapshot(shipped) == before
    assert weights.entry("gru", tmp_path / "quick")["quick"] is True
    assert weights.entry("gru", shipped)["quick"] is False
    _assert_all_models_load(tmp_path / "quick")


# ----------------------------------------------------------------------------- clear errors

RESTORE = r".*git checkout weights/.*make weights"


@pytest.mark.parametrize(
    "content, message",
    [
        ("{}", r"manifest\.json is empty"),
        ('{"experiments": {}}', r"manifest\.json has no \"models\" table"),
        ("[]", r"manifest\.json is empty"),
        ('{"models": {"simple_rnn"', r"manifest\.json is truncated or corrupted: it is not valid JSON"),
        ("", r"manifest\.json is truncated or corrupted: it is not valid JSON"),
    ],
)
def test_damaged_manifest_names_the_file_and_the_remedy(tiny, content, message):
    (tiny / "manifest.json").write_text(content)
    for call in (
        lambda: weights.manifest(tiny),
        lambda: weights.load_pretrained("simple_rnn", tiny),
        lambda: weights.history("simple_rnn", tiny),
        lambda: weights.entry("gru", tiny),
    ):
        with pytest.raises(weights.WeightsError, match=message + RESTORE):
            call()


def test_a_run_never_overwrites_a_damaged_manifest(tiny, capsys):
    (tiny / "manifest.json").write_text('{"models": {')
    before = _snapshot(tiny)
    with pytest.raises(SystemExit):
        train.main(["--out", str(tiny), "simple_rnn"])
    assert "manifest.json is truncated or corrupted" in capsys.readouterr().err
    with pytest.raises(weights.WeightsError):
        train.commit_experiment(tiny, "baseline", {"quick": False})
    assert _snapshot(tiny) == before


def test_truncated_history_names_the_file_and_the_remedy(tiny):
    path = tiny / weights.entry("simple_rnn", tiny)["history"]
    path.write_bytes(path.read_bytes()[:10])
    with pytest.raises(
        weights.WeightsError,
        match=r"simple_rnn\.[0-9a-f]{12}/simple_rnn\.history\.json is truncated or corrupted" + RESTORE,
    ):
        weights.history("simple_rnn", tiny)
    path.unlink()
    with pytest.raises(weights.WeightsError, match=r"simple_rnn\.history\.json is missing" + RESTORE):
        weights.history("simple_rnn", tiny)


def test_entry_without_its_files_names_the_manifest(tiny):
    manifest = json.loads((tiny / "manifest.json").read_text())
    del manifest["models"]["gru"]["file"]
    (tiny / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(
        weights.WeightsError, match=r"manifest\.json: the entry of 'gru' lacks file" + RESTORE
    ):
        weights.load_pretrained("gru", tiny)


def test_no_test_wrote_into_the_shipped_folder():
    """Every test above works on copies; the shipped manifest still names full-run models only."""
    assert all(record["quick"] is False for record in weights.manifest()["models"].values())
    assert not [p for p in (repo_root() / "weights").iterdir() if p.name.startswith(".")]
