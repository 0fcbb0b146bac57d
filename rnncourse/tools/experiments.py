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


LM_SEEDS = (0, 1, 2)
LM_CONFIG = {
    "units": 256,
    "embedding_dim": 32,
    "learning_rate": 3e-3,
    "batch_size": 32,
    "epochs": 20,
    "patience": 2,
}
LM_QUICK = {"fit_reviews": 64, "seeds": (0, 1), "epochs": 1, "max_order": 3, "validation": 32}
NGRAM_ORDERS = 16
NGRAM_DISCOUNTS = (0.6, 0.7, 0.8, 0.9, 0.95, 0.98)


def _rounded(values, digits=4):
    return [round(float(v), digits) for v in np.ravel(values)]


def char_ngram(quick=False, log=print):
    """Lesson 04's n-gram baseline (:class:`rnncourse.charlm.KneserNey`): every order up to
    :data:`NGRAM_ORDERS` and every discount of :data:`NGRAM_DISCOUNTS` scored on the validation reviews in
    bits per character; the best pair scored once on the held-out reviews, review by review."""
    from .. import charlm

    fit_reviews, max_order = (
        (LM_QUICK["fit_reviews"], LM_QUICK["max_order"]) if quick else (charlm.FIT_REVIEWS, NGRAM_ORDERS)
    )
    splits = _lm_splits(fit_reviews, quick)
    model = charlm.KneserNey(splits["fit"], max_order)
    grid = {}
    for discount in NGRAM_DISCOUNTS:
        probabilities = model.probabilities(splits["validation"], discount)
        grid[str(discount)] = _rounded(
            charlm.bits_per_character(probabilities.reshape(max_order, -1), axis=1)
        )
    discount, order = min(
        ((d, o) for d in NGRAM_DISCOUNTS for o in range(1, max_order + 1)),
        key=lambda pair: (grid[str(pair[0])][pair[1] - 1], pair[1]),
    )
    heldout = model.probabilities(splits["heldout"], discount)[order - 1]
    record = {
        "model": "interpolated Kneser-Ney (Chen & Goodman 1999), one discount for every order",
        "orders": list(range(1, max_order + 1)),
        "discounts": list(NGRAM_DISCOUNTS),
        "validation_bpc": grid,
        "order": order,
        "discount": discount,
        "heldout_bpc": round(float(charlm.bits_per_character(heldout)), 4),
        "heldout_review_bpc": _rounded(charlm.bits_per_character(heldout, axis=1)),
        "config": _lm_config(splits, quick),
    }
    log(f"char_ngram: order {order}, discount {discount}, held-out {record['heldout_bpc']} bpc")
    return record


def _lm_splits(fit_reviews, quick):
    from .. import charlm

    splits = charlm.lm_splits(fit_reviews)
    if quick:
        splits = {k: v[: LM_QUICK["validation"]] if k != "fit" else v for k, v in splits.items()}
    return splits


def _lm_config(splits, quick):
    """What lesson 04's two experiments share: the task, the alphabet, the reviews and the protocol."""
    from .. import charlm

    return {
        "task": f"predict each of the first {charlm.TEXT_LENGTH} characters of a review (lower-cased) from "
        "the characters before it in the same review, the first from a start marker",
        "alphabet": charlm.ALPHABET,
        "vocab_size": charlm.VOCAB_SIZE,
        "fit_reviews": int(len(splits["fit"])),
        "validation_reviews": int(len(splits["validation"])),
        "heldout_reviews": int(len(splits["heldout"])),
        "protocol": "fit on the first fitting reviews of the IMDB protocol (training split); every choice "
        "(n-gram order and discount, epoch, seed) on the first half of its validation reviews; the second "
        "half, the held-out reviews, scored once; the test reviews never read",
        "quick": quick,
    }


