"""For maintainers: train the course's pre-trained models: ``python -m rnncourse.tools.train [NAME ...] [--quick]``.

Writes, for every model NAME, a version folder ``weights/NAME.<sha12>/`` (the first 12 hex
digits of the weights' SHA-256) holding ``NAME.weights.h5`` and ``NAME.history.json``, and
records it in ``weights/manifest.json`` (architecture, data, recipe, timings, held-out test
accuracy, SHA-256 of the weights file, library versions). The experiments ``long_memory`` and
``glove_curve`` and the tuned bag-of-n-grams baselines store their results in the manifest only.

A commit never changes a file the manifest names: the new files are written into a hidden
staging folder, which is renamed to its version folder; then the manifest is replaced in one
atomic rename (``os.replace``); only then are the versions no manifest names removed (again at
the start of the next run). A run killed at any instant leaves the old or the new manifest,
and either names complete, verified files.

``--quick`` is a smoke run (tiny data, one epoch): it writes to ``build/quick-weights/`` unless
``--out`` says otherwise, is refused for the shipped ``weights/`` and never replaces a manifest
entry of a full run.
"""

import argparse
import json
import os
import platform
import re
import shutil
import signal
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from .. import env
from ..data import VALIDATION_FRACTION

EXPERIMENTS = ("baseline", "long_memory", "glove_curve")
QUICK = {"n_train": 256, "n_test": 256, "seq_len": 20, "epochs": 1}


def versions():
    """Library versions that produced the weights."""
    import keras
    import numpy
    import tensorflow

    return {
        "python": platform.python_version(),
        "tensorflow": tensorflow.__version__,
        "keras": keras.__version__,
        "numpy": numpy.__version__,
    }


MANIFEST = "manifest.json"
VERSION_FOLDER = re.compile(r"^(?P<name>[A-Za-z0-9_]+)\.(?P<sha12>[0-9a-f]{12})$")
LEGACY_FILE = re.compile(r"^(?P<name>[A-Za-z0-9_]+)\.(weights\.h5|history\.json)$")


class RefusedError(RuntimeError):
    """A run that would damage shipped weights or full-training entries (``--quick`` into ``weights/``)."""


def quick_dir():
    """``build/quick-weights/`` (gitignored): where ``--quick`` runs write unless ``--out`` says otherwise."""
    from ..paths import repo_root

    return repo_root() / "build" / "quick-weights"


def _same_folder(a, b):
    return Path(a).expanduser().resolve() == Path(b).expanduser().resolve()


