"""Benchmarks: notebook run time and memory, model accuracy against a bag-of-words baseline,
GloVe loading speed — measured on this machine, written to ``benchmarks/``.

``python -m rnncourse.bench``                 measure everything (``make bench``, about 15 minutes
                                              on 2 cores), write ``benchmarks/results.json`` and
                                              ``benchmarks/RESULTS.md``, refresh the README table
``python -m rnncourse.bench --only glove``    measure some sections (notebooks, models, baseline,
                                              glove), merged into the existing results
``python -m rnncourse.bench --readme``        rewrite the README table from ``results.json``
``python -m rnncourse.bench --check-readme``  exit 1 when the README table or ``RESULTS.md`` is
                                              stale against ``results.json`` (for CI)

Nothing is skipped silently: a notebook or model that is expected but absent, or that fails,
is reported as such. How each figure is measured is written into ``RESULTS.md``.
"""

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from .fileio import write_bytes_atomic
from .paths import repo_root

SECTIONS = ("notebooks", "glove", "baseline", "models")
REPEATS = 3
NOTEBOOK_TIMEOUT = 600
#: The lesson notebooks the course ships (any other ``notebooks/NN_*.ipynb`` is measured too).
EXPECTED_NOTEBOOKS = (
    "00_sentiment_task.ipynb",
    "01_vanishing_exploding_gradients.ipynb",
    "02_gru_lstm_cells.ipynb",
    "03_embedding_layer.ipynb",
)
LIMITS = {"notebook_seconds": 90.0, "notebook_peak_bytes": 3 * 10**9, "glove_ratio": 1.0}
BATCH_SIZE = 256
README_START, README_END = "<!-- bench:start -->", "<!-- bench:end -->"
LIBRARIES = ("tensorflow", "keras", "numpy", "pandas", "pyarrow", "scikit-learn", "nbclient",
             "ipykernel", "psutil")
GB = 10**9


def results_dir():
    return repo_root() / "benchmarks"


# ----------------------------------------------------------------------------- measuring helpers

