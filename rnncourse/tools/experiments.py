"""For maintainers: experiments too slow for a notebook, run by the trainer (``python -m
rnncourse.tools.train``) and stored in ``weights/manifest.json``; the lessons plot the results.

``long_memory``: the adding problem (:func:`rnncourse.tasks.adding_problem`): the target is the
sum of two marked values, the first marked in the first 10 % of the sequence, so a cell must
carry one number across about the whole length. Test MSE and accuracy (share within 0.1 of
the target) of SimpleRNN, GRU, LSTM and chrono-initialised LSTM against the length, per seed.

``glove_curve``: held-out IMDB accuracy of an embedding trained from scratch, frozen GloVe
and fine-tuned GloVe, against the number of training reviews.
"""

import time

import keras
import numpy as np

from ..models import embedding_rnn
from ..stats import spread
from ..tasks import ADDING_BASELINE_MSE, ADDING_TOLERANCE, adding_model, adding_problem

MEMORY_VARIANTS = ("simple_rnn", "gru", "lstm", "lstm_chrono")
MEMORY_LENGTHS = (50, 100, 200)
MEMORY_SEEDS = (0, 1, 2)
MEMORY_CONFIG = {
    "n_train": 6000,
    "n_val": 1000,
    "n_test": 2000,
    "epochs": 25,
    "units": 32,
    "batch_size": 64,
    "learning_rate": 3e-3,
    "patience": None,
    "stop_at": None,
}
MEMORY_QUICK = {
    "lengths": (8,),
    "seeds": (0, 1),
    "n_train": 64,
    "n_val": 32,
    "n_test": 32,
    "epochs": 1,
    "units": 4,
    "batch_size": 32,
}
TEST_SEED = 1_000_000
"""Data seed of the test sets: one fixed test set per length, the same for every run."""
CURVE_SIZES = (250, 1000, 4000, 18000)
CURVE_SEEDS = (0, 1, 2)
CURVE_VALIDATION = 2000
CURVE_BATCH = 64
CURVE_MAX_UPDATES = 3000
"""The budget of one run, in updates (batches of ``CURVE_BATCH``), the same at every size."""
CURVE_CHECK_UPDATES = 100
"""Validate every this many updates, at every size (a check is not tied to a pass over the data)."""
CURVE_PATIENCE_UPDATES = 300
"""Stop once this many updates have passed without a new best validation accuracy ..."""
CURVE_MIN_UPDATES = 300
"""... but never before this many updates, however small the training set."""
CURVE_QUICK = {"max_updates": 4, "check_updates": 2, "patience_updates": 2, "min_updates": 2}
"""The budget of a ``--quick`` smoke run."""
CURVE_VARIANTS = ("scratch", "frozen_glove", "finetuned_glove")


def _memory_model(variant, units, length, learning_rate, seed):
    """The model of one ``long_memory`` variant: ``"<cell>"`` or ``"lstm_chrono"``."""
    chrono = variant.endswith("_chrono")
    return adding_model(
        variant.removesuffix("_chrono"),
        units=units,
        chrono=chrono,
        length=length,
        learning_rate=learning_rate,
        seed=seed,
    )


class _StopAt(keras.callbacks.Callback):
    """Stop training once the validation accuracy (``val_within_0.1``) reaches ``target``."""

    def __init__(self, target):
        super().__init__()
        self.target = target

    def on_epoch_end(self, epoch, logs=None):
        if (logs or {}).get("val_within_0.1", 0.0) >= self.target:
            self.model.stop_training = True


class _EpochLog(keras.callbacks.Callback):
    def __init__(self, label, log):
        super().__init__()
        self.label, self.log = label, log

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.time()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.log(
            f"  {self.label} epoch {epoch + 1}: {time.time() - self.started:.1f}s "
            f"loss {logs.get('loss', float('nan')):.4f} val_mse {logs.get('val_loss', float('nan')):.4f} "
            f"val_within {logs.get('val_within_0.1', float('nan')):.3f}"
        )