def output_folder(out=None, quick=False):
    """The folder a run writes to: ``out``, else ``weights/`` (``build/quick-weights/`` with ``quick``).

    Raises :class:`RefusedError` for a quick run into the shipped ``weights/`` folder."""
    from ..paths import repo_root, weights_dir

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

    Raises :class:`rnncourse.weights.WeightsError` when it exists but is damaged: a run never
    overwrites a manifest it cannot read."""
    from ..weights import manifest

    if not (Path(folder) / MANIFEST).exists():
        return {"models": {}, "experiments": {}}
    data = manifest(folder)
    data.setdefault("experiments", {})
    return data


def _refuse_quick_over_full(manifest, folder, names, quick):
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
            f"--quick refuses to replace {', '.join(full)} in {Path(folder) / MANIFEST}: "
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


def _is_garbage(path, manifest, keep):
    """Whether ``path`` (directly in the weights folder) is a leftover the trainer made and no manifest names."""
    name = path.name
    if name in keep or name == MANIFEST or path.is_symlink():
        return False
    if name.startswith(".") and ".tmp" in name:  # staging folders and temporary files of an interrupted run
        return True
    if path.is_dir():
        return VERSION_FOLDER.match(name) is not None
    legacy = LEGACY_FILE.match(name)  # the flat files of the old layout, once their model has moved on
    return legacy is not None and legacy["name"] in manifest.get("models", {})


def collect_garbage(folder, manifest=None):
    """Remove from ``folder`` what its manifest does not name: old version folders, flat files of
    the old layout and temporaries of interrupted runs. Returns the names removed.

    Nothing is removed when ``folder`` has no manifest (nothing could be told apart); a damaged
    manifest raises :class:`rnncourse.weights.WeightsError`."""
    folder = Path(folder)
    if manifest is None:
        if not (folder / MANIFEST).exists():
            return []
        manifest = read_manifest(folder)
    keep = referenced(manifest)
    removed = []
    for path in sorted(folder.iterdir()):
        if _is_garbage(path, manifest, keep):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(path.name)
            _crash_point("collecting")
    return removed


def _write_manifest(folder, manifest):
    """Replace ``folder/manifest.json`` by ``manifest`` in one atomic rename."""
    from ..fileio import fsync_directory, temporary_path

    target = Path(folder) / MANIFEST
    with temporary_path(target) as tmp:
        with open(tmp, "wb") as handle:
            handle.write((json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8"))
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
def staging_folder(folder, name):
    """A fresh hidden folder ``folder/.NAME.XXXX.tmp`` to write a model's files into; removed
    afterwards unless :func:`commit_model` moved it into place."""
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
    from ..fileio import fsync_directory, fsync_file, sha256
    from ..weights import WeightsError

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
            f"{Path(folder) / MANIFEST} names it. Restore it with `git checkout weights/` "
            f"or remove the entry of {name!r}, then train again."
        )
    fsync_directory(folder)
    _crash_point("placed")
    return version


def commit_model(folder, name, stage, entry):
    """Install the model ``name`` whose files are in ``stage`` (from :func:`staging_folder`).

    1. the staged ``NAME.weights.h5`` and ``NAME.history.json`` are synced to disk and the folder
       is renamed to ``NAME.<sha12>`` (no file the manifest names is touched);
    2. the manifest, with ``entry`` pointing to them, replaces the old one in one ``os.replace``;
    3. the versions no manifest names are removed.
    A kill before 2 leaves the old manifest and its files, after it the new ones. Returns the
    entry as recorded (``file`` and ``history`` are relative to ``folder``)."""
    from ..fileio import sha256

    folder = Path(folder)
    digest = sha256(stage / f"{name}.weights.h5")
    with _deferred_signals():
        manifest = read_manifest(folder)
        _refuse_quick_over_full(manifest, folder, [name], entry.get("quick"))
        version = _place(folder, name, stage, digest, manifest)
        entry = {
            **entry,
            "file": f"{version}/{name}.weights.h5",
            "history": f"{version}/{name}.history.json",
            "sha256": digest,
        }
        manifest["models"][name] = entry
        _write_manifest(folder, manifest)
        collect_garbage(folder, manifest)
    return entry


def commit_experiment(folder, name, result):
    """Record the result of experiment ``name`` in the manifest (one atomic replacement)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with _deferred_signals():
        manifest = read_manifest(folder)
        _refuse_quick_over_full(manifest, folder, [name], result.get("quick"))
        manifest["experiments"][name] = result
        _write_manifest(folder, manifest)