def summarize(values):
    """``{"median", "min", "max"}`` of a list of numbers (rounded to 3 decimals)."""
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3),
            "max": round(max(values), 3)}


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
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True)
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
    """In a child process: execute the notebook (``rnncourse.notebooks.execute``) and write
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
    Path(report).write_text(json.dumps({
        "seconds": seconds,
        "kernel_peak_rss": children_max_rss(),
        "tree_peak_rss": poller.peak,
    }))
    return 0


def run_notebook(path, timeout=NOTEBOOK_TIMEOUT):
    """One top-to-bottom run of the notebook in a fresh kernel, started from a fresh process.

    Returns ``{"seconds", "peak_rss"}``: the execution time that ``rnncourse.notebooks.execute``
    reports (kernel start to last cell) and the kernel's peak resident memory — the larger of
    its ``ru_maxrss`` (exact peak of the largest process the runner waited for, i.e. the
    kernel) and the peak of its whole process tree polled every 50 ms. Raises ``RuntimeError``
    with the end of the output when the notebook fails.
    """
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        returncode, output = run_command([sys.executable, "-m", "rnncourse.bench", "--execute-notebook",
                                          str(path), "--report", str(report)], timeout=timeout)
        measured = json.loads(report.read_text()) if report.is_file() else {}
        if returncode != 0 or "error" in measured or "seconds" not in measured:
            if returncode is None:
                raise RuntimeError(f"timed out after {timeout} s")
            tail = output.strip().splitlines()[-1:] or ["(no output)"]
            raise RuntimeError(measured.get("error") or f"exit status {returncode}: {tail[0][:300]}")
    return {"seconds": round(measured["seconds"], 2),
            "peak_rss": int(max(measured["kernel_peak_rss"], measured["tree_peak_rss"]))}


def notebook_paths(folder=None, expected=EXPECTED_NOTEBOOKS):
    """``[(name, path or None)]``: the expected lesson notebooks (``None`` when absent) and any
    other lesson notebook found, in course order."""
    from .notebooks import lesson_notebooks

    found = {p.name: p for p in (sorted(Path(folder).glob("[0-9][0-9]_*.ipynb")) if folder
                                 else lesson_notebooks())}
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
        rows[name] = {"status": "ok", "runs": runs,
                      "seconds": summarize([r["seconds"] for r in runs]),
                      "peak_rss": int(statistics.median([r["peak_rss"] for r in runs])),
                      "peak_rss_max": max(r["peak_rss"] for r in runs)}
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
    return ({name: {"seconds": summarize(walls[name]), "cpu_seconds": summarize(cpus[name]),
                    "median_exact": statistics.median(walls[name])} for name in names}, last)


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

    from .glove import GloveVectors

    frame = pandas_read_glove(path)
    return GloveVectors(frame[0].tolist(), frame.iloc[:, 1:].to_numpy(np.float32))


def measure_glove(path=None, repeats=REPEATS, reference=None):
    """The project's reader vs ``pandas.read_csv`` on the same GloVe text file, interleaved in
    one run; the reader on one thread too; and loading the bundled arrays.

    ``reference`` (a ``GloveVectors``, default the bundled ones) is what the reader must return
    exactly; ``path`` defaults to the 400,000-line file written from the bundled vectors.
    """
    import numpy as np

    from . import glove

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
        "file": path.name, "bytes": path.stat().st_size, "lines": len(read), "dim": read.dim,
        **timings,
        "ratio": round(exact["pandas"] / exact["reader"], 2),
        "ratio_1_thread": round(exact["pandas"] / exact["reader_1_thread"], 2),
        "ratio_same_result": round(exact["pandas_glove_vectors"] / exact["reader"], 2),
        "reader_threads": _reader_threads(),
        "pandas_rows": int(len(frame)),
        "matches_reference": bool(read.words == list(reference.words)
                                  and np.array_equal(read.vectors, np.asarray(reference.vectors))),
        "bundled_seconds": summarize(bundled_timing),
        "bundled_read_all_seconds": round(materialize, 3),
    }


def _reader_threads():
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min(4, cpus or 1)


def evaluate_predictions(predict, x, y, batch_size=BATCH_SIZE):
    """Accuracy and inference throughput of ``predict(x, batch_size)`` (probabilities of the
    positive class). A first call on one full and one partial batch warms up tracing; the
    timed call then predicts all of ``x``. Returns ``{"accuracy", "reviews_per_second",
    "predict_seconds", "n"}``."""
    import numpy as np

    remainder = len(x) % batch_size
    warm = min(len(x), batch_size + remainder)  # traces the full and the last, partial batch
    predict(x[:warm], batch_size)
    probabilities, seconds, _ = timed(predict, x, batch_size)
    predicted = np.asarray(probabilities).reshape(-1) > 0.5
    return {"accuracy": round(float(np.mean(predicted == (np.asarray(y).reshape(-1) > 0.5))), 4),
            "reviews_per_second": round(len(x) / seconds, 1), "predict_seconds": round(seconds, 2),
            "n": int(len(x))}


def measure_models(names=None, log=print):
    """Every shipped model of ``rnncourse.models.RECIPES``: held-out accuracy on the bundled
    test split, seconds per training epoch (from the manifest) and reviews/s at batch 256.
    A model without a manifest entry or with unusable weights is reported, not skipped."""
    import keras

    from . import weights
    from .data import imdb_arrays
    from .models import RECIPES
    from .paths import weights_dir

    try:
        shipped = weights.manifest()["models"]
    except weights.WeightsError as error:
        shipped, manifest_error = {}, str(error)
    else:
        manifest_error = None
    weights_folder = weights_dir().name
    rows, cache = {}, {}
    for name in names or list(RECIPES) + sorted(set(shipped) - set(RECIPES)):
        recipe = RECIPES.get(name)
        if name not in shipped or recipe is None:
            error = ("not a model of rnncourse.models.RECIPES" if recipe is None
                     else manifest_error or f"not in {weights_folder}/manifest.json")
            rows[name] = {"status": "missing", "error": error}
            log(f"  {name}: MISSING ({rows[name]['error']})")
            continue
        entry = shipped[name]
        row = {"lesson": recipe.lesson, "quick": bool(entry.get("quick", False)),
               "manifest_test_accuracy": entry.get("test_accuracy"),
               "seconds_per_epoch": entry.get("seconds_per_epoch"),
               "epochs_run": entry.get("epochs_run", entry.get("epochs")),
               "params": entry.get("architecture", {}).get("params")}
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
        row.update(evaluate_predictions(
            lambda x, batch: model.predict(x, batch_size=batch, verbose=0), x_test, y_test))
        rows[name] = {**row, "status": "ok"}
        log(f"  {name}: accuracy {row['accuracy']:.4f}, {row['reviews_per_second']:.0f} reviews/s")
        del model
        keras.backend.clear_session()
    return rows


def measure_baseline():
    """TF-IDF (1-2-grams) + logistic regression, trained and scored in this run."""
    from .baseline import tfidf_baseline

    result, seconds, _ = timed(tfidf_baseline)
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
    return {"cpu": cpu, "cores": os.cpu_count(), "usable_cores": usable,
            "memory_gb": round(psutil.virtual_memory().total / GB, 1),
            "system": f"{platform.system()} {platform.release()}",
            "python": platform.python_version(), "versions": versions}


def _load():
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None


# ----------------------------------------------------------------------------- targets and views

def targets(results):
    """The issue's four targets, each ``{"measured", "limit", "met"}``; ``met`` is ``None`` (not
    measured) when the section it needs is absent from ``results`` or failed."""
    out = {name: {"measured": None, "limit": limit, "met": None} for name, limit in
           (("notebook_seconds", LIMITS["notebook_seconds"]), ("notebook_peak_bytes", LIMITS["notebook_peak_bytes"]),
            ("best_model_vs_baseline", None), ("glove_ratio", LIMITS["glove_ratio"]))}
    notebooks = results.get("notebooks")
    if notebooks:
        ok = {n: r for n, r in notebooks.items() if r["status"] == "ok"}
        everyone = len(ok) == len(notebooks)  # a missing or failing notebook misses the target
        slowest = max(ok, key=lambda n: ok[n]["seconds"]["median"], default=None)
        largest = max(ok, key=lambda n: ok[n]["peak_rss"], default=None)
        seconds = ok[slowest]["seconds"]["median"] if ok else None
        peak = ok[largest]["peak_rss"] if ok else None
        out["notebook_seconds"].update(measured=seconds, notebook=slowest,
                                       met=everyone and seconds <= LIMITS["notebook_seconds"])
        out["notebook_peak_bytes"].update(measured=peak, notebook=largest,
                                          met=everyone and peak <= LIMITS["notebook_peak_bytes"])
    models, baseline = results.get("models"), results.get("baseline")
    if baseline is not None:
        out["best_model_vs_baseline"]["limit"] = baseline["test_accuracy"]
    if models is not None and baseline is not None:
        ok = {n: r for n, r in models.items() if r["status"] == "ok"}
        best = max(ok, key=lambda n: ok[n]["accuracy"], default=None)
        out["best_model_vs_baseline"].update(
            measured=ok[best]["accuracy"] if ok else None, model=best,
            met=ok[best]["accuracy"] >= baseline["test_accuracy"] if ok else False)
    glove = results.get("glove")
    if glove is not None:
        out["glove_ratio"].update(measured=glove["ratio"], met=glove["ratio"] >= LIMITS["glove_ratio"])
    return out


TARGET_LABELS = {
    "notebook_seconds": "every notebook ≤ 90 s",
    "notebook_peak_bytes": "every notebook ≤ 3 GB",
    "best_model_vs_baseline": "best model ≥ baseline",
    "glove_ratio": "GloVe reader ≥ pandas speed",
}


def _met(target):
    return {True: "met", False: "**not met**", None: "not measured"}[target["met"]]


def _gb(value):
    return f"{value / GB:.2f} GB"


def render_readme_block(results):
    """The README's benchmark table (markdown, without the markers), from ``results``."""
    goals = targets(results)
    lines = ["| Measure | Measured | Target |", "| --- | --- | --- |"]
    for name, row in results.get("notebooks", {}).items():
        if row["status"] == "ok":
            lines.append(f"| `{name}` top to bottom (median of {len(row['runs'])}) | "
                         f"{row['seconds']['median']:.1f} s, {_gb(row['peak_rss'])} peak | "
                         f"≤ {LIMITS['notebook_seconds']:.0f} s, ≤ {_gb(LIMITS['notebook_peak_bytes'])} |")
        else:
            lines.append(f"| `{name}` top to bottom | {row['status'].upper()} | "
                         f"≤ {LIMITS['notebook_seconds']:.0f} s, ≤ {_gb(LIMITS['notebook_peak_bytes'])} |")
    if "models" in results and "baseline" in results:
        goal = goals["best_model_vs_baseline"]
        quick = " (stand-in weights)" if goal["model"] and results["models"][goal["model"]]["quick"] else ""
        measured = f"{goal['measured']:.4f} (`{goal['model']}`{quick})" if goal["model"] else "no model"
        lines.append(f"| Best model, accuracy on the 5,000 test reviews | {measured} | "
                     f"≥ TF-IDF + logistic regression {goal['limit']:.4f} |")
    if "glove" in results:
        glove = results["glove"]
        lines.append(f"| GloVe 50d text ({glove['lines']:,} lines): project reader vs `pandas.read_csv` | "
                     f"{glove['ratio']:.2f}× ({glove['reader']['seconds']['median']:.2f} s vs "
                     f"{glove['pandas']['seconds']['median']:.2f} s) | ≥ 1.00× |")
        lines.append(f"| Bundled GloVe arrays, load (checksums verified) | "
                     f"{glove['bundled_seconds']['median']:.2f} s | — |")
    for name, section in results.get("sections", {}).items():
        if section.get("error"):
            lines.append(f"| {name} | FAILED: {section['error'][:120]} | — |")
    verdicts = "; ".join(f"{TARGET_LABELS[name]}: {_met(goal)}" for name, goal in goals.items())
    where = results.get("machine", {})
    lines += ["", f"Targets — {verdicts}.",
              f"Measured by `make bench` on {where.get('cores', '?')} cores of {where.get('cpu', '?')}; "
              "every figure, per model and per notebook, and how it is measured: "
              "[benchmarks/RESULTS.md](benchmarks/RESULTS.md)."]
    return "\n".join(lines)


