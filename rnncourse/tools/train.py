"""For maintainers: train the course's pre-trained models: ``python -m rnncourse.tools.train [NAME ...] [--quick]``.

For every model NAME of :data:`rnncourse.models.RECIPES` it trains the recipe (once per seed),
evaluates it on the held-out test reviews and hands the weights, the history and the manifest
entry (architecture, data, recipe, timings, held-out test accuracy, library versions;
:class:`rnncourse.manifest.RecipeEntry`) to the store, :mod:`rnncourse.tools.store`, which writes
them into ``weights/`` safely. The experiments ``long_memory`` and ``glove_curve`` and the tuned
bag-of-n-grams baselines store their results in the manifest only (and ``long_memory`` the
models lesson 02 measures); so do ``baseline_same_input`` and ``best_nbsvm`` (see :data:`EXPERIMENTS`).

``--quick`` is a smoke run (tiny data, one epoch): it writes to ``build/quick-weights/`` unless
``--out`` says otherwise, is refused for the shipped ``weights/`` and never replaces a manifest
entry of a full run.

A recipe with ``bucketed`` (``best``) trains on length-bucketed batches (:mod:`rnncourse.batching`);
its validation, test and predictions use batches sorted by length.

Keras, TensorFlow and the modules built on them (``models``, ``tasks``, ``experiments``) are
imported inside the functions that use them: :func:`main` exports :data:`rnncourse.env.SETTINGS`
first, and TensorFlow reads them only when it is first imported.
"""

import argparse
import platform
import statistics
import sys
import time
from contextlib import nullcontext
from pathlib import Path

import numpy as np

from .. import env
from ..baseline import (
    pack_probabilities,
    same_input_baseline,
    tuned_baselines,
    unpack_probabilities,
    weighted_average,
)
from ..data import BUNDLED_NPZ_SHA256, PROTOCOL, VALIDATION_FRACTION, imdb_arrays
from ..embeddings import WORD2VEC, word2vec_matrix
from ..glove import glove_matrix
from ..manifest import ExperimentModelEntry, RecipeEntry, new_entry
from ..weights import WeightsError
from . import store

EXPERIMENTS = (
    "baseline",
    "baseline_same_input",
    "long_memory",
    "glove_curve",
    "best_nbsvm",
    "char_ngram",
    "char_lm",
    "char_mixture",
)
"""Run by default in this order, ``baseline`` before the models and the rest after them:
``baseline_same_input`` (TF-IDF on ``best``'s word ids, :func:`rnncourse.baseline.same_input_baseline`)
reads ``best``'s recipe, and ``best_nbsvm`` (:func:`best_with_baseline`) the trained ``best``; ``char_ngram`` and
``char_lm`` are lesson 04's language models of review text (:mod:`rnncourse.tools.experiments`), and
``char_lm`` also stores the model ``char_gru``; ``char_mixture`` mixes the two (:func:`char_mixture`)."""
OPT_IN = ()
"""Experiments run only when named (none at present)."""
QUICK = {"n_train": 256, "n_test": 256, "seq_len": 20, "epochs": 1}


def versions():
    """Library versions that produced the weights and results: ``{"python", "tensorflow", "keras", "numpy",
    "scikit-learn"}`` (scikit-learn's liblinear fits the baselines, whose choice of ``C`` can turn on one
    validation review)."""
    import keras
    import sklearn
    import tensorflow

    return {
        "python": platform.python_version(),
        "tensorflow": tensorflow.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
    }


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


def _predict(model, x, bucketed):
    """``model``'s probabilities for the rows of ``x`` in their order (batches sorted by length when
    ``bucketed``)."""
    from .. import batching

    return batching.predict(model, x, 256) if bucketed else model.predict(x, batch_size=256, verbose=0)