class Progress:
    """One line per epoch: model, epoch, seconds per epoch, metrics and ETA of the model."""

    def __init__(self, label, epochs, stream=sys.stdout):
        import keras

        self.label, self.epochs, self.stream = label, epochs, stream
        self.start = time.time()
        self.epoch_seconds = []
        progress = self

        class _Callback(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                progress.epoch_start = time.time()

            def on_epoch_end(self, epoch, logs=None):
                progress.epoch_end(epoch, logs or {})

        self.callback = _Callback()

    def epoch_end(self, epoch, logs):
        seconds = time.time() - self.epoch_start
        self.epoch_seconds.append(seconds)
        left = (self.epochs - epoch - 1) * seconds
        metrics = " ".join(f"{k}={v:.4f}" for k, v in sorted(logs.items()))
        print(
            f"{self.label} epoch {epoch + 1}/{self.epochs} {seconds:.1f}s {metrics} ETA {left / 60:.1f} min",
            file=self.stream,
            flush=True,
        )


def _arrays(recipe, quick):
    """Training and test arrays for ``recipe`` (shrunk with ``quick``)."""
    from ..data import imdb_arrays

    spec = dict(recipe.data)
    if quick:
        spec.update(seq_len=QUICK["seq_len"], n_train=QUICK["n_train"], longest=False)
    (x_train, y_train), (x_test, y_test) = imdb_arrays(**spec)
    if quick:
        x_test, y_test = x_test[: QUICK["n_test"]], y_test[: QUICK["n_test"]]
    if recipe.raw_ids:
        x_train = x_train[..., None].astype("float32")
        x_test = x_test[..., None].astype("float32")
    return spec, (x_train, y_train), (x_test, y_test)


def _fit_once(recipe, arrays, epochs, seed, matrix, strategy, label, quick_seq_len):
    """One seeded training run of ``recipe``: ``(model, history record, seconds, s/epoch, test loss,
    test accuracy)``; the validation data is the last 10 % of the training arrays (the slice Keras's
    ``validation_split`` holds out, see :func:`_validation_slice`)."""
    import keras

    (x_train, y_train), (x_test, y_test) = arrays
    keras.utils.set_random_seed(seed)
    scope = strategy.scope() if strategy is not None else _nullcontext()
    with scope:
        model = recipe.build(embedding_matrix=matrix, seq_len=quick_seq_len)
    progress = Progress(label, epochs)
    callbacks = [progress.callback]
    if recipe.patience:
        callbacks.append(
            keras.callbacks.EarlyStopping("val_accuracy", patience=recipe.patience, restore_best_weights=True)
        )
    started = time.time()
    history = model.fit(
        x_train,
        y_train,
        epochs=epochs,
        batch_size=recipe.batch_size,
        validation_split=VALIDATION_FRACTION,
        callbacks=callbacks,
        verbose=0,
        shuffle=True,
    )
    seconds = time.time() - started
    test_loss, test_accuracy = model.evaluate(x_test, y_test, batch_size=256, verbose=0)
    if matrix is not None and not recipe.kwargs.get("trainable", True):
        import numpy as np

        if not np.array_equal(model.layers[0].get_weights()[0], matrix):
            raise RuntimeError(f"{label}: the frozen GloVe embedding changed during training.")
    record = {k: [round(float(v), 6) for v in values] for k, values in history.history.items()}
    per_epoch = sum(progress.epoch_seconds) / len(progress.epoch_seconds)
    return model, record, seconds, per_epoch, float(test_loss), float(test_accuracy)


def _validation_slice(n):
    """The slice of ``n`` training rows that ``fit(validation_split=VALIDATION_FRACTION)`` validates on."""
    return slice(int(n * (1 - VALIDATION_FRACTION)), n)


def seed_ensemble(val_probabilities, test_probabilities, y_val, y_test, seeds):
    """The ensemble of a recipe's seeds, reported as its own row: the mean of the seeds'
    predicted probabilities, positive above 0.5; accuracy on validation and on the test set."""
    import numpy as np

    def accuracy(probabilities, y):
        mean = np.mean(np.stack([np.ravel(p) for p in probabilities]), axis=0)
        return round(float(np.mean((mean > 0.5) == (np.ravel(y) > 0.5))), 6)

    return {
        "seeds": list(seeds),
        "rule": "mean of the seeds' predicted probabilities, positive above 0.5",
        "val_accuracy": accuracy(val_probabilities, y_val),
        "test_accuracy": accuracy(test_probabilities, y_test),
    }


def _best_epoch(record, patience):
    """1-based epoch whose weights a run kept: the best validation accuracy with early stopping,
    else the last."""
    if not patience:
        return len(record["loss"])
    return int(max(range(len(record["val_accuracy"])), key=record["val_accuracy"].__getitem__)) + 1


def train_model(name, folder, quick=False, strategy=None, seed=env.SEED, label=None):
    """Train one model of :data:`rnncourse.models.RECIPES` (once per seed of ``recipe.seeds``, or
    once with ``seed``), evaluate it, commit the files of the seed chosen on validation."""
    import statistics

    from ..data import BUNDLED_NPZ_SHA256
    from ..fileio import write_json_atomic
    from ..glove import glove_matrix
    from ..models import RECIPES, architecture

    recipe = RECIPES[name]
    spec, train_arrays, test_arrays = _arrays(recipe, quick)
    epochs = QUICK["epochs"] if quick else recipe.epochs
    seeds = tuple(recipe.seeds) or (seed,)
    if quick:
        seeds = seeds[:2]  # a seeded recipe's smoke run still trains two seeds and their ensemble
    matrix = glove_matrix(spec["num_words"]) if recipe.glove else None
    quick_seq_len = spec["seq_len"] if quick else None
    runs, chosen, val_probabilities, test_probabilities = [], None, [], []
    validation = _validation_slice(len(train_arrays[0]))
    for run_seed in seeds:
        tag = label or name
        model, record, seconds, per_epoch, test_loss, test_accuracy = _fit_once(
            recipe,
            (train_arrays, test_arrays),
            epochs,
            run_seed,
            matrix,
            strategy,
            f"{tag} seed {run_seed}" if len(seeds) > 1 else tag,
            quick_seq_len,
        )
        best_epoch = _best_epoch(record, recipe.patience)
        run = {
            "seed": run_seed,
            "val_accuracy": record["val_accuracy"][best_epoch - 1],
            "best_epoch": best_epoch,
            "epochs_run": len(record["loss"]),
            "train_seconds": round(seconds, 1),
            "seconds_per_epoch": round(per_epoch, 1),
            "test_loss": round(test_loss, 6),
            "test_accuracy": round(test_accuracy, 6),
        }
        runs.append(run)
        if len(seeds) > 1:
            val_probabilities.append(model.predict(train_arrays[0][validation], batch_size=256, verbose=0))
            test_probabilities.append(model.predict(test_arrays[0], batch_size=256, verbose=0))
            print(
                f"{name} seed {run_seed}: validation accuracy {run['val_accuracy']:.4f}, "
                f"test accuracy {test_accuracy:.4f}",
                flush=True,
            )
        if chosen is None or run["val_accuracy"] > chosen[0]["val_accuracy"]:  # chosen on validation only
            chosen = (run, model.get_weights(), record, architecture(model))
        del model
    run, trained_weights, record, model_architecture = chosen
    x_train, x_test = train_arrays[0], test_arrays[0]

    with staging_folder(folder, name) as stage:
        # A fresh model holds the trained weights without the optimizer's state: smaller files.
        clean = recipe.build(seq_len=quick_seq_len)
        clean.set_weights(trained_weights)
        clean.save_weights(stage / f"{name}.weights.h5")
        write_json_atomic(stage / f"{name}.history.json", record)
        entry = {  # commit_model adds "file", "history" and "sha256"
            "bytes": (stage / f"{name}.weights.h5").stat().st_size,
            "architecture": model_architecture,
            "builder": recipe.builder.__name__,
            "builder_kwargs": recipe.kwargs,
            "lesson": recipe.lesson,
            "data": {
                "source": "bundled",
                "npz_sha256": BUNDLED_NPZ_SHA256,
                **spec,
                "n_train_used": int(len(x_train)),
                "validation_split": VALIDATION_FRACTION,
                "n_test": int(len(x_test)),
                "raw_ids": recipe.raw_ids,
                "glove": "glove.6B.50d" if recipe.glove else None,
            },
            "protocol": {
                "validation": f"the last {VALIDATION_FRACTION:.0%} of the training reviews (Keras validation_split)",
                "epochs": (
                    f"early stopping on validation accuracy, patience {recipe.patience}, best epoch kept"
                    if recipe.patience
                    else f"fixed: {epochs} epochs"
                ),
                "seed": ("the seed with the best validation accuracy" if len(seeds) > 1 else "one seed"),
                "test": "scored once per trained model, never used for a choice",
            },
            "epochs": epochs,
            "epochs_run": run["epochs_run"],
            "best_epoch": run["best_epoch"],
            "batch_size": recipe.batch_size,
            "seed": run["seed"],
            "strategy": (
                {"name": type(strategy).__name__, "replicas": int(strategy.num_replicas_in_sync)}
                if strategy is not None
                else None
            ),
            "quick": quick,
            "train_seconds": round(sum(r["train_seconds"] for r in runs), 1),
            "seconds_per_epoch": run["seconds_per_epoch"],
            "val_accuracy": run["val_accuracy"],
            "test_loss": run["test_loss"],
            "test_accuracy": run["test_accuracy"],
            "versions": versions(),
        }
        if len(seeds) > 1:
            scores = [r["test_accuracy"] for r in runs]
            entry.update(
                seeds=runs,
                test_accuracy_mean=round(statistics.mean(scores), 6),
                test_accuracy_sd=round(statistics.stdev(scores), 6),
                ensemble=seed_ensemble(
                    val_probabilities, test_probabilities, train_arrays[1][validation], test_arrays[1], seeds
                ),
            )
        entry = commit_model(folder, name, stage, entry)
    print(
        f"{name}: test accuracy {entry['test_accuracy']:.4f} (seed {entry['seed']}), "
        f"{entry['train_seconds']:.0f}s, {Path(folder) / entry['file']}",
        flush=True,
    )
    return entry


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _save_memory_model(folder, variant, model_weights, history, quick):
    """Commit the trained ``long_memory`` model of ``variant`` (longest length, first seed) as
    ``memory_<variant>``: lesson 01 measures the gradient that reaches step 1 in it."""
    from ..fileio import write_json_atomic
    from ..models import architecture
    from . import experiments

    name = f"memory_{variant}"
    sizes = (
        experiments.MEMORY_QUICK
        if quick
        else {**experiments.MEMORY_CONFIG, "lengths": experiments.MEMORY_LENGTHS}
    )
    kwargs = {
        "cell": variant.removesuffix("_chrono"),
        "units": sizes["units"],
        "chrono": variant.endswith("_chrono"),
        "length": max(sizes["lengths"]),
    }
    from ..tasks import adding_model

    model = adding_model(**kwargs)
    model.set_weights(model_weights)
    with staging_folder(folder, name) as stage:
        model.save_weights(stage / f"{name}.weights.h5")
        record = {k: [round(float(v), 6) for v in values] for k, values in history.items()}
        write_json_atomic(stage / f"{name}.history.json", record)
        entry = {
            "experiment": "long_memory",
            "builder": "rnncourse.tasks.adding_model",
            "builder_kwargs": kwargs,
            "architecture": architecture(model),
            "bytes": (stage / f"{name}.weights.h5").stat().st_size,
            "epochs_run": len(record["loss"]),
            "quick": quick,
            "versions": versions(),
        }
        commit_model(folder, name, stage, entry)


def run_experiment(name, folder, quick=False, seed=env.SEED):
    """Run ``long_memory``, ``glove_curve`` or ``baseline`` and store its result in the manifest."""
    from . import experiments

    started = time.time()
    if name == "long_memory":
        trained = []  # committed after the experiment: a run stopped midway leaves weights/ as it was
        result = experiments.long_memory(
            quick=quick,
            save=lambda variant, model: trained.append((variant, model.get_weights(), model.history.history)),
        )
        for variant, model_weights, history in trained:
            _save_memory_model(folder, variant, model_weights, history, quick)
    elif name == "glove_curve":
        from ..data import imdb_arrays
        from ..glove import glove_matrix

        arrays = imdb_arrays(num_words=20000, seq_len=QUICK["seq_len"] if quick else 200)
        options = {"sizes": (64, 128), "seeds": (0, 1), "n_validation": 64, "max_updates": 4} if quick else {}
        result = experiments.glove_curve(arrays, glove_matrix(20000), **options)
    elif name == "baseline":
        from ..baseline import tuned_baselines

        result = tuned_baselines(
            limit=QUICK["n_train"] if quick else None
        )  # {"tfidf": {...}, "nbsvm": {...}}
    else:
        raise ValueError(f"unknown experiment {name!r}; use one of {EXPERIMENTS}.")
    result.update({"seconds": round(time.time() - started, 1), "quick": quick, "versions": versions()})
    if name not in ("long_memory", "glove_curve"):  # these record their own seeds in their config
        result["seed"] = seed
    commit_experiment(folder, name, result)
    print(f"{name}: done in {result['seconds']:.0f}s", flush=True)
    return result


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    env.set_environment(gpu="mirrored" in argv)
    from ..models import RECIPES
    from ..weights import WeightsError

    parser = argparse.ArgumentParser(
        prog="python -m rnncourse.tools.train",
        description="Train the course's pre-trained models and experiments into weights/.",
    )
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"models or experiments (default: all): {', '.join([*RECIPES, *EXPERIMENTS])}",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny data and one epoch, a smoke run (seconds, not minutes), written to "
        "build/quick-weights/ unless --out says otherwise (never weights/)",
    )
    parser.add_argument(
        "--strategy",
        choices=["default", "mirrored"],
        default="default",
        help="'mirrored' trains on every GPU with tf.distribute.MirroredStrategy",
    )
    parser.add_argument(
        "--out", default=None, help="output folder (default: weights/, with --quick build/quick-weights/)"
    )
    args = parser.parse_args(argv)
    names = args.names or [EXPERIMENTS[0], *RECIPES, *EXPERIMENTS[1:]]
    unknown = [n for n in names if n not in RECIPES and n not in EXPERIMENTS]
    if unknown:
        parser.error(
            f"unknown name(s) {', '.join(unknown)}; choose from {', '.join([*RECIPES, *EXPERIMENTS])}"
        )
    try:
        folder = output_folder(args.out, args.quick)
        if folder.is_dir():
            _refuse_quick_over_full(read_manifest(folder), folder, names, args.quick)
            removed = collect_garbage(folder)
            if removed:
                print(
                    f"removed from {folder} what its manifest does not name: {', '.join(removed)}", flush=True
                )
    except (RefusedError, WeightsError) as error:
        parser.error(str(error))
    if args.quick:
        print(f"--quick: a smoke run into {folder} (the shipped weights/ stay untouched)", flush=True)
    env.configure(gpu=args.strategy == "mirrored")
    strategy = None
    if args.strategy == "mirrored":
        import tensorflow as tf

        strategy = tf.distribute.MirroredStrategy()
    for i, name in enumerate(names, start=1):
        label = f"[{i}/{len(names)}] {name}"
        if name in RECIPES:
            train_model(name, folder, quick=args.quick, strategy=strategy, label=label)
        else:
            print(label, flush=True)
            run_experiment(name, folder, quick=args.quick)


if __name__ == "__main__":
    main()