def replace_block(text, block, start=README_START, end=README_END):
    """``text`` with the lines between the ``start`` and ``end`` markers replaced by ``block``.

    Raises ``ValueError`` naming the markers when they are missing or out of order."""
    first, last = text.find(start), text.find(end)
    if first < 0 or last < 0 or last < first:
        raise ValueError(f"README.md needs the lines {start} and {end} (in that order) around the "
                         "benchmark table; add them where the table belongs.")
    return f"{text[:first + len(start)]}\n{block}\n{text[last:]}"


def render_results_md(results):
    """``benchmarks/RESULTS.md``: every measured figure, the targets and how they were measured."""
    out = ["# Benchmarks", "",
           "Generated by `make bench` (`python -m rnncourse.bench`) from `benchmarks/results.json`; "
           "do not edit by hand.", ""]
    where = results.get("machine")
    if where:
        versions = ", ".join(f"{k} {v}" for k, v in where["versions"].items() if v)
        out += ["## Machine", "", f"- CPU: {where['cpu']}, {where['cores']} cores, "
                f"{where['memory_gb']} GB memory; {where['system']}; Python {where['python']}",
                f"- Libraries: {versions}", ""]
    goals = targets(results)
    out += ["## Targets", "", "| Target | Measured | Limit | Result |", "| --- | --- | --- | --- |"]
    labels = {"notebook_seconds": "Slowest notebook, median run time",
              "notebook_peak_bytes": "Largest notebook peak memory",
              "best_model_vs_baseline": "Best model accuracy vs TF-IDF baseline",
              "glove_ratio": "GloVe reader speed / pandas speed"}
    formats = {"notebook_seconds": (lambda v: f"{v:.1f} s", "≤"),
               "notebook_peak_bytes": (_gb, "≤"),
               "best_model_vs_baseline": (lambda v: f"{v:.4f}", "≥"),
               "glove_ratio": (lambda v: f"{v:.2f}×", "≥")}
    for name, goal in goals.items():
        show, relation = formats[name]
        which = goal.get("notebook") or goal.get("model")
        shown = "—" if goal["measured"] is None else show(goal["measured"])
        shown += f" (`{which}`)" if which else ""
        limit = "—" if goal["limit"] is None else f"{relation} {show(goal['limit'])}"
        out.append(f"| {labels[name]} | {shown} | {limit} | {_met(goal)} |")
    out.append("")
    notebooks = results.get("notebooks")
    if notebooks is not None:
        section = results["sections"]["notebooks"]
        out += ["## Notebooks", "",
                f"Each notebook executed top to bottom {section['repeats']} times, each time in a fresh "
                "kernel started from a fresh process (`rnncourse.notebooks.execute`: kernel start to "
                "last cell). Peak memory: the larger of the kernel's `ru_maxrss` (exact peak of the "
                "largest process the runner waited for) and the summed RSS of the kernel's process "
                "tree polled every 50 ms. Median of the runs.", "",
                "| Notebook | Status | Median s | Min s | Max s | Median peak | Max peak |",
                "| --- | --- | --- | --- | --- | --- | --- |"]
        for name, row in notebooks.items():
            if row["status"] == "ok":
                s = row["seconds"]
                out.append(f"| `{name}` | ok | {s['median']:.1f} | {s['min']:.1f} | {s['max']:.1f} | "
                           f"{_gb(row['peak_rss'])} | {_gb(row['peak_rss_max'])} |")
            else:
                out.append(f"| `{name}` | **{row['status']}** | — | — | — | — | — |")
        for name, row in notebooks.items():
            if row.get("error"):
                out.append(f"\n`{name}`: {row['error']}")
        out.append("")
    models, baseline = results.get("models"), results.get("baseline")
    if models is not None:
        out += ["## Models", "",
                "Each shipped model (`rnncourse.models.RECIPES`) loaded with its verified weights "
                "(`rnncourse.weights.load_pretrained`) and re-evaluated on the bundled 5,000-review test "
                "split it was trained for (`rnncourse.data.imdb_arrays(**RECIPES[name].data)`). "
                f"Throughput: `model.predict` at batch size {BATCH_SIZE} over the whole test split after a "
                "warm-up call. Seconds per epoch: from the manifest (the training run).", "",
                "| Model | Lesson | Accuracy | Manifest accuracy | s/epoch | Epochs | Reviews/s | Weights |",
                "| --- | --- | --- | --- | --- | --- | --- | --- |"]
        for name, row in models.items():
            if row["status"] != "ok":
                out.append(f"| `{name}` | {row.get('lesson', '')} | **{row['status']}** | — | — | — | — | "
                           f"{row.get('error', '')} |")
                continue
            manifest_accuracy = row["manifest_test_accuracy"]
            manifest_accuracy = "—" if manifest_accuracy is None else f"{manifest_accuracy:.4f}"
            out.append(
                f"| `{name}` | {row['lesson']} | {row['accuracy']:.4f} | "
                f"{manifest_accuracy} | {row['seconds_per_epoch']} | {row['epochs_run']} | "
                f"{row['reviews_per_second']:.0f} | {'quick stand-in' if row['quick'] else 'trained'} |")
        out.append("")
    if baseline is not None:
        out += ["## Baseline", "",
                f"{baseline['model']}: trained on {baseline['n_train']:,} reviews "
                f"({baseline['features']:,} features) and scored on {baseline['n_test']:,} in this run — "
                f"accuracy **{baseline['test_accuracy']:.4f}**, {baseline['seconds']:.1f} s in all.", ""]
    g = results.get("glove")
    if g is not None:
        repeats = results["sections"]["glove"]["repeats"]
        out += ["## GloVe loading", "",
                f"`{g['file']}`: {g['lines']:,} lines × {g['dim']} dimensions, {g['bytes'] / 1e6:.0f} MB, "
                f"written from the bundled vectors. Readers timed in one run after a warm-up call each, "
                f"interleaved ({repeats} rounds, order alternating); wall and CPU seconds.", "",
                "| Reader | Median s | Min s | Median CPU s |", "| --- | --- | --- | --- |"]
        readers = {"reader": f"`rnncourse.glove.read_glove_text` ({g['reader_threads']} threads)",
                   "reader_1_thread": "`rnncourse.glove.read_glove_text` (1 thread)",
                   "pandas": '`pandas.read_csv(sep=" ", header=None, quoting=3, keep_default_na=False, '
                             'na_filter=False)`',
                   "pandas_glove_vectors": "the same `read_csv`, then the float32 matrix and `GloveVectors` "
                                           "(the reader's result)"}
        for key, label in readers.items():
            if key not in g:
                continue
            wall, cpu = g[key]["seconds"], g[key]["cpu_seconds"]
            out.append(f"| {label} | {wall['median']:.2f} | {wall['min']:.2f} | {cpu['median']:.2f} |")
        same = (f"; {g['ratio_same_result']:.2f}× against pandas building the same result"
                if "ratio_same_result" in g else "")
        out += ["", f"Reader speed / pandas speed (ratio of medians): **{g['ratio']:.2f}×** "
                f"({g['ratio_1_thread']:.2f}× on one thread{same}). The reader returns `GloveVectors` (float32 "
                "matrix and word index); `read_csv` returns a DataFrame. `keep_default_na=False, na_filter=False` "
                "keep words such as \"null\" and \"nan\" as words. The reader's result equals the bundled "
                f"vectors exactly: {'yes' if g['matches_reference'] else '**NO**'}; pandas read "
                f"{g['pandas_rows']:,} rows.", "",
                "Bundled arrays (`rnncourse.glove.bundled_glove()`: SHA-256 of both files, word list from "
                f"parquet, vectors memory-mapped): median {g['bundled_seconds']['median']:.2f} s; reading "
                f"every vector once more: {g['bundled_read_all_seconds']:.2f} s.", ""]
    sections = results.get("sections", {})
    if sections:
        out += ["## Runs", "", "| Section | Measured at (UTC) | Seconds | Load average (1, 5, 15 min) at start |",
                "| --- | --- | --- | --- |"]
        for name in SECTIONS:
            if name in sections:
                s = sections[name]
                load = ", ".join(f"{x:.2f}" for x in s["load_at_start"]) if s["load_at_start"] else "—"
                failed = f" — **FAILED**: {s['error']}" if s.get("error") else ""
                out.append(f"| {name}{failed} | {s['measured_at']} | {s['seconds']:.0f} | {load} |")
        if results.get("bench_seconds") is not None:
            out += ["", f"The whole `make bench` took {results['bench_seconds']:.0f} s."]
        out += ["", "Timings are wall-clock on a machine that may have been busy with other work: the load "
                "average at the start of each section shows how busy.", ""]
    return "\n".join(out)


