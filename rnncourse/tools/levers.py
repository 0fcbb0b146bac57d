"""For maintainers: the levers of ``best``'s recipe, measured on validation only:
``python -m rnncourse.tools.levers [NAME ...] [--results FILE]``, then ``--commit FILE ...``.

Each lever changes one setting of :data:`BASE` (the masked ``best`` on length-bucketed batches,
:mod:`rnncourse.batching`) and trains it once, with seed :data:`SEED`, on the first 18,000 training
reviews; the other 2,000 (the validation reviews of every shipped model) score every epoch. No test
review is read. Each run records its validation accuracy per epoch, its best epoch and whether that
was the cap, the best within the first 10 epochs (the shipped recipe's cap: the run is the same until
then), checkpoint averages (the mean of the weights of the best epoch and the one or two before it),
and its time per epoch. The results file is rewritten atomically after every run, and a lever
already in it with the same settings is not trained again.

``--commit`` stores the results files' levers in the manifest of ``weights/`` as the experiment record
``best_levers`` (through :mod:`rnncourse.tools.store`), where the lessons read them. Two results files can
be measured at once, each by its own process with one thread (``TF_NUM_INTRAOP_THREADS=1``, recorded).

``word2vec`` vectors are trained with gensim's ``Word2Vec`` (skip-gram, one worker: deterministic)
on the 18,000 fitting reviews only, as word-id tokens.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from .. import env
from ..embeddings import WORD2VEC, word2vec_matrix
from ..fileio import write_json_atomic
from ..paths import repo_root

SEED = 42
BASE = {
    "num_words": 20000,
    "seq_len": 400,
    "units": 64,
    "wordvec_dim": 50,
    "vectors": "glove",
    "spatial_dropout": 0.2,
    "dropout": 0.3,
    "masked": True,
    "bucketed": True,
    "epochs": 20,
    "patience": 2,
    "batch_size": 128,
}
LEVERS = {
    "base": {},
    "length_600": {"seq_len": 600},
    "length_1000": {"seq_len": 1000},
    "vocabulary_40000": {"num_words": 40000},
    "word2vec_50": {"vectors": "word2vec"},
    "word2vec_100": {"vectors": "word2vec", "wordvec_dim": 100},
    "spatial_dropout_0.4": {"spatial_dropout": 0.4},
    "unmasked_fixed": {"masked": False, "bucketed": False},
}
SHIPPED_CAP = 10


def settings(name):
    return {**BASE, **LEVERS[name]}


def _matrix(config, x_fit):
    from ..glove import glove_matrix

    if config["vectors"] == "glove":
        if config["wordvec_dim"] != 50:
            raise ValueError("GloVe vectors here are 50d")
        return glove_matrix(config["num_words"])
    if config["vectors"] == "word2vec":
        return word2vec_matrix(x_fit, config["num_words"], config["wordvec_dim"], SEED)
    return None


def _accuracy(model, x, y, bucketed):
    from .. import batching

    p = batching.predict(model, x, 256) if bucketed else model.predict(x, batch_size=256, verbose=0)
    return float(np.mean((np.ravel(p) > 0.5) == (np.ravel(y) > 0.5)))


def run_lever(name):
    import keras

    from .. import batching
    from ..data import VALIDATION_FRACTION, imdb_arrays
    from ..models import best

    config = settings(name)
    (x, y), _ = imdb_arrays(num_words=config["num_words"], seq_len=config["seq_len"])
    cut = int(len(x) * (1 - VALIDATION_FRACTION))
    x_fit, y_fit, x_val, y_val = x[:cut], y[:cut], x[cut:], y[cut:]
    started = time.time()
    matrix = _matrix(config, x_fit)
    vector_seconds = time.time() - started
    keras.utils.set_random_seed(SEED)
    model = best(
        num_words=config["num_words"],
        wordvec_dim=config["wordvec_dim"],
        seq_len=None if config["bucketed"] else config["seq_len"],
        units=config["units"],
        embedding_matrix=matrix,
        masked=config["masked"],
        spatial_dropout=config["spatial_dropout"],
        dropout=config["dropout"],
    )
    snapshots, seconds, history = [], [], {"loss": [], "accuracy": [], "val_accuracy": []}
    stale = 0
    if config["bucketed"]:
        train = batching.dataset(x_fit, y_fit, config["batch_size"], seed=SEED)
    for epoch in range(config["epochs"]):
        t0 = time.time()
        if config["bucketed"]:
            fit = model.fit(train, epochs=epoch + 1, initial_epoch=epoch, verbose=0, shuffle=False)
        else:
            fit = model.fit(
                x_fit,
                y_fit,
                batch_size=config["batch_size"],
                epochs=epoch + 1,
                initial_epoch=epoch,
                verbose=0,
                shuffle=True,
            )
        seconds.append(round(time.time() - t0, 1))
        val = _accuracy(model, x_val, y_val, config["bucketed"])
        history["loss"].append(round(float(fit.history["loss"][-1]), 6))
        history["accuracy"].append(round(float(fit.history["accuracy"][-1]), 6))
        history["val_accuracy"].append(round(val, 6))
        snapshots.append(model.get_weights())
        print(
            f"{name} epoch {epoch + 1}: {seconds[-1]:.0f}s loss {history['loss'][-1]:.4f} val {val:.4f}",
            flush=True,
        )
        if val > max(history["val_accuracy"][:-1], default=-1):
            stale = 0
        else:
            stale += 1
            if stale >= config["patience"]:
                break
    vals = history["val_accuracy"]
    best_epoch = int(np.argmax(vals)) + 1
    averages = {}
    for k in (2, 3):
        if best_epoch >= k:
            group = snapshots[best_epoch - k : best_epoch]
            model.set_weights([np.mean(ws, axis=0) for ws in zip(*group)])
            averages[f"last_{k}_to_best"] = round(_accuracy(model, x_val, y_val, config["bucketed"]), 6)
    within = vals[:SHIPPED_CAP]
    return {
        "settings": config,
        "seed": SEED,
        "history": history,
        "best_epoch": best_epoch,
        "val_accuracy": vals[best_epoch - 1],
        "epochs_run": len(vals),
        "at_cap": best_epoch == config["epochs"],
        f"cap_{SHIPPED_CAP}": {
            "best_epoch": int(np.argmax(within)) + 1,
            "val_accuracy": max(within),
            "at_cap": int(np.argmax(within)) + 1 == SHIPPED_CAP,
        },
        "checkpoint_averages": averages,
        "seconds_per_epoch": seconds,
        "vector_seconds": round(vector_seconds, 1),
        "n_fit": int(cut),
        "n_validation": int(len(x) - cut),
    }


def manifest_record(results):
    """The manifest record of the measured ``results`` ``{lever: run}``."""
    import os

    from .train import versions

    return {
        "levers": results,
        "base": BASE,
        "changes": {name: LEVERS[name] for name in results},
        "seed": SEED,
        "word2vec": WORD2VEC,
        "rule": "one setting changed from base at a time; one seed; validation only, the test reviews never read",
        "threads": int(os.environ.get("TF_NUM_INTRAOP_THREADS", "0")),
        "seconds": round(
            sum(sum(run["seconds_per_epoch"]) + run["vector_seconds"] for run in results.values()), 1
        ),
        "quick": False,
        "versions": versions(),
    }


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    env.set_environment()
    parser = argparse.ArgumentParser(
        prog="python -m rnncourse.tools.levers", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"levers (default: all): {', '.join(LEVERS)}"
    )
    parser.add_argument("--results", default=str(repo_root() / "benchmarks" / "best_levers.json"))
    parser.add_argument("--commit", nargs="+", metavar="FILE", help="store these results files in weights/")
    args = parser.parse_args(argv)
    if args.commit:
        from ..paths import weights_dir
        from . import store

        results = {}
        for file in args.commit:
            results.update(json.loads(Path(file).read_text()))
        results = {name: results[name] for name in LEVERS if name in results}
        store.commit_experiment(weights_dir(), "best_levers", manifest_record(results))
        print(f"best_levers: {len(results)} levers stored in {weights_dir()}", flush=True)
        return
    unknown = [n for n in args.names if n not in LEVERS]
    if unknown:
        parser.error(f"unknown lever(s) {', '.join(unknown)}; choose from {', '.join(LEVERS)}")
    env.configure()
    path = Path(args.results)
    for name in args.names or list(LEVERS):
        results = json.loads(path.read_text()) if path.exists() else {}
        if name in results and results[name]["settings"] == settings(name):
            print(f"{name}: already measured", flush=True)
            continue
        record = run_lever(name)
        results = json.loads(path.read_text()) if path.exists() else {}
        results[name] = record
        write_json_atomic(path, results)
        print(f"{name}: validation {record['val_accuracy']:.4f} at epoch {record['best_epoch']}", flush=True)


if __name__ == "__main__":
    main()
