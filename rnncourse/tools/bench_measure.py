"""For maintainers: the measurements behind ``make bench`` — notebook time and memory, model
accuracy on the held-out reviews, GloVe reading speed against ``pandas.read_csv``, the machine.

Each ``measure_*`` function returns plain JSON-ready data; ``rnncourse.tools.bench`` runs them and
``rnncourse.tools.bench_report`` renders what they return.
"""

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from importlib import metadata
from pathlib import Path

REPEATS = 3
NOTEBOOK_TIMEOUT = 600
#: The lesson notebooks the course ships (any other ``notebooks/NN_*.ipynb`` is measured too).
EXPECTED_NOTEBOOKS = (
    "00_sentiment_task.ipynb",
    "01_vanishing_exploding_gradients.ipynb",
    "02_gru_lstm_cells.ipynb",
    "03_embedding_layer.ipynb",
    "04_language_model.ipynb",
)
BATCH_SIZE = 256
#: What a manifest entry trained with several seeds adds, copied into the models section as is:
#: ``seeds`` = ``[{"seed", "val_accuracy", "test_accuracy", "best_epoch", "seconds"}, ...]``.
SEED_KEYS = ("seeds", "test_accuracy_mean", "test_accuracy_sd", "ensemble")
LIBRARIES = (
    "tensorflow",
    "keras",
    "numpy",
    "pandas",
    "pyarrow",
    "scikit-learn",
    "nbclient",
    "ipykernel",
    "psutil",
)
GB = 10**9


# ----------------------------------------------------------------------------- measuring helpers


