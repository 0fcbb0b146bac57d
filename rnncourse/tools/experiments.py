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
CURVE_MAX_UPDATES = 2000
"""The budget of one run, in updates (batches), the same at every size."""
CURVE_CHECK_UPDATES = 100
"""Validate about every this many updates (and at most once an epoch)."""
CURVE_PATIENCE_UPDATES = 200
"""Stop once this many updates (and at least 2 validation checks) have passed without a new best."""
CURVE_MIN_UPDATES = 200
"""No run stops before this many updates, however small its training set."""
CURVE_QUICK = {"max_updates": 4, "check_updates": 1, "patience_updates": 2, "min_updates": 2}
"""The budget of a ``--quick`` smoke run (seconds)."""
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


def curve_schedule(
    n,
    batch=CURVE_BATCH,
    max_updates=CURVE_MAX_UPDATES,
    check_updates=CURVE_CHECK_UPDATES,
    patience_updates=CURVE_PATIENCE_UPDATES,
    min_updates=CURVE_MIN_UPDATES,
):
    """The budget of one ``glove_curve`` run on ``n`` reviews, set in updates so that every size gets
    the same: ``{"batches", "check_every", "epochs", "patience", "min_epochs"}``. ``batches`` per
    epoch; validation every ``check_every`` epochs (about ``check_updates`` updates, at least one
    epoch); at most ``epochs`` epochs (``max_updates``, rounded up to whole checks); stop once
    ``patience`` checks (``patience_updates``, at least 2) bring no new best, but never before
    ``min_epochs`` (``min_updates``)."""
    batches = -(-n // batch)
    check_every = max(1, round(check_updates / batches))
    per_check = check_every * batches
    checks = -(-max_updates // per_check)
    return {
        "batches": batches,
        "check_every": check_every,
        "epochs": checks * check_every,
        "patience": max(2, -(-patience_updates // per_check)),
        "min_epochs": min(checks, -(-min_updates // per_check)) * check_every,
    }


class _BudgetStop(keras.callbacks.Callback):
    """Early stopping on ``val_accuracy`` for validation every few epochs: keeps the best checked
    epoch's weights (restored at the end), stops after ``patience`` checks without a new best once
    ``min_epochs`` have run, and times the training part of each epoch (validation excluded)."""

    def __init__(self, patience, min_epochs):
        super().__init__()
        self.patience, self.min_epochs = patience, min_epochs

    def on_train_begin(self, logs=None):
        self.best, self.best_epoch, self.best_weights, self.wait = -1.0, 0, None, 0
        self.checked, self.train_seconds = [], 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self.started, self.timing = time.perf_counter(), True

    def on_test_begin(self, logs=None):
        if self.timing:
            self.train_seconds += time.perf_counter() - self.started
            self.timing = False

    def on_epoch_end(self, epoch, logs=None):
        if self.timing:  # no validation this epoch
            self.train_seconds += time.perf_counter() - self.started
            self.timing = False
        value = (logs or {}).get("val_accuracy")
        if value is None:
            return
        self.checked.append((epoch + 1, float(value)))
        if value > self.best:
            self.best, self.best_epoch, self.best_weights, self.wait = (
                value,
                epoch + 1,
                self.model.get_weights(),
                0,
            )
        else:
            self.wait += 1
        if self.wait >= self.patience and epoch + 1 >= self.min_epochs:
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
    batches of 64. The budget is set in updates, the same at every size (:func:`curve_schedule`):
    validation about every ``check_updates`` updates, at most ``max_updates`` updates, early stopping
    after ``patience_updates`` without a new best validation accuracy but never before
    ``min_updates``; the best checked epoch's weights are kept. The test reviews are scored once per
    run. Returns ``{"config", "runs": {variant: {n: {seed: run}}}, "mean"}``; a run is
    ``{"test_accuracy", "val_accuracy", "best_epoch", "epochs_run", "updates", "best_update",
    "at_cap", "seconds", "train_seconds_per_epoch"}`` (``at_cap``: the best check was the last one the
    budget allowed, so the budget, not the model, ended it), and ``mean[variant][n]`` is
    ``{"test_accuracy", "sd", "n"}``: the mean over the seeds and the sample sd (ddof = 1,
    :func:`rnncourse.stats.spread`) of ``n`` seeds.
    """
    (x_train, y_train), (x_test, y_test) = arrays
    x_pool, y_pool = x_train[:-n_validation], y_train[:-n_validation]
    x_val, y_val = x_train[-n_validation:], y_train[-n_validation:]
    num_words, dim = glove_matrix.shape
    budget = {
        "max_updates": max_updates,
        "check_updates": check_updates,
        "patience_updates": patience_updates,
        "min_updates": min_updates,
    }
    runs = {variant: {str(n): {} for n in sizes} for variant in CURVE_VARIANTS}
    schedules = {}
    for n in sizes:
        if n > len(x_pool):
            raise ValueError(
                f"size {n} is larger than the {len(x_pool)} training reviews outside validation."
            )
        plan = schedules[str(n)] = curve_schedule(n, **budget)
        for seed in seeds:
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
                stop = _BudgetStop(plan["patience"], plan["min_epochs"])
                started = time.time()
                history = model.fit(
                    x_pool[:n],
                    y_pool[:n],
                    epochs=plan["epochs"],
                    batch_size=CURVE_BATCH,
                    validation_data=(x_val, y_val),
                    validation_freq=plan["check_every"],
                    callbacks=[stop],
                    verbose=0,
                )
                seconds = time.time() - started
                _, accuracy = model.evaluate(x_test, y_test, verbose=0, batch_size=512)
                epochs_run = len(history.history["loss"])
                at_cap = stop.best_epoch == plan["epochs"]
                runs[variant][str(n)][str(seed)] = {
                    "test_accuracy": round(float(accuracy), 4),
                    "val_accuracy": round(stop.best, 4),
                    "best_epoch": stop.best_epoch,
                    "epochs_run": epochs_run,
                    "updates": epochs_run * plan["batches"],
                    "best_update": stop.best_epoch * plan["batches"],
                    "at_cap": at_cap,
                    "seconds": round(seconds, 1),
                    "train_seconds_per_epoch": round(stop.train_seconds / epochs_run, 3),
                }
                log(
                    f"glove_curve {variant} n={n} seed {seed}: test accuracy {accuracy:.4f} "
                    f"(best epoch {stop.best_epoch} of {epochs_run}{', at the cap' if at_cap else ''}), "
                    f"{seconds:.0f}s"
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
        **budget,
        "schedules": schedules,
        "model": f"Embedding({num_words}, {dim}) + GRU({units}) + Dense(1, sigmoid), "
        f"{x_train.shape[1]} tokens",
        "protocol": f"validation: the last {n_validation} training reviews, checked about every "
        f"{check_updates} updates (at most once an epoch); batches of {CURVE_BATCH}; at most {max_updates} "
        f"updates; early stopping on validation accuracy after {patience_updates} updates (at least 2 "
        f"checks) without a new best, never before {min_updates} updates; the best checked epoch's "
        "weights kept; test scored once per run; at_cap marks a run whose best check was the last "
        "the budget allowed",
        "variants": {
            "scratch": "embedding initialised at random, trained",
            "frozen_glove": "GloVe 6B 50d, not trained",
            "finetuned_glove": "GloVe 6B 50d, trained",
        },
    }
    return {"config": config, "runs": runs, "mean": mean}


def _seed_summary(by_seed):
    """``{"test_accuracy", "sd", "n"}`` over the runs of one point: the course's convention (sample sd, n stated)."""
    summary = spread(run["test_accuracy"] for run in by_seed.values())
    sd = None if summary.n == 1 else round(summary.sd, 4)  # one seed has no spread (JSON has no NaN)
    return {"test_accuracy": round(summary.mean, 4), "sd": sd, "n": summary.n}