def _fit_once(recipe, arrays, epochs, seed, matrix, strategy, label, quick_seq_len):
    """One seeded training run of ``recipe``: ``(model, history record, seconds, s/epoch, test loss,
    test accuracy)``; the validation data is the last 10 % of the training arrays (the slice Keras's
    ``validation_split`` holds out, see :func:`_validation_slice`). A ``bucketed`` recipe trains on
    length-bucketed batches (:mod:`rnncourse.batching`, ordered by ``seed``), the same validation slice."""
    import keras

    from .. import batching

    (x_train, y_train), (x_test, y_test) = arrays
    bucketed = recipe.bucketed
    keras.utils.set_random_seed(seed)
    scope = strategy.scope() if strategy is not None else nullcontext()
    with scope:
        model = recipe.build(embedding_matrix=matrix, seq_len=quick_seq_len)
    progress = Progress(label, epochs)
    callbacks = [progress.callback]
    if recipe.patience:
        callbacks.append(
            keras.callbacks.EarlyStopping("val_accuracy", patience=recipe.patience, restore_best_weights=True)
        )
    started = time.time()
    if bucketed:
        held_out = _validation_slice(len(x_train))
        fit = slice(0, held_out.start)
        history = model.fit(
            batching.dataset(x_train[fit], y_train[fit], recipe.batch_size, seed=seed),
            validation_data=batching.dataset(x_train[held_out], y_train[held_out], 256),
            epochs=epochs,
            callbacks=callbacks,
            verbose=0,
            shuffle=False,
        )
    else:
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
    if bucketed:
        test_loss, test_accuracy = model.evaluate(batching.dataset(x_test, y_test, 256), verbose=0)
    else:
        test_loss, test_accuracy = model.evaluate(x_test, y_test, batch_size=256, verbose=0)
    if matrix is not None and not recipe.kwargs.get("trainable", True):
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
    from ..models import RECIPES, architecture

    recipe = RECIPES[name]
    spec, train_arrays, test_arrays = _arrays(recipe, quick)
    epochs = QUICK["epochs"] if quick else recipe.epochs
    seeds = tuple(recipe.seeds) or (seed,)
    if quick:
        seeds = seeds[:2]  # a seeded recipe's smoke run still trains two seeds and their ensemble
    matrix = glove_matrix(spec["num_words"]) if recipe.glove else None
    fit_rows = slice(0, _validation_slice(len(train_arrays[0])).start)  # word2vec reads these reviews only
    quick_seq_len = spec["seq_len"] if quick else None
    runs, chosen, val_probabilities, test_probabilities = [], None, [], []
    validation = _validation_slice(len(train_arrays[0]))
    for run_seed in seeds:
        tag = label or name
        if recipe.word2vec:  # vectors of the fitting reviews, trained anew with each seed
            started = time.time()
            matrix = word2vec_matrix(
                train_arrays[0][fit_rows], spec["num_words"], recipe.options["wordvec_dim"], run_seed
            )
            vector_seconds = time.time() - started
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
        if recipe.word2vec:
            seconds += vector_seconds  # the word vectors are part of the training time
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
            **({"vector_seconds": round(vector_seconds, 1)} if recipe.word2vec else {}),
        }
        runs.append(run)
        if len(seeds) > 1:
            val_probabilities.append(_predict(model, train_arrays[0][validation], recipe.bucketed))
            test_probabilities.append(_predict(model, test_arrays[0], recipe.bucketed))
            print(
                f"{name} seed {run_seed}: validation accuracy {run['val_accuracy']:.4f}, "
                f"test accuracy {test_accuracy:.4f}",
                flush=True,
            )
        if chosen is None or run["val_accuracy"] > chosen[0]["val_accuracy"]:  # chosen on validation only
            chosen = (run, model.get_weights(), record, architecture(model), len(runs) - 1)
        del model
    run, trained_weights, record, model_architecture, chosen_index = chosen
    x_train, x_test = train_arrays[0], test_arrays[0]

    # A fresh model holds the trained weights without the optimizer's state: smaller files.
    clean = recipe.build(seq_len=quick_seq_len)
    clean.set_weights(trained_weights)
    seed_results = {}
    if len(seeds) > 1:
        scores = [r["test_accuracy"] for r in runs]
        seed_results = {
            "seeds": runs,
            "test_accuracy_mean": round(statistics.mean(scores), 6),
            "test_accuracy_sd": round(statistics.stdev(scores), 6),
            "ensemble": seed_ensemble(
                val_probabilities, test_probabilities, train_arrays[1][validation], test_arrays[1], seeds
            ),
            "probabilities": {
                "what": f"P(positive) of the shipped seed {run['seed']} for every validation and test review, "
                "packed by rnncourse.baseline.pack_probabilities, in the rows of imdb_arrays",
                "validation": pack_probabilities(val_probabilities[chosen_index]),
                "test": pack_probabilities(test_probabilities[chosen_index]),
            },
        }
    entry = new_entry(
        RecipeEntry,
        architecture=model_architecture,
        builder=recipe.builder.__name__,
        builder_kwargs=recipe.kwargs,
        lesson=recipe.lesson,
        data={
            "source": "bundled",
            "npz_sha256": BUNDLED_NPZ_SHA256,
            **spec,
            "n_train_used": int(len(x_train)),
            "validation_split": VALIDATION_FRACTION,
            "n_test": int(len(x_test)),
            "raw_ids": recipe.raw_ids,
            "glove": "glove.6B.50d" if recipe.glove else None,
            "word2vec": {**WORD2VEC, "trained_on": "the fitting reviews, once per seed"}
            if recipe.word2vec
            else None,
            "bucketed": recipe.bucketed,
        },
        protocol={
            **PROTOCOL,
            "epochs": (
                f"early stopping on validation accuracy, patience {recipe.patience}, best epoch kept"
                if recipe.patience
                else f"fixed: {epochs} epochs"
            ),
            "seed": ("the seed with the best validation accuracy" if len(seeds) > 1 else "one seed"),
        },
        epochs=epochs,
        epochs_run=run["epochs_run"],
        best_epoch=run["best_epoch"],
        batch_size=recipe.batch_size,
        seed=run["seed"],
        strategy=(
            {"name": type(strategy).__name__, "replicas": int(strategy.num_replicas_in_sync)}
            if strategy is not None
            else None
        ),
        quick=quick,
        train_seconds=round(sum(r["train_seconds"] for r in runs), 1),
        seconds_per_epoch=run["seconds_per_epoch"],
        val_accuracy=run["val_accuracy"],
        test_loss=run["test_loss"],
        test_accuracy=run["test_accuracy"],
        versions=versions(),
        **seed_results,
    )
    entry = store.commit_model(folder, name, clean, record, entry)
    print(
        f"{name}: test accuracy {entry['test_accuracy']:.4f} (seed {entry['seed']}), "
        f"{entry['train_seconds']:.0f}s, {Path(folder) / entry['file']}",
        flush=True,
    )
    return entry


