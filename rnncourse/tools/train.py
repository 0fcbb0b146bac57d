"""Train the course's pre-trained models: ``python -m rnncourse.tools.train [NAME ...] [--quick]``.

Writes, for every model NAME, ``weights/NAME.weights.h5`` and ``weights/NAME.history.json``
and records it in ``weights/manifest.json`` (architecture, data, recipe, timings, held-out
test accuracy, SHA-256 of the weights file, library versions). The experiments
``long_memory`` and ``glove_curve`` and the TF-IDF baseline store their results in the
manifest only. Every file is written to a temporary name first and moved into place only
when the model is complete, so an interrupted run leaves ``weights/`` as it was.
"""

import argparse
import json
import platform
import signal
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from .. import env

EXPERIMENTS = ("baseline", "long_memory", "glove_curve")
QUICK = {"n_train": 256, "n_test": 256, "seq_len": 20, "epochs": 1}


def versions():
    """Library versions that produced the weights."""
    import keras
    import numpy
    import tensorflow

    return {"python": platform.python_version(), "tensorflow": tensorflow.__version__,
            "keras": keras.__version__, "numpy": numpy.__version__}


def read_manifest(folder):
    """The manifest in ``folder`` (``{"models": {}, "experiments": {}}`` when there is none)."""
    path = Path(folder) / "manifest.json"
    if not path.is_file():
        return {"models": {}, "experiments": {}}
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