# ----------------------------------------------------------------------------- commands

def measure(sections=SECTIONS, repeats=REPEATS, log=print):
    """Measure ``sections`` and return them as a results dict (plus ``machine`` and ``sections``)."""
    from . import env

    env.set_environment()
    results, meta = {"machine": machine()}, {}
    order = [s for s in SECTIONS if s in sections]  # notebooks first: before this process imports TF
    for name in order:
        log(f"{name}:")
        started, load = time.perf_counter(), _load()
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M")
        meta[name] = {"measured_at": stamp, "load_at_start": load, "repeats": repeats}
        try:
            if name == "notebooks":
                results[name] = measure_notebooks(repeats, log=log)
            elif name == "glove":
                results[name] = measure_glove(repeats=repeats)
                log(f"  reader {results[name]['reader']['seconds']['median']:.2f} s, pandas "
                    f"{results[name]['pandas']['seconds']['median']:.2f} s: ratio {results[name]['ratio']:.2f}")
            elif name == "baseline":
                results[name] = measure_baseline()
                log(f"  accuracy {results[name]['test_accuracy']:.4f}")
            else:
                env.configure()
                results[name] = measure_models(log=log)
        except Exception as error:  # report the section as failed, measure the others
            meta[name]["error"] = f"{type(error).__name__}: {error}"[:400]
            log(f"  FAILED: {meta[name]['error']}")
        meta[name]["seconds"] = round(time.perf_counter() - started, 1)
    results["sections"] = meta
    return results