def long_memory(
    variants=MEMORY_VARIANTS,
    lengths=None,
    seeds=None,
    quick=False,
    save=None,
    log=print,
    epoch_log=False,
    **overrides,
):
    """Train one model per variant x length x seed on the adding problem; test each on new sequences.

    ``variants``: ``"simple_rnn"``, ``"gru"``, ``"lstm"`` (Keras's forget bias 1) and
    ``"lstm_chrono"`` (chrono gate biases, ``t_max`` = length). ``overrides`` replace entries
    of :data:`MEMORY_CONFIG` (``n_train``, ``n_val``, ``n_test``, ``epochs``, ``units``,
    ``batch_size``, ``learning_rate``, ``patience``, ``stop_at``); ``quick=True`` uses the tiny sizes of
    :data:`MEMORY_QUICK` (seconds, for tests); ``lengths`` and ``seeds`` default to
    :data:`MEMORY_LENGTHS` and :data:`MEMORY_SEEDS` (quick: one short length, two seeds), and
    explicit arguments win over ``quick``. Each run sets the global seed to ``seed``,
    trains on ``n_train`` sequences (data seed ``seed``), validates on ``n_val`` (data seed
    ``seed + 1000``) after every epoch — with ``patience`` set, it stops once the validation
    MSE has not improved for that many epochs and keeps the best epoch's weights; with
    ``stop_at`` set, it stops once the validation accuracy reaches ``stop_at`` — and is
    tested on ``n_test`` sequences of data seed :data:`TEST_SEED` (one test set per length).

    ``save(variant, model)`` is called with the trained model of every variant at the
    longest length for the first seed. ``log`` receives one line per run (and per epoch
    with ``epoch_log=True``).

    Returns a JSON-ready dict: ``"config"`` (sizes, optimizer, marker placement, baseline
    MSE, citation), ``"runs"`` ``{variant: {length: {seed: run}}}`` where a run is
    ``{"test_mse", "test_accuracy", "epochs_run", "best_epoch", "seconds", "val_mse",
    "val_accuracy"}`` (the last two: validation MSE and accuracy after each epoch), and ``"mean"``
    ``{variant: {length: {"test_mse", "test_accuracy"}}}`` over the seeds. Lengths and seeds
    are string keys.
    """
    config = dict(MEMORY_CONFIG)
    defaults = MEMORY_QUICK if quick else {"lengths": MEMORY_LENGTHS, "seeds": MEMORY_SEEDS}
    lengths = defaults["lengths"] if lengths is None else lengths
    seeds = defaults["seeds"] if seeds is None else seeds
    if quick:
        config.update({k: v for k, v in MEMORY_QUICK.items() if k in config})
    unknown = set(overrides) - set(config)
    if unknown:
        raise TypeError(f"unknown long_memory settings {sorted(unknown)}; use {sorted(config)}.")
    config.update(overrides)
    unknown = set(variants) - set(MEMORY_VARIANTS)
    if unknown:
        raise ValueError(f"unknown variants {sorted(unknown)}; use {MEMORY_VARIANTS}.")
    lengths, seeds = tuple(int(n) for n in lengths), tuple(int(s) for s in seeds)
    runs = {variant: {str(length): {} for length in lengths} for variant in variants}
    for length in lengths:
        x_test, y_test = adding_problem(config["n_test"], length, TEST_SEED)
        for seed in seeds:
            x, y = adding_problem(config["n_train"], length, seed)
            x_val, y_val = adding_problem(config["n_val"], length, seed + 1000)
            for variant in variants:
                keras.utils.set_random_seed(seed)
                model = _memory_model(variant, config["units"], length, config["learning_rate"], seed)
                callbacks = [_EpochLog(f"{variant} length {length} seed {seed}", log)] if epoch_log else []
                if config["patience"]:
                    callbacks.append(
                        keras.callbacks.EarlyStopping(
                            "val_loss", patience=config["patience"], restore_best_weights=True
                        )
                    )
                if config["stop_at"] is not None:
                    callbacks.append(_StopAt(config["stop_at"]))
                started = time.time()
                history = model.fit(
                    x,
                    y,
                    epochs=config["epochs"],
                    batch_size=config["batch_size"],
                    validation_data=(x_val, y_val),
                    callbacks=callbacks,
                    verbose=0,
                    shuffle=True,
                )
                seconds = time.time() - started
                predictions = model.predict(x_test, batch_size=512, verbose=0)[:, 0]
                errors = predictions - y_test
                val_mse = [round(float(v), 5) for v in history.history["val_loss"]]
                val_accuracy = [round(float(v), 4) for v in history.history["val_within_0.1"]]
                run = {
                    "test_mse": round(float(np.mean(errors**2)), 5),
                    "test_accuracy": round(float(np.mean(np.abs(errors) <= ADDING_TOLERANCE)), 4),
                    "epochs_run": len(val_mse),
                    "best_epoch": int(np.argmin(val_mse)) + 1 if config["patience"] else len(val_mse),
                    "seconds": round(seconds, 1),
                    "val_mse": val_mse,
                    "val_accuracy": val_accuracy,
                }
                runs[variant][str(length)][str(seed)] = run
                log(
                    f"long_memory {variant} length {length} seed {seed}: test MSE {run['test_mse']:.4f}, "
                    f"accuracy {run['test_accuracy']:.3f}, {run['epochs_run']} epochs, {seconds:.0f}s"
                )
                if save is not None and length == max(lengths) and seed == seeds[0]:
                    save(variant, model)
    mean = {
        variant: {
            length: {
                key: round(float(np.mean([r[key] for r in by_seed.values()])), 5)
                for key in ("test_mse", "test_accuracy")
            }
            for length, by_seed in by_length.items()
        }
        for variant, by_length in runs.items()
    }
    config.update(
        {
            "task": "adding problem: x[t] = (value ~ U(0, 1), marker 0/1), exactly two marked steps; "
            "target = sum of the two marked values",
            "markers": "first uniform in the first max(1, length // 10) steps, second uniform in the "
            "second half (lag >= 90 % of the length)",
            "variants": list(variants),
            "lengths": list(lengths),
            "seeds": list(seeds),
            "model": f"Input((None, 2)) + cell({config['units']}) + Dense(1)",
            "optimizer": f"Adam(learning_rate={config['learning_rate']}, clipnorm=1.0)",
            "loss": "mse",
            "chrono": "lstm_chrono: forget bias log(U(1, length - 1)), input bias = -forget bias "
            "(Tallec & Ollivier 2018); lstm: Keras default, forget bias 1",
            "early_stopping": (
                f"val MSE, patience {config['patience']}, best weights restored"
                if config["patience"]
                else None
            ),
            "stop_at": (
                f"training stops once the validation accuracy reaches {config['stop_at']}"
                if config["stop_at"] is not None
                else None
            ),
            "data_seeds": "train = seed, validation = seed + 1000, test = 1000000 (same test set per length)",
            "accuracy": f"share of test sequences predicted within {ADDING_TOLERANCE} of the target",
            "baseline_mse": round(ADDING_BASELINE_MSE, 5),
            "baseline_accuracy": round(1 - (1 - ADDING_TOLERANCE) ** 2, 4),
            "baseline_note": "MSE and accuracy of always predicting 1.0 (the mean target)",
            "citation": "Hochreiter & Schmidhuber 1997, Long short-term memory (experiment 4); "
            "Le, Jaitly & Hinton 2015, arXiv:1504.00941; "
            "Tallec & Ollivier 2018, Can recurrent neural networks warp time?, ICLR",
            "quick": quick,
        }
    )
    return {"config": config, "runs": runs, "mean": mean}