def _save_memory_model(folder, variant, model_weights, history, quick):
    """Commit the trained ``long_memory`` model of ``variant`` (longest length, first seed) as
    ``memory_<variant>``: lesson 02 (section 8) measures the gradient that reaches step 1 in it."""
    from ..tasks import adding_model
    from . import experiments

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
    _save_experiment_model(
        folder, f"memory_{variant}", "long_memory", adding_model, kwargs, model_weights, history, quick
    )


def _save_experiment_model(folder, name, experiment, builder, kwargs, model_weights, history, quick):
    """Rebuild ``builder(**kwargs)`` with ``model_weights`` and commit it as ``name``, an entry of ``experiment``."""
    from ..models import architecture

    model = builder(**kwargs)
    model.set_weights(model_weights)
    record = {k: [round(float(v), 6) for v in values] for k, values in history.items()}
    entry = new_entry(
        ExperimentModelEntry,
        experiment=experiment,
        builder=f"{builder.__module__}.{builder.__name__}",
        builder_kwargs=kwargs,
        architecture=architecture(model),
        epochs_run=len(record["loss"]),
        quick=quick,
        versions=versions(),
    )
    store.commit_model(folder, name, model, record, entry)


def _save_char_gru(folder, seed, model_weights, history, config, quick):
    """Commit the shipped seed's character GRU of ``char_lm`` as ``char_gru`` (lesson 04 samples from it)."""
    from ..charlm import gru_language_model

    kwargs = {"units": config["units"], "embedding_dim": config["embedding_dim"]}
    _save_experiment_model(
        folder, "char_gru", "char_lm", gru_language_model, kwargs, model_weights, history, quick
    )


def char_mixture(folder, quick):
    """``char_mixture`` (:func:`rnncourse.tools.experiments.char_mixture`) on the ``char_gru`` model and the
    ``char_ngram`` record in ``folder``; both must be there already."""
    from ..charlm import gru_language_model
    from ..weights import entry, experiment, load_weights_into
    from . import experiments

    try:
        record = experiment("char_ngram", folder)
        gru = load_weights_into(
            gru_language_model(**entry("char_gru", folder)["builder_kwargs"]), "char_gru", folder
        )
    except WeightsError as error:
        raise WeightsError(
            f"{error} char_mixture needs both: python -m rnncourse.tools.train char_ngram char_lm"
        ) from None
    result = experiments.char_mixture(gru, record, quick=quick)
    result["model"] = {"name": "char_gru", "sha256": entry("char_gru", folder)["sha256"]}
    return result