def merge(old, new):
    """``old`` results updated with the sections measured in ``new``."""
    merged = dict(old)
    for key, value in new.items():
        if key == "sections":
            merged["sections"] = {**old.get("sections", {}), **value}
        else:
            merged[key] = value
    return merged


def write_results(results, folder=None):
    """Write ``results.json`` (in measuring order: notebooks and models in course order) and
    ``RESULTS.md`` rendered from exactly what the JSON holds."""
    folder = Path(folder or results_dir())
    text = json.dumps(results, indent=2, ensure_ascii=False) + "\n"
    write_bytes_atomic(folder / "results.json", text.encode("utf-8"))
    write_bytes_atomic(folder / "RESULTS.md", (render_results_md(json.loads(text)) + "\n").encode("utf-8"))


def load_results(folder=None):
    path = Path(folder or results_dir()) / "results.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `make bench` first.")
    return json.loads(path.read_text(encoding="utf-8"))


def update_readme(results, readme=None):
    """Rewrite the README's benchmark block from ``results``; returns whether it changed."""
    readme = Path(readme or repo_root() / "README.md")
    text = readme.read_text(encoding="utf-8")
    new = replace_block(text, render_readme_block(results))
    if new != text:
        write_bytes_atomic(readme, new.encode("utf-8"))
    return new != text