def summarize(values):
    """``{"median", "min", "max"}`` of a list of numbers (rounded to 3 decimals)."""
    return {
        "median": round(statistics.median(values), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
    }


def _tree_rss(process):
    """Summed resident memory (bytes) of the children of ``process``, recursively."""
    import psutil

    total = 0
    for child in process.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.Error:  # exited between listing and reading
            pass
    return total


class TreeMemoryPoller:
    """Samples the summed RSS of this process's descendants every ``interval`` seconds in a
    background thread; ``peak`` is the largest sum seen. A context manager."""

    def __init__(self, interval=0.05):
        self.interval, self.peak = interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        import psutil

        me = psutil.Process()
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss(me))
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def children_max_rss():
    """Peak resident memory (bytes) of the largest descendant this process has waited for
    (``getrusage(RUSAGE_CHILDREN).ru_maxrss``; kilobytes on Linux, bytes on macOS)."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def run_command(command, timeout=NOTEBOOK_TIMEOUT):
    """Run ``command`` (a list) in its own process group, killed as a whole after ``timeout``
    seconds. Returns ``(returncode, output)``; ``returncode`` is ``None`` on a timeout."""
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        output, _ = process.communicate()
        return None, output.decode(errors="replace")
    except BaseException:  # interrupted: take the kernel down too
        os.killpg(process.pid, 9)
        raise
    return process.returncode, output.decode(errors="replace")


def _execute_notebook(path, report):
    """In a child process: execute the notebook (``rnncourse.tools.notebooks.execute``) and write
    ``{"seconds", "kernel_peak_rss", "tree_peak_rss"}`` (or ``{"error"}``) to ``report``."""
    import re

    from .notebooks import execute

    try:
        with TreeMemoryPoller() as poller:
            _, seconds = execute(path)
    except Exception as error:  # report the failing cell's error, then fail
        lines = re.sub(r"\x1b\[[0-9;]*m", "", str(error)).strip().splitlines() or [type(error).__name__]
        Path(report).write_text(json.dumps({"error": lines[-1][:300]}))
        return 1
    Path(report).write_text(
        json.dumps(
            {
                "seconds": seconds,
                "kernel_peak_rss": children_max_rss(),
                "tree_peak_rss": poller.peak,
            }
        )
    )
    return 0


def run_notebook(path, timeout=NOTEBOOK_TIMEOUT):
    """One top-to-bottom run of the notebook in a fresh kernel, started from a fresh process.

    Returns ``{"seconds", "peak_rss"}``: the execution time that ``rnncourse.tools.notebooks.execute``
    reports (kernel start to last cell) and the kernel's peak resident memory — the larger of
    its ``ru_maxrss`` (exact peak of the largest process the runner waited for, i.e. the
    kernel) and the peak of its whole process tree polled every 50 ms. Raises ``RuntimeError``
    with the end of the output when the notebook fails.
    """
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        returncode, output = run_command(
            [
                sys.executable,
                "-m",
                "rnncourse.tools.bench",
                "--execute-notebook",
                str(path),
                "--report",
                str(report),
            ],
            timeout=timeout,
        )
        measured = json.loads(report.read_text()) if report.is_file() else {}
        if returncode != 0 or "error" in measured or "seconds" not in measured:
            if returncode is None:
                raise RuntimeError(f"timed out after {timeout} s")
            tail = output.strip().splitlines()[-1:] or ["(no output)"]
            raise RuntimeError(measured.get("error") or f"exit status {returncode}: {tail[0][:300]}")
    return {
        "seconds": round(measured["seconds"], 2),
        "peak_rss": int(max(measured["kernel_peak_rss"], measured["tree_peak_rss"])),
    }


def notebook_paths(folder=None, expected=EXPECTED_NOTEBOOKS):
    """``[(name, path or None)]``: the expected lesson notebooks (``None`` when absent) and any
    other lesson notebook found, in course order."""
    from ..paths import lesson_notebooks

    found = {p.name: p for p in lesson_notebooks(folder)}
    names = sorted(set(expected) | set(found))
    return [(name, found.get(name)) for name in names]


def measure_notebooks(repeats=REPEATS, paths=None, log=print):
    """Median of ``repeats`` runs per notebook; missing and failing notebooks are reported."""
    rows = {}
    for name, path in paths if paths is not None else notebook_paths():
        if path is None:
            rows[name] = {"status": "missing"}
            log(f"  {name}: MISSING")
            continue
        runs = []
        try:
            for _ in range(repeats):
                runs.append(run_notebook(path))
                log(f"  {name}: {runs[-1]['seconds']:.1f} s, {runs[-1]['peak_rss'] / GB:.2f} GB")
        except RuntimeError as error:
            rows[name] = {"status": "failed", "error": str(error), "runs": runs}
            log(f"  {name}: FAILED {error}")
            continue
        rows[name] = {
            "status": "ok",
            "runs": runs,
            "seconds": summarize([r["seconds"] for r in runs]),
            "peak_rss": int(statistics.median([r["peak_rss"] for r in runs])),
            "peak_rss_max": max(r["peak_rss"] for r in runs),
        }
    return rows


def timed(function, *args, **kwargs):
    """``(result, wall seconds, CPU seconds of this process)`` of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def interleaved(functions, repeats=REPEATS):
    """Time each of ``functions`` (``{name: callable}``) ``repeats`` times after one untimed
    warm-up call each (imports, first-use set-up), alternating their order every round so that
    drift in machine load hits them alike.

    Returns ``({name: {"seconds": summary, "cpu_seconds": summary, "median_exact": seconds}},
    {name: last result})``.
    """
    names = list(functions)
    walls = {name: [] for name in names}
    cpus = {name: [] for name in names}
    last = {name: functions[name]() for name in names}
    for round_number in range(repeats):
        for name in names if round_number % 2 == 0 else reversed(names):
            last[name], wall, cpu = timed(functions[name])
            walls[name].append(wall)
            cpus[name].append(cpu)
    return (
        {
            name: {
                "seconds": summarize(walls[name]),
                "cpu_seconds": summarize(cpus[name]),
                "median_exact": statistics.median(walls[name]),
            }
            for name in names
        },
        last,
    )


def pandas_read_glove(path):
    """GloVe text with pandas, as practitioners do: ``read_csv(sep=" ", header=None, quoting=3)``,
    plus ``keep_default_na=False, na_filter=False`` so that words such as "null" and "nan" stay
    words."""
    import pandas as pd

    return pd.read_csv(path, sep=" ", header=None, quoting=3, keep_default_na=False, na_filter=False)


def pandas_glove_vectors(path):
    """The reader's result built with pandas: ``read_csv`` as above, then the float32 matrix and
    :class:`rnncourse.glove.GloveVectors` (words and word index) from the DataFrame."""
    import numpy as np

    from ..glove import GloveVectors

    frame = pandas_read_glove(path)
    return GloveVectors(frame[0].tolist(), frame.iloc[:, 1:].to_numpy(np.float32))