def best_with_baseline(folder, baseline):
    """The ensemble of ``best``'s shipped seed and the tuned ``baseline`` (``"nbsvm"`` or ``"tfidf"``) of
    the manifest in ``folder``: their probabilities averaged with a weight chosen on the validation
    reviews (:func:`rnncourse.baseline.weighted_average`); both must be in the manifest already."""
    manifest = store.read_manifest(folder)
    model = manifest.get("models", {}).get("best", {})
    record = manifest.get("experiments", {}).get("baseline", {}).get(baseline, {})
    if "probabilities" not in model or "test_probabilities" not in record:
        raise WeightsError(
            f"{folder}: best_nbsvm needs best's and the baseline's per-review probabilities in the manifest; "
            "train them first: python -m rnncourse.tools.train baseline best"
        )
    spec = {key: model["data"][key] for key in ("num_words", "n_train", "longest")}
    (_, y_train), (_, y_test) = imdb_arrays(seq_len=1, **spec)  # the labels, in the model's rows
    y_validation = y_train[_validation_slice(len(y_train))]
    pair = lambda a, b: (unpack_probabilities(a), unpack_probabilities(b))  # noqa: E731
    result = weighted_average(
        pair(model["probabilities"]["validation"], record["validation_probabilities"]),
        pair(model["probabilities"]["test"], record["test_probabilities"]),
        y_validation,
        y_test,
    )
    result.update(
        model={"name": "best", "seed": model["seed"], "sha256": model["sha256"]},
        baseline=baseline,
        protocol=PROTOCOL,
    )
    return result


def run_experiment(name, folder, quick=False, seed=env.SEED):
    """Run ``long_memory``, ``glove_curve``, ``baseline`` or one of :data:`OPT_IN` and store its result
    in the manifest."""
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
        arrays = imdb_arrays(num_words=20000, seq_len=QUICK["seq_len"] if quick else 200)
        options = (
            {"sizes": (64, 128), "seeds": (0, 1), "n_validation": 64, **experiments.CURVE_QUICK}
            if quick
            else {}
        )
        result = experiments.glove_curve(arrays, glove_matrix(20000), **options)
    elif name == "baseline":
        # {"tfidf": {...}, "nbsvm": {...}}, each with every validation and test review's probability, packed
        result = tuned_baselines(limit=QUICK["n_train"] if quick else None, probabilities=True)
    elif name == "best_nbsvm":
        result = best_with_baseline(folder, "nbsvm")
    elif name == "char_ngram":
        result = experiments.char_ngram(quick=quick)
    elif name == "char_lm":
        result, (seed, model_weights, history) = experiments.char_lm(quick=quick)
        _save_char_gru(folder, seed, model_weights, history, result["config"], quick)
    elif name == "char_mixture":
        result = char_mixture(folder, quick)
    elif name == "baseline_same_input":
        from ..models import RECIPES

        best = RECIPES["best"]  # what best reads: its vocabulary and its truncation
        result = same_input_baseline(
            limit=QUICK["n_train"] if quick else None,
            probabilities=True,
            num_words=best.num_words,
            seq_len=best.seq_len,
        )
    else:
        raise ValueError(f"unknown experiment {name!r}; use one of {EXPERIMENTS + OPT_IN}.")
    result.update({"seconds": round(time.time() - started, 1), "quick": quick, "versions": versions()})
    if name not in (
        "long_memory",
        "glove_curve",
        "best_nbsvm",
        "char_ngram",
        "char_lm",
    ):  # these record their own seeds
        result["seed"] = seed
    store.commit_experiment(folder, name, result)
    print(f"{name}: done in {result['seconds']:.0f}s", flush=True)
    return result


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    env.set_environment(gpu="mirrored" in argv)
    from ..models import RECIPES

    parser = argparse.ArgumentParser(
        prog="python -m rnncourse.tools.train",
        description="Train the course's pre-trained models and experiments into weights/.",
    )
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"models or experiments (default: all): {', '.join([*RECIPES, *EXPERIMENTS])}; run only "
        f"when named: {', '.join(OPT_IN) or 'none'}",
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
    unknown = [n for n in names if n not in RECIPES and n not in EXPERIMENTS + OPT_IN]
    if unknown:
        parser.error(
            f"unknown name(s) {', '.join(unknown)}; choose from {', '.join([*RECIPES, *EXPERIMENTS, *OPT_IN])}"
        )
    try:
        folder = store.output_folder(args.out, args.quick)
        if folder.is_dir():
            store.refuse_quick_over_full(store.read_manifest(folder), folder, names, args.quick)
            removed = store.collect_garbage(folder)
            if removed:
                print(
                    f"removed from {folder} what its manifest does not name: {', '.join(removed)}", flush=True
                )
    except (store.RefusedError, WeightsError) as error:
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