def char_lm(quick=False, log=print):
    """Lesson 04's character GRU (:func:`rnncourse.charlm.gru_language_model`), trained with every seed of
    :data:`LM_SEEDS` (epoch by early stopping on validation; the shipped seed the best on validation) and
    scored once on the held-out reviews, in bits per character, review by review.

    Returns ``(record, shipped)``: the JSON-ready record and ``(seed, weights, history)`` of the shipped seed.
    """
    from .. import charlm

    config = dict(LM_CONFIG)
    fit_reviews, seeds = charlm.FIT_REVIEWS, LM_SEEDS
    if quick:
        config["epochs"] = LM_QUICK["epochs"]
        fit_reviews, seeds = LM_QUICK["fit_reviews"], LM_QUICK["seeds"]
    splits = _lm_splits(fit_reviews, quick)

    runs, trained = {}, {}
    x, y = splits["fit"][:, :-1], splits["fit"][:, 1:]
    validation = (splits["validation"][:, :-1], splits["validation"][:, 1:])
    for seed in seeds:
        keras.utils.set_random_seed(seed)
        model = charlm.gru_language_model(
            config["units"], config["embedding_dim"], learning_rate=config["learning_rate"]
        )
        stop = keras.callbacks.EarlyStopping(
            "val_loss", patience=config["patience"], restore_best_weights=True
        )
        started = time.time()
        epoch_log = keras.callbacks.LambdaCallback(
            on_epoch_end=lambda epoch, logs, seed=seed, started=started: log(
                f"  char_gru seed {seed} epoch {epoch + 1}: {time.time() - started:.0f}s, training "
                f"{logs['loss'] / np.log(2):.4f} bpc, validation {logs['val_loss'] / np.log(2):.4f} bpc"
            )
        )
        history = model.fit(
            x,
            y,
            batch_size=config["batch_size"],
            epochs=config["epochs"],
            validation_data=validation,
            callbacks=[stop, epoch_log],
            verbose=0,
            shuffle=True,
        )
        seconds = time.time() - started
        val_bpc = [v / np.log(2) for v in history.history["val_loss"]]
        heldout = charlm.model_probabilities(model, splits["heldout"])
        runs[str(seed)] = {
            "val_bpc": _rounded(val_bpc),
            "train_bpc": _rounded(np.array(history.history["loss"]) / np.log(2)),
            "best_epoch": int(np.argmin(val_bpc)) + 1,
            "epochs_run": len(val_bpc),
            "best_val_bpc": round(float(min(val_bpc)), 4),
            "heldout_bpc": round(float(charlm.bits_per_character(heldout)), 4),
            "heldout_review_bpc": _rounded(charlm.bits_per_character(heldout, axis=1)),
            "seconds": round(seconds, 1),
            "seconds_per_epoch": round(seconds / len(val_bpc), 1),
        }
        trained[seed] = (model.get_weights(), history.history)
        log(
            f"char_lm GRU seed {seed}: validation {runs[str(seed)]['best_val_bpc']} bpc at epoch "
            f"{runs[str(seed)]['best_epoch']}/{len(val_bpc)}, held-out {runs[str(seed)]['heldout_bpc']}, {seconds:.0f}s"
        )
    shipped = min(seeds, key=lambda s: (runs[str(s)]["best_val_bpc"], s))
    summary = spread(run["heldout_bpc"] for run in runs.values())
    config.update(
        _lm_config(splits, quick),
        model=f"Embedding({charlm.VOCAB_SIZE}, {config['embedding_dim']}) + GRU({config['units']}, "
        f"return_sequences=True) + Dense({charlm.VOCAB_SIZE})",
        optimizer=f"Adam(learning_rate={config['learning_rate']}, clipnorm=1.0)",
        early_stopping=f"validation loss, patience {config['patience']}, best epoch kept",
        seeds=list(seeds),
    )
    record = {
        "config": config,
        "runs": runs,
        "shipped_seed": shipped,
        "heldout_bpc_mean": round(summary.mean, 4),
        "heldout_bpc_sd": None if summary.n == 1 else round(summary.sd, 4),
    }
    return record, (shipped, *trained[shipped])


MIXTURE_WEIGHTS = tuple(round(0.05 * i, 2) for i in range(21))