def curve_stream(n, seed, updates, batch=CURVE_BATCH):
    """The training order of one ``glove_curve`` run: ``(updates, batch)`` row indices into ``n``
    reviews. Pass ``p`` over the data is ``numpy.random.default_rng([seed, p]).permutation(n)``; the
    passes follow one another and are cut every ``batch`` rows, so a batch may span two passes and
    every size gets the same number of updates whatever its passes."""
    passes = -(-updates * batch // n)
    order = np.concatenate([np.random.default_rng([seed, p]).permutation(n) for p in range(passes)])
    return order[: updates * batch].reshape(updates, batch)


class _UpdatesStop(keras.callbacks.Callback):
    """Early stopping on ``val_accuracy`` checked every ``fit`` epoch (one check = a fixed number of
    updates): keeps the best check's weights (restored at the end), stops once ``patience`` checks
    bring no new best, never before ``min_checks``, and times training (validation excluded)."""

    def __init__(self, patience, min_checks):
        super().__init__()
        self.patience, self.min_checks = patience, min_checks

    def on_train_begin(self, logs=None):
        self.best, self.best_check, self.best_weights, self.wait = -1.0, 0, None, 0
        self.train_seconds, self.timing = 0.0, False

    def on_epoch_begin(self, epoch, logs=None):
        self.started, self.timing = time.perf_counter(), True

    def on_test_begin(self, logs=None):
        if self.timing:
            self.train_seconds += time.perf_counter() - self.started
            self.timing = False

    def on_epoch_end(self, epoch, logs=None):
        value = float((logs or {})["val_accuracy"])
        if value > self.best:
            self.best, self.best_check, self.best_weights, self.wait = (
                value,
                epoch + 1,
                self.model.get_weights(),
                0,
            )
        else:
            self.wait += 1
        if self.wait >= self.patience and epoch + 1 >= self.min_checks:
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)