@contextmanager
def _deferred_signals():
    """Hold SIGINT/SIGTERM while files are moved into place, then deliver them."""
    received = []
    handlers = {sig: signal.signal(sig, lambda number, frame: received.append(number))
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        for number in received:
            signal.raise_signal(number)


def _commit(folder, staged, update):
    """Move staged temporary files into place and update the manifest, as one step."""
    import os

    from ..fileio import write_json_atomic

    with _deferred_signals():
        manifest = read_manifest(folder)
        update(manifest)
        for tmp, target in staged:
            os.replace(tmp, target)
        write_json_atomic(Path(folder) / "manifest.json", manifest)


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
        print(f"{self.label} epoch {epoch + 1}/{self.epochs} {seconds:.1f}s {metrics} "
              f"ETA {left / 60:.1f} min", file=self.stream, flush=True)


def _arrays(recipe, quick):
    """Training and test arrays for ``recipe`` (shrunk with ``quick``)."""
    from ..data import imdb_arrays

    spec = dict(recipe.data)
    if quick:
        spec.update(seq_len=QUICK["seq_len"], n_train=QUICK["n_train"], longest=False)
    (x_train, y_train), (x_test, y_test) = imdb_arrays(**spec)
    if quick:
        x_test, y_test = x_test[:QUICK["n_test"]], y_test[:QUICK["n_test"]]
    if recipe.raw_ids:
        x_train = x_train[..., None].astype("float32")
        x_test = x_test[..., None].astype("float32")
    return spec, (x_train, y_train), (x_test, y_test)


def train_model(name, folder, quick=False, strategy=None, seed=env.SEED, label=None):
    """Train one model of :data:`rnncourse.models.RECIPES`, evaluate it, commit its files."""
    import keras

    from ..data import BUNDLED_NPZ_SHA256
    from ..fileio import sha256, temporary_path, write_json_atomic
    from ..glove import glove_matrix
    from ..models import RECIPES, architecture

    recipe = RECIPES[name]
    spec, (x_train, y_train), (x_test, y_test) = _arrays(recipe, quick)
    epochs = QUICK["epochs"] if quick else recipe.epochs
    keras.utils.set_random_seed(seed)
    matrix = glove_matrix(spec["num_words"]) if recipe.glove else None
    scope = strategy.scope() if strategy is not None else _nullcontext()
    with scope:
        model = recipe.build(embedding_matrix=matrix, seq_len=spec["seq_len"] if quick else None)
    progress = Progress(label or name, epochs)
    callbacks = [progress.callback]
    if recipe.patience:
        callbacks.append(keras.callbacks.EarlyStopping(
            "val_accuracy", patience=recipe.patience, restore_best_weights=True))
    started = time.time()
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=recipe.batch_size,
                        validation_split=0.1, callbacks=callbacks, verbose=0, shuffle=True)
    seconds = time.time() - started
    test_loss, test_accuracy = model.evaluate(x_test, y_test, batch_size=256, verbose=0)
    if recipe.glove and not recipe.kwargs.get("trainable", True):
        import numpy as np

        if not np.array_equal(model.layers[0].get_weights()[0], matrix):
            raise RuntimeError(f"{name}: the frozen GloVe embedding changed during training.")

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    weights_path = folder / f"{name}.weights.h5"
    history_path = folder / f"{name}.history.json"
    record = {k: [round(float(v), 6) for v in values] for k, values in history.history.items()}
    with temporary_path(weights_path) as tmp_weights, temporary_path(history_path) as tmp_history:
        # A fresh model holds the trained weights without the optimizer's state: smaller files.
        clean = recipe.build(seq_len=spec["seq_len"] if quick else None)
        clean.set_weights(model.get_weights())
        clean.save_weights(tmp_weights)
        write_json_atomic(tmp_history, record)
        best_epoch = (int(max(range(len(record["val_accuracy"])), key=record["val_accuracy"].__getitem__)) + 1
                      if recipe.patience else len(record["loss"]))
        entry = {
            "file": weights_path.name,
            "history": history_path.name,
            "sha256": sha256(tmp_weights),
            "bytes": Path(tmp_weights).stat().st_size,
            "architecture": architecture(model),
            "builder": recipe.builder.__name__,
            "builder_kwargs": recipe.kwargs,
            "lesson": recipe.lesson,
            "data": {"source": "bundled", "npz_sha256": BUNDLED_NPZ_SHA256, **spec,
                     "n_train_used": int(len(x_train)), "validation_split": 0.1,
                     "n_test": int(len(x_test)), "raw_ids": recipe.raw_ids,
                     "glove": "glove.6B.50d" if recipe.glove else None},
            "epochs": epochs,
            "epochs_run": len(record["loss"]),
            "best_epoch": best_epoch,
            "batch_size": recipe.batch_size,
            "seed": seed,
            "strategy": ({"name": type(strategy).__name__, "replicas": int(strategy.num_replicas_in_sync)}
                         if strategy is not None else None),
            "quick": quick,
            "train_seconds": round(seconds, 1),
            "seconds_per_epoch": round(sum(progress.epoch_seconds) / len(progress.epoch_seconds), 1),
            "test_loss": round(float(test_loss), 6),
            "test_accuracy": round(float(test_accuracy), 6),
            "versions": versions(),
        }
        _commit(folder, [(tmp_weights, weights_path), (tmp_history, history_path)],
                lambda manifest: manifest["models"].__setitem__(name, entry))
    print(f"{name}: test accuracy {test_accuracy:.4f} (loss {test_loss:.4f}), "
          f"{seconds:.0f}s, {weights_path}", flush=True)
    return entry


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def run_experiment(name, folder, quick=False, seed=env.SEED):
    """Run ``long_memory``, ``glove_curve`` or ``baseline`` and store its result in the manifest."""
    from . import experiments

    started = time.time()
    if name == "long_memory":
        kwargs = {"lags": (5, 10), "n_train": 128, "n_test": 64, "epochs": 1} if quick else {}
        result = {"accuracy": experiments.long_memory(seed=seed, **kwargs),
                  "task": "label = sign of the first of `lag` uniform(-1, 1) inputs",
                  "units": 16}
    elif name == "glove_curve":
        from ..data import imdb_arrays
        from ..glove import glove_matrix

        arrays = imdb_arrays(num_words=20000, seq_len=QUICK["seq_len"] if quick else 200)
        sizes = (100, 200) if quick else experiments.CURVE_SIZES
        result = {"accuracy": experiments.glove_curve(arrays, glove_matrix(20000), sizes=sizes, seed=seed),
                  "model": "Embedding(20000, 50) + GRU(32) + Dense(1, sigmoid), 200 tokens"}
    elif name == "baseline":
        from ..baseline import tfidf_baseline

        result = tfidf_baseline(limit=QUICK["n_train"] if quick else None)
    else:
        raise ValueError(f"unknown experiment {name!r}; use one of {EXPERIMENTS}.")
    result.update({"seconds": round(time.time() - started, 1), "seed": seed, "quick": quick,
                   "versions": versions()})
    _commit(folder, [], lambda manifest: manifest.setdefault("experiments", {}).__setitem__(name, result))
    print(f"{name}: done in {result['seconds']:.0f}s", flush=True)
    return result


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    env.set_environment(gpu="mirrored" in argv)
    from ..models import RECIPES
    from ..paths import weights_dir

    parser = argparse.ArgumentParser(
        prog="python -m rnncourse.tools.train",
        description="Train the course's pre-trained models and experiments into weights/.")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"models or experiments (default: all): {', '.join([*RECIPES, *EXPERIMENTS])}")
    parser.add_argument("--quick", action="store_true",
                        help="tiny data and one epoch, for tests (seconds, not minutes)")
    parser.add_argument("--strategy", choices=["default", "mirrored"], default="default",
                        help="'mirrored' trains on every GPU with tf.distribute.MirroredStrategy")
    parser.add_argument("--out", default=None, help="output folder (default: weights/)")
    args = parser.parse_args(argv)
    names = args.names or [EXPERIMENTS[0], *RECIPES, *EXPERIMENTS[1:]]
    unknown = [n for n in names if n not in RECIPES and n not in EXPERIMENTS]
    if unknown:
        parser.error(f"unknown name(s) {', '.join(unknown)}; choose from {', '.join([*RECIPES, *EXPERIMENTS])}")
    env.configure(gpu=args.strategy == "mirrored")
    strategy = None
    if args.strategy == "mirrored":
        import tensorflow as tf

        strategy = tf.distribute.MirroredStrategy()
    folder = Path(args.out) if args.out else weights_dir()
    for i, name in enumerate(names, start=1):
        label = f"[{i}/{len(names)}] {name}"
        if name in RECIPES:
            train_model(name, folder, quick=args.quick, strategy=strategy, label=label)
        else:
            print(label, flush=True)
            run_experiment(name, folder, quick=args.quick)


if __name__ == "__main__":
    main()