def char_mixture(gru, ngram_record, quick=False):
    """The shipped character GRU and the chosen Kneser-Ney model of ``ngram_record`` (``char_ngram``'s),
    mixed: ``w * P_gru + (1 - w) * P_ngram`` for each character (Mikolov et al. 2011 interpolate a recurrent
    language model with a Kneser-Ney one the same way). ``w`` is chosen on the validation reviews among
    :data:`MIXTURE_WEIGHTS`; the mixture is scored once on the held-out reviews, review by review."""
    from .. import charlm

    fit_reviews = LM_QUICK["fit_reviews"] if quick else charlm.FIT_REVIEWS
    splits = _lm_splits(fit_reviews, quick)
    order, discount = ngram_record["order"], ngram_record["discount"]
    ngram = charlm.KneserNey(splits["fit"], order)
    both = {
        name: (charlm.model_probabilities(gru, splits[name]), ngram.probabilities(splits[name], discount)[-1])
        for name in ("validation", "heldout")
    }
    validation = {
        str(w): round(float(charlm.bits_per_character(w * a + (1 - w) * b)), 4)
        for w in MIXTURE_WEIGHTS
        for a, b in [both["validation"]]
    }
    weight = min(MIXTURE_WEIGHTS, key=lambda w: (validation[str(w)], w))
    gru_p, ngram_p = both["heldout"]
    mixed = weight * gru_p + (1 - weight) * ngram_p
    return {
        "counts_only": _ngram_pair(splits, order, discount, both["validation"][1], ngram_p, quick),
        "rule": "w * P(GRU) + (1 - w) * P(n-gram) for every character; w chosen on the validation reviews",
        "ngram": {"order": order, "discount": discount},
        "weights": list(MIXTURE_WEIGHTS),
        "validation_bpc": validation,
        "weight": weight,
        "heldout_bpc": round(float(charlm.bits_per_character(mixed)), 4),
        "heldout_review_bpc": _rounded(charlm.bits_per_character(mixed, axis=1)),
        "citation": "Mikolov, Deoras, Kombrink, Burget & Cernocky 2011, Empirical evaluation and combination of "
        "advanced language modeling techniques, Interspeech",
    }


def _ngram_pair(splits, order, discount, chosen_validation, chosen_heldout, quick):
    """The control for :func:`char_mixture`: the chosen n-gram model mixed with a second Kneser-Ney model
    (any other order and discount of the grid) instead of the GRU, the partner and the weight chosen on
    validation in the same way; scored once on the held-out reviews."""
    from .. import charlm

    max_order = LM_QUICK["max_order"] if quick else NGRAM_ORDERS
    counts = charlm.KneserNey(splits["fit"], max_order)
    best = None
    for partner_discount in NGRAM_DISCOUNTS:
        partners = counts.probabilities(splits["validation"], partner_discount)
        for partner_order in range(1, max_order + 1):
            if (partner_order, partner_discount) == (order, discount):
                continue
            for w in MIXTURE_WEIGHTS[1:-1]:  # a true mixture: both models weigh
                bpc = float(
                    charlm.bits_per_character(w * partners[partner_order - 1] + (1 - w) * chosen_validation)
                )
                if best is None or bpc < best[0]:
                    best = (bpc, partner_order, partner_discount, w)
    bpc, partner_order, partner_discount, w = best
    partner = counts.probabilities(splits["heldout"], partner_discount)[partner_order - 1]
    mixed = w * partner + (1 - w) * chosen_heldout
    return {
        "rule": "w * P(second n-gram model) + (1 - w) * P(chosen n-gram model); the partner's order and "
        "discount and w chosen on the validation reviews",
        "partner": {"order": partner_order, "discount": partner_discount},
        "weight": w,
        "validation_bpc": round(bpc, 4),
        "heldout_bpc": round(float(charlm.bits_per_character(mixed)), 4),
        "heldout_review_bpc": _rounded(charlm.bits_per_character(mixed, axis=1)),
    }