def glove_curve(
    arrays,
    glove_matrix,
    sizes=CURVE_SIZES,
    seeds=CURVE_SEEDS,
    n_validation=CURVE_VALIDATION,
    units=32,
    max_updates=CURVE_MAX_UPDATES,
    check_updates=CURVE_CHECK_UPDATES,
    patience_updates=CURVE_PATIENCE_UPDATES,
    min_updates=CURVE_MIN_UPDATES,
    log=print,
):
    """Held-out IMDB accuracy of an embedding trained from scratch, frozen GloVe and fine-tuned
    GloVe, against the number of training reviews, with several seeds.

    ``arrays`` is ``((x_train, y_train), (x_test, y_test))`` from ``imdb_arrays``. The last
    ``n_validation`` training reviews are a fixed validation set (the slice the tuned baselines
    use); each run trains Embedding(50d) + GRU(``units``) on the first ``n`` of the others, in
    batches of 64 drawn by :func:`curve_stream`. The budget is set in updates, the same at every
    size: validation every ``check_updates`` updates, at most ``max_updates``, early stopping once
    ``patience_updates`` bring no new best validation accuracy but never before ``min_updates``; the
    best check's weights are kept. The test reviews are scored once per run. Returns ``{"config",
    "runs": {variant: {n: {seed: run}}}, "mean"}``; a run is ``{"test_accuracy", "val_accuracy",
    "best_update", "updates", "at_cap", "seconds", "train_ms_per_update"}`` (``at_cap``: the best
    check was the last the budget allows, so the budget, not the model, ended the run), and
    ``mean[variant][n]`` is ``{"test_accuracy", "sd", "n"}``: the mean over the seeds and the sample sd
    (ddof = 1, :func:`rnncourse.stats.spread`) of ``n`` seeds.
    """
    import tensorflow as tf

    for name, value in [
        ("max_updates", max_updates),
        ("patience_updates", patience_updates),
        ("min_updates", min_updates),
    ]:
        if value % check_updates:
            raise ValueError(f"{name}={value} is not a multiple of check_updates={check_updates}.")
    (x_train, y_train), (x_test, y_test) = arrays
    x_pool, y_pool = x_train[:-n_validation], y_train[:-n_validation]
    x_val, y_val = x_train[-n_validation:], y_train[-n_validation:]
    num_words, dim = glove_matrix.shape
    checks = max_updates // check_updates
    runs = {variant: {str(n): {} for n in sizes} for variant in CURVE_VARIANTS}
    for n in sizes:
        if n > len(x_pool):
            raise ValueError(
                f"size {n} is larger than the {len(x_pool)} training reviews outside validation."
            )
        x_n, y_n = tf.constant(x_pool[:n]), tf.constant(y_pool[:n])
        for seed in seeds:
            stream = tf.data.Dataset.from_tensor_slices(curve_stream(n, seed, max_updates))
            batches = stream.map(lambda rows, x=x_n, y=y_n: (tf.gather(x, rows), tf.gather(y, rows)))
            for variant in CURVE_VARIANTS:
                keras.utils.set_random_seed(seed)
                model = embedding_rnn(
                    "gru",
                    num_words=num_words,
                    wordvec_dim=dim,
                    seq_len=x_train.shape[1],
                    units=units,
                    trainable=variant != "frozen_glove",
                    embedding_matrix=None if variant == "scratch" else glove_matrix,
                    name=f"curve_{variant}",
                )
                stop = _UpdatesStop(patience_updates // check_updates, min_updates // check_updates)
                started = time.time()
                history = model.fit(
                    batches,
                    epochs=checks,
                    steps_per_epoch=check_updates,
                    validation_data=(x_val, y_val),
                    validation_batch_size=512,
                    shuffle=False,  # the stream is already in its seeded order
                    callbacks=[stop],
                    verbose=0,
                )
                seconds = time.time() - started
                _, accuracy = model.evaluate(x_test, y_test, verbose=0, batch_size=512)
                run_checks = len(history.history["loss"])
                at_cap = stop.best_check == checks
                runs[variant][str(n)][str(seed)] = {
                    "test_accuracy": round(float(accuracy), 4),
                    "val_accuracy": round(stop.best, 4),
                    "best_update": stop.best_check * check_updates,
                    "updates": run_checks * check_updates,
                    "at_cap": at_cap,
                    "seconds": round(seconds, 1),
                    "train_ms_per_update": round(1000 * stop.train_seconds / (run_checks * check_updates), 1),
                }
                log(
                    f"glove_curve {variant} n={n} seed {seed}: test accuracy {accuracy:.4f} (best at update "
                    f"{stop.best_check * check_updates} of {run_checks * check_updates}"
                    f"{', at the cap' if at_cap else ''}), {seconds:.0f}s"
                )
    mean = {
        variant: {n: _seed_summary(by_seed) for n, by_seed in by_size.items()}
        for variant, by_size in runs.items()
    }
    config = {
        "sizes": list(sizes),
        "seeds": list(seeds),
        "n_validation": n_validation,
        "units": units,
        "batch_size": CURVE_BATCH,
        "max_updates": max_updates,
        "check_updates": check_updates,
        "patience_updates": patience_updates,
        "min_updates": min_updates,
        "model": f"Embedding({num_words}, {dim}) + GRU({units}) + Dense(1, sigmoid), "
        f"{x_train.shape[1]} tokens",
        "protocol": f"validation: the last {n_validation} training reviews, checked every {check_updates} "
        f"updates; batches of {CURVE_BATCH}, passes over the data reshuffled and run back to back; at most "
        f"{max_updates} updates; early stopping once {patience_updates} updates bring no new best validation "
        f"accuracy, never before {min_updates} updates; the best check's weights kept; test scored once per run; "
        "at_cap marks a run whose best check was the last the budget allows",
        "variants": {
            "scratch": "embedding initialised at random, trained",
            "frozen_glove": "GloVe 6B 50d, not trained",
            "finetuned_glove": "GloVe 6B 50d, trained",
        },
        "timing": "train_ms_per_update: training time per update (validation excluded), "
        "measured on the machine that ran the experiment",
    }
    return {"config": config, "runs": runs, "mean": mean}


def _seed_summary(by_seed):
    """``{"test_accuracy", "sd", "n"}`` over the runs of one point: the course's convention (sample sd, n stated)."""
    summary = spread(run["test_accuracy"] for run in by_seed.values())
    sd = None if summary.n == 1 else round(summary.sd, 4)  # one seed has no spread (JSON has no NaN)
    return {"test_accuracy": round(summary.mean, 4), "sd": sd, "n": summary.n}