def measure_glove(path=None, repeats=REPEATS, reference=None):
    """The project's reader vs ``pandas.read_csv`` on the same GloVe text file, interleaved in
    one run; the reader on one thread too; and loading the bundled arrays.

    ``reference`` (a ``GloveVectors``, default the bundled ones) is what the reader must return
    exactly; ``path`` defaults to the 400,000-line file written from the bundled vectors.
    """
    import numpy as np

    from .. import glove

    path = Path(path or glove.glove_text_file())
    reference = glove.bundled_glove() if reference is None else reference
    readers = {
        "reader": lambda: glove.read_glove_text(path, progress=False),
        "pandas": lambda: pandas_read_glove(path),
        "reader_1_thread": lambda: glove.read_glove_text(path, progress=False, workers=1),
        "pandas_glove_vectors": lambda: pandas_glove_vectors(path),
    }
    timings, last = interleaved(readers, repeats)
    read, frame = last["reader"], last["pandas"]
    bundled, bundled_timing = None, []
    for _ in range(repeats):
        bundled, wall, _ = timed(glove.bundled_glove)
        bundled_timing.append(wall)
    _, materialize, _ = timed(np.array, bundled.vectors)
    exact = {name: timing.pop("median_exact") for name, timing in timings.items()}
    return {
        "file": path.name,
        "bytes": path.stat().st_size,
        "lines": len(read),
        "dim": read.dim,
        **timings,
        "ratio": round(exact["pandas"] / exact["reader"], 2),
        "ratio_1_thread": round(exact["pandas"] / exact["reader_1_thread"], 2),
        "ratio_same_result": round(exact["pandas_glove_vectors"] / exact["reader"], 2),
        "reader_threads": _reader_threads(),
        "pandas_rows": int(len(frame)),
        "matches_reference": bool(
            read.words == list(reference.words)
            and np.array_equal(read.vectors, np.asarray(reference.vectors))
        ),
        "bundled_seconds": summarize(bundled_timing),
        "bundled_read_all_seconds": round(materialize, 3),
    }


#: The generated stand-in for ``glove.6B.300d.txt``: its size (400,000 words × 300 values, about
#: 1 GB), values normal with sd 0.4 written with 5 decimals (``-0.12345``) like Stanford's text.
SYNTHETIC_GLOVE = {"words": 400_000, "dim": 300, "seed": 0, "sd": 0.4}


def synthetic_word(i):
    """The ``i``-th word of the generated file: ``a`` .. ``z``, ``aa``, ``ab``, ... (all distinct)."""
    letters = []
    i += 1
    while i:
        i, rest = divmod(i - 1, 26)
        letters.append(chr(97 + rest))
    return "".join(reversed(letters))