def stale_views(folder=None, readme=None):
    """Messages for each generated view that differs from ``results.json`` (empty: all fresh)."""
    folder = Path(folder or results_dir())
    readme = Path(readme or repo_root() / "README.md")
    try:
        results = load_results(folder)
    except FileNotFoundError as error:
        return [str(error)]
    problems = []
    text = readme.read_text(encoding="utf-8") if readme.is_file() else ""
    try:
        if replace_block(text, render_readme_block(results)) != text:
            problems.append(f"{readme.name}: the benchmark table is stale against {folder.name}/results.json; "
                            "run `python -m rnncourse.bench --readme`.")
    except ValueError as error:
        problems.append(str(error))
    md = folder / "RESULTS.md"
    if not md.is_file() or md.read_text(encoding="utf-8") != render_results_md(results) + "\n":
        problems.append(f"{folder.name}/RESULTS.md is stale against results.json; "
                        "run `python -m rnncourse.bench --readme`.")
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m rnncourse.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help=f"comma-separated sections to measure ({', '.join(SECTIONS)}); "
                        "merged into the existing results")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="runs per notebook and per reader")
    parser.add_argument("--readme", action="store_true",
                        help="only rewrite the README table and RESULTS.md from results.json")
    parser.add_argument("--check-readme", action="store_true",
                        help="exit 1 when the README table or RESULTS.md is stale against results.json")
    parser.add_argument("--execute-notebook", help=argparse.SUPPRESS)
    parser.add_argument("--report", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run cleanups (child kernels) on kill
    if args.execute_notebook:
        return _execute_notebook(args.execute_notebook, args.report)
    if args.check_readme:
        problems = stale_views()
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    if args.readme:
        results = load_results()
        write_results(results)
        print("README.md table " + ("updated" if update_readme(results) else "already up to date"))
        return 0
    sections = SECTIONS if not args.only else [s.strip() for s in args.only.split(",")]
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    started = time.perf_counter()
    results = measure(sections, args.repeats)
    if args.only:
        try:
            results = merge(load_results(), results)
        except FileNotFoundError:
            pass
    else:
        results["bench_seconds"] = round(time.perf_counter() - started, 1)
    write_results(results)
    results = load_results()  # the views come from the JSON as written
    print(f"wrote {results_dir() / 'results.json'} and RESULTS.md in {time.perf_counter() - started:.0f} s")
    for name, goal in targets(results).items():
        print(f"  {name}: {_met(goal).strip('*')}")
    try:
        print("README.md table " + ("updated" if update_readme(results) else "already up to date"))
    except ValueError as error:
        print(f"README.md not updated: {error}")
    failed = [name for name, section in results["sections"].items() if section.get("error")]
    if failed:
        print(f"FAILED sections: {', '.join(failed)} (see {results_dir() / 'RESULTS.md'})", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