def write_synthetic_glove(path, words, dim, seed=0, sd=0.4, block_rows=5000):
    """Write a GloVe text of ``words`` lines (``word v1 ... vdim``, values formatted ``%.5f``,
    single spaces) to ``path`` atomically; the same arguments always give the same bytes.

    Built block by block with NumPy: each value takes a fixed 9-byte cell (sign, digit, point,
    5 decimals, separator) whose unused sign byte is then dropped."""
    import numpy as np

    from ..fileio import atomic_path

    rng = np.random.default_rng(seed)
    digits = np.frombuffer(b"0123456789", np.uint8)
    with atomic_path(path) as tmp, open(tmp, "wb") as out:
        for start in range(0, words, block_rows):
            rows = min(block_rows, words - start)
            names = [synthetic_word(i).encode("ascii") for i in range(start, start + rows)]
            scaled = np.rint(rng.normal(0.0, sd, (rows, dim)) * 1e5).astype(np.int64)
            scaled = np.clip(scaled, -999_999, 999_999)  # |value| < 10: one digit before the point
            size = np.abs(scaled)
            cells = np.zeros((rows, dim, 9), np.uint8)
            cells[:, :, 0] = np.where(scaled < 0, ord("-"), 0)
            cells[:, :, 1] = digits[size // 100_000]
            cells[:, :, 2] = ord(".")
            for k in range(5):
                cells[:, :, 3 + k] = digits[size // 10 ** (4 - k) % 10]
            cells[:, :, 8] = ord(" ")
            cells[:, -1, 8] = ord("\n")
            width = max(map(len, names))
            heads = np.zeros((rows, width + 1), np.uint8)
            for row, name in enumerate(names):
                heads[row, : len(name)] = np.frombuffer(name, np.uint8)
            heads[:, width] = ord(" ")
            block = np.concatenate([heads, cells.reshape(rows, -1)], axis=1).ravel()
            out.write(block[block != 0].tobytes())


def measure_glove_300d(repeats=REPEATS, words=None, dim=None, seed=None):
    """The course's cached reader (``rnncourse.glove.read_glove_cached``) against ``pandas.read_csv``
    on a generated GloVe text of the real ``glove.6B.300d.txt`` size (:data:`SYNTHETIC_GLOVE`),
    interleaved in one run: pandas; the first read (parse and write the binary cache: the cache
    is deleted before each); a repeat read (the memory-mapped cache, verified as by default);
    a repeat read with ``verify="full"`` (the vectors hashed too); the first read parsing on one
    thread (``workers=1``), which can win on a busy machine.

    The text and its cache live in a temporary folder, removed afterwards. ``words``, ``dim``,
    ``seed``: a smaller file (tests)."""
    import numpy as np

    from .. import glove

    spec = {
        **SYNTHETIC_GLOVE,
        **{k: v for k, v in (("words", words), ("dim", dim), ("seed", seed)) if v is not None},
    }
    with tempfile.TemporaryDirectory(prefix="rnncourse-glove-300d-") as folder:
        path = Path(folder) / f"glove.synthetic.{spec['dim']}d.txt"
        cache = Path(folder) / "cache"
        _, generate, _ = timed(
            write_synthetic_glove, path, spec["words"], spec["dim"], spec["seed"], spec["sd"]
        )
        files = glove._binary_cache_files(path, cache)

        def first_read(workers=None):
            for file in files.values():
                file.unlink(missing_ok=True)
            return glove.read_glove_cached(path, progress=False, cache=cache, workers=workers)

        readers = {
            "pandas": lambda: pandas_read_glove(path),
            "first_read": first_read,
            "first_read_1_thread": lambda: first_read(workers=1),
            "repeat_read": lambda: glove.read_glove_cached(path, progress=False, cache=cache),
            "repeat_read_full": lambda: glove.read_glove_cached(
                path, progress=False, cache=cache, verify="full"
            ),
        }
        timings, last = interleaved(readers, repeats)
        first, repeat = last["first_read"], last["repeat_read"]
        exact = {name: timing.pop("median_exact") for name, timing in timings.items()}
        result = {
            "file": "generated",
            **spec,
            "format": "%.5f",
            "bytes": path.stat().st_size,
            "lines": len(first),
            "generate_seconds": round(generate, 1),
            "cache_bytes": sum(files[part].stat().st_size for part in ("vectors", "words")),
            **timings,
            "first_ratio": round(exact["first_read"] / exact["pandas"], 2),
            "first_ratio_1_thread": round(exact["first_read_1_thread"] / exact["pandas"], 2),
            "reader_threads": _reader_threads(),
            "repeat_speedup": round(exact["pandas"] / exact["repeat_read"], 1),
            "repeat_full_speedup": round(exact["pandas"] / exact["repeat_read_full"], 1),
            "repeat_memory_mapped": isinstance(repeat.vectors, np.memmap),
            "pandas_rows": int(len(last["pandas"])),
            "repeat_matches_first": bool(
                repeat.words == first.words and np.array_equal(repeat.vectors, first.vectors)
            ),
        }
    return result


def _reader_threads():
    import pyarrow

    return pyarrow.cpu_count()  # the threads of pyarrow's CSV reader, the reader's fast path


def evaluate_predictions(predict, x, y, batch_size=BATCH_SIZE, per_review=False):
    """Accuracy and inference throughput of ``predict(x, batch_size)`` (probabilities of the
    positive class). A first call on one full and one partial batch warms up tracing; the
    timed call then predicts all of ``x``. Returns ``{"accuracy", "reviews_per_second",
    "predict_seconds", "n"}``; with ``per_review=True``, ``(that dict, correct)`` where ``correct``
    says review by review whether the prediction was right."""
    import numpy as np

    remainder = len(x) % batch_size
    warm = min(len(x), batch_size + remainder)  # traces the full and the last, partial batch
    predict(x[:warm], batch_size)
    probabilities, seconds, _ = timed(predict, x, batch_size)
    predicted = np.asarray(probabilities).reshape(-1) > 0.5
    correct = predicted == (np.asarray(y).reshape(-1) > 0.5)
    result = {
        "accuracy": round(float(np.mean(correct)), 4),
        "reviews_per_second": round(len(x) / seconds, 1),
        "predict_seconds": round(seconds, 2),
        "n": int(len(x)),
    }
    return (result, correct) if per_review else result


#: The pairs of shipped models the lessons compare on the same test reviews (first minus second): lesson 02's
#: Exercise III and fair comparison (the GRU against the unit-matched and the parameter-matched SimpleRNN), lesson 03's
#: Exercise VII. Each gets a paired bootstrap interval.
PAIRED_MODELS = (
    ("gru", "simple_rnn"),
    ("gru_emb", "simple_rnn_emb"),
    ("gru_emb", "simple_rnn_emb_matched"),
    ("embedding_simple_rnn", "simple_rnn"),
)


def paired_comparisons(correct, pairs=PAIRED_MODELS):
    """``{"a - b": {"difference", "low", "high", "level", "n_reviews"}}`` for every pair in ``pairs`` whose
    two models were both scored: accuracy(a) - accuracy(b) on the same reviews with its 95% paired
    bootstrap interval (:func:`rnncourse.stats.paired_difference`). ``correct`` maps a model's name to
    its per-review correctness, in the test set's order."""
    from ..stats import paired_difference

    out = {}
    for a, b in pairs:
        if a in correct and b in correct and len(correct[a]) == len(correct[b]):
            gap = paired_difference(correct[a], correct[b])
            out[f"{a} - {b}"] = {
                "difference": round(gap.difference, 4),
                "low": round(gap.low, 4),
                "high": round(gap.high, 4),
                "level": gap.level,
                "n_reviews": gap.n_reviews,
            }
    return out


def measure_models(names=None, log=print):
    """Every shipped model of ``rnncourse.models.RECIPES``: held-out accuracy on the bundled
    test split, seconds per training epoch (from the manifest) and reviews/s at batch 256, the
    manifest's per-seed test accuracies (``SEED_KEYS``) where it has them, and under ``"paired"`` the
    paired bootstrap intervals of :data:`PAIRED_MODELS` (:func:`paired_comparisons`).
    A model without a manifest entry or with unusable weights is reported, not skipped."""
    import keras

    from .. import weights
    from ..data import imdb_arrays
    from ..manifest import MANIFEST_FILE
    from ..models import RECIPES
    from ..paths import weights_dir

    try:
        shipped = weights.recipe_entries()  # models of an experiment are not IMDB models
    except weights.WeightsError as error:
        shipped, manifest_error = {}, str(error)
    else:
        manifest_error = None
    weights_folder = weights_dir().name
    rows, cache, correct = {}, {}, {}
    for name in names or list(RECIPES) + sorted(set(shipped) - set(RECIPES)):
        recipe = RECIPES.get(name)
        if name not in shipped or recipe is None:
            error = (
                "not a model of rnncourse.models.RECIPES"
                if recipe is None
                else manifest_error or f"not in {weights_folder}/{MANIFEST_FILE}"
            )
            rows[name] = {"status": "missing", "error": error}
            log(f"  {name}: MISSING ({rows[name]['error']})")
            continue
        entry = shipped[name]
        row = {
            "lesson": recipe.lesson,
            "quick": bool(entry.get("quick", False)),
            "manifest_test_accuracy": entry.get("test_accuracy"),
            **{key: entry[key] for key in SEED_KEYS if key in entry},  # per-seed results, when trained so
            "seconds_per_epoch": entry.get("seconds_per_epoch"),
            "epochs_run": entry.get("epochs_run", entry.get("epochs")),
            "params": entry.get("architecture", {}).get("params"),
        }
        try:
            model = weights.load_pretrained(name)
        except weights.WeightsError as error:
            rows[name] = {**row, "status": "missing", "error": str(error)}
            log(f"  {name}: MISSING ({error})")
            continue
        key = tuple(sorted(recipe.data.items()))
        if key not in cache:
            _, (x_test, y_test) = imdb_arrays(**recipe.data)
            cache[key] = (x_test, y_test)
        x_test, y_test = cache[key]
        if recipe.raw_ids:
            x_test = x_test[..., None].astype("float32")
        if recipe.bucketed:  # masked padding: batches sorted by length and cut to their longest, as trained
            from .. import batching

            predict = lambda x, batch, model=model: batching.predict(model, x, batch)  # noqa: E731
        else:
            predict = lambda x, batch, model=model: model.predict(x, batch_size=batch, verbose=0)  # noqa: E731
        measured, correct[name] = evaluate_predictions(
            predict,
            x_test,
            y_test,
            per_review=True,
        )
        row.update(measured)
        rows[name] = {**row, "status": "ok"}
        log(f"  {name}: accuracy {row['accuracy']:.4f}, {row['reviews_per_second']:.0f} reviews/s")
        del model
        keras.backend.clear_session()
    for pair, gap in paired_comparisons(correct).items():  # stored with the first model of the pair
        rows[pair.split(" - ")[0]].setdefault("paired", {})[pair] = gap
    return rows


#: The redraws ``measure_explorers`` times: settings of the gradient-flow explorer (each a change from
#: its defaults) and reviews of the review explorer, short to the longest a learner may paste.
EXPLORER_SETTINGS = (
    {},
    {"gain": 0.7},
    {"gain": 1.3, "activation": "linear"},
    {"activation": "relu", "input_scale": 0.01},
    {"length": 400},
    {"cell": "gru", "length": 250},
    {"cell": "lstm", "gate_bias": "chrono", "length": 400},
)
EXPLORER_REVIEWS = {
    "8 words": "A wonderful film: the acting is superb.",
    "400 words": " ".join(["the plot was dull but the acting was superb"] * 40),
    "5,000 words": " ".join(["the plot was dull but the acting was superb"] * 500),
}


def measure_explorers(repeats=REPEATS):
    """One update of each live explorer (``rnncourse.explorers``), timed ``repeats`` times per case
    after the explorer is built: ``{"gradient": {...}, "review": {...}}``, each with ``build_seconds``
    (models built, graphs traced), ``updates`` ``[{"case", "seconds": summary}]`` and ``slowest``
    (the largest median, seconds)."""
    from .. import explorers

    _, build, _ = timed(explorers.warm_up)
    gradient = [
        {
            "case": explorers.describe_settings(explorers.gradient_settings(**settings)),
            "seconds": summarize([timed(explorers.gradient_update, **settings)[1] for _ in range(repeats)]),
        }
        for settings in EXPLORER_SETTINGS
    ]
    reader, reader_build, _ = timed(explorers.ReviewReader)
    review = [
        {
            "case": case,
            "seconds": summarize([timed(explorers.review_update, reader, text)[1] for _ in range(repeats)]),
        }
        for case, text in EXPLORER_REVIEWS.items()
    ]
    return {
        name: {
            "build_seconds": round(seconds, 1),
            "updates": updates,
            "slowest": max(update["seconds"]["median"] for update in updates),
        }
        for name, seconds, updates in (("gradient", build, gradient), ("review", reader_build, review))
    }


def measure_baseline(limit=None):
    """Both tuned bag-of-n-grams baselines of ``rnncourse.baseline.tuned_baselines``, fitted and scored
    in this run: ``{"tfidf": {...}, "nbsvm": {...}, "seconds"}``. Each baseline's dict is the library's
    (``test_accuracy``, ``C`` chosen on the validation slice, ``validation_accuracy`` per C,
    ``validation``, ``selection``, ``n_*``, ``features``, ``seconds`` including the n-gram count both
    share, ``model``); ``seconds`` is the wall time of the whole call. ``limit``: quick tests only."""
    from ..baseline import tuned_baselines

    result, seconds, _ = timed(tuned_baselines, limit=limit)
    return {**result, "seconds": round(seconds, 1)}


def machine():
    """CPU model, cores, memory, Python and library versions, and the load at measuring time."""
    import psutil

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "memory_gb": round(psutil.virtual_memory().total / GB, 1),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "versions": versions,
    }


def _load():
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None
