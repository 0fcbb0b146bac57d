"""For maintainers: ``benchmarks/results.json`` rendered into ``benchmarks/RESULTS.md`` and the
README's benchmark table, the targets they report (the best RNN against the tuned TF-IDF baseline,
NBSVM as the stretch; the GloVe reader at 1.5× ``pandas.read_csv``; on a 300d file of the real size, the
cached reader's first read within 1.2× of ``pandas.read_csv`` and its repeat read 10× faster; every
live-explorer update within 1 s),
and the staleness check CI runs.

Rendering reads only the results JSON; nothing here measures.
"""

import json
from pathlib import Path

from ..fileio import write_bytes_atomic
from ..paths import repo_root
from ..stats import spread
from .bench_measure import BATCH_SIZE, GB

SECTIONS = ("notebooks", "glove", "glove_300d", "baseline", "models", "explorers")
LIMITS = {
    "notebook_seconds": 90.0,
    "notebook_peak_bytes": 3 * GB,
    "glove_ratio": 1.5,
    "glove_300d_first_ratio": 1.2,
    "glove_300d_repeat_speedup": 10.0,
    "explorer_update_seconds": 1.0,
}
#: The live explorers of ``rnncourse.explorers``, as the ``explorers`` section names them.
EXPLORERS = {"gradient": "gradient flow (lesson 01)", "review": "review (lesson 03)"}
#: The tuned baselines of ``rnncourse.baseline.tuned_baselines`` the best RNN is held against: the
#: target (TF-IDF), then the stretch (NBSVM).
BASELINES = {
    "tfidf": "TF-IDF (1–2-grams) + logistic regression",
    "nbsvm": "NBSVM (NB-weighted 1–3-grams + logistic regression)",
}
README_START, README_END = "<!-- bench:start -->", "<!-- bench:end -->"


def results_dir():
    return repo_root() / "benchmarks"


# ----------------------------------------------------------------------------- targets and views


def baselines(results):
    """The tuned baselines of the ``baseline`` section, ``{"tfidf": {...}, "nbsvm": {...}}``, or ``None``
    when it was not measured. Raises ``ValueError`` for a section in the old shape (one untuned baseline)."""
    section = results.get("baseline")
    if section is None:
        return None
    missing = [name for name in BASELINES if name not in section]
    if missing:
        raise ValueError(
            f"the baseline section of results.json lacks the tuned {' and '.join(missing)} "
            "baseline (measured by an older bench); run "
            "`python -m rnncourse.tools.bench --only baseline`."
        )
    return {name: section[name] for name in BASELINES}


def rnn_score(row):
    """``(score, seeds, sd)`` of a measured model: the mean test accuracy over the manifest's seeds
    (and their sd) when it records two or more, else the re-evaluated accuracy of the shipped
    weights, one seed (``sd`` ``None``)."""
    seeds = row.get("seeds") or []
    if len(seeds) >= 2:
        summary = spread(
            seed["test_accuracy"] for seed in seeds
        )  # sample sd (ddof = 1), the course's convention
        mean = row.get("test_accuracy_mean", summary.mean)
        sd = row.get("test_accuracy_sd", summary.sd)
        return mean, summary.n, sd
    return row["accuracy"], 1, None


#: The RNN held against the baselines: the course's reference model, fixed in advance (picking the
#: model with the highest test accuracy would select on the test set).
REFERENCE_MODEL = "best"


def targets(results):
    """The targets, each ``{"measured", "limit", "met"}``; ``met`` is ``None`` (not measured) when a
    section it needs is absent from ``results`` or failed. The reference RNN (:data:`REFERENCE_MODEL`,
    scored by :func:`rnn_score`) is held against the tuned TF-IDF baseline and, as a stretch, NBSVM."""
    out = {
        name: {"measured": None, "limit": limit, "met": None}
        for name, limit in (
            ("notebook_seconds", LIMITS["notebook_seconds"]),
            ("notebook_peak_bytes", LIMITS["notebook_peak_bytes"]),
            ("best_rnn_vs_tfidf", None),
            ("best_rnn_vs_nbsvm", None),
            ("glove_ratio", LIMITS["glove_ratio"]),
            ("glove_300d_first_ratio", LIMITS["glove_300d_first_ratio"]),
            ("glove_300d_repeat_speedup", LIMITS["glove_300d_repeat_speedup"]),
            ("explorer_update_seconds", LIMITS["explorer_update_seconds"]),
        )
    }
    notebooks = results.get("notebooks")
    if notebooks:
        ok = {n: r for n, r in notebooks.items() if r["status"] == "ok"}
        everyone = len(ok) == len(notebooks)  # a missing or failing notebook misses the target
        slowest = max(ok, key=lambda n: ok[n]["seconds"]["median"], default=None)
        largest = max(ok, key=lambda n: ok[n]["peak_rss"], default=None)
        seconds = ok[slowest]["seconds"]["median"] if ok else None
        peak = ok[largest]["peak_rss"] if ok else None
        out["notebook_seconds"].update(
            measured=seconds, notebook=slowest, met=everyone and seconds <= LIMITS["notebook_seconds"]
        )
        out["notebook_peak_bytes"].update(
            measured=peak, notebook=largest, met=everyone and peak <= LIMITS["notebook_peak_bytes"]
        )
    models, tuned = results.get("models"), baselines(results)
    if tuned is not None:
        row = (models or {}).get(REFERENCE_MODEL)
        best = REFERENCE_MODEL if row is not None and row["status"] == "ok" else None
        for name, key in (("best_rnn_vs_tfidf", "tfidf"), ("best_rnn_vs_nbsvm", "nbsvm")):
            goal, limit = out[name], tuned[key]["test_accuracy"]
            goal.update(limit=limit, baseline=key)
            if models is not None and best is None:
                goal.update(model=None, met=False)
            elif best is not None:
                score, seeds, sd = rnn_score(row)
                goal.update(
                    measured=score,
                    model=best,
                    seeds=seeds,
                    sd=sd,
                    shipped_accuracy=row["accuracy"],
                    quick=row["quick"],
                    met=score >= limit,
                )
                if row.get("ensemble"):
                    goal["ensemble"] = row["ensemble"]["test_accuracy"]
    glove = results.get("glove")
    if glove is not None:
        out["glove_ratio"].update(measured=glove["ratio"], met=glove["ratio"] >= LIMITS["glove_ratio"])
    large = results.get("glove_300d")
    if large is not None:
        first, repeat = large["first_ratio"], large["repeat_speedup"]
        out["glove_300d_first_ratio"].update(measured=first, met=first <= LIMITS["glove_300d_first_ratio"])
        out["glove_300d_repeat_speedup"].update(
            measured=repeat, met=repeat >= LIMITS["glove_300d_repeat_speedup"]
        )
    explorers = results.get("explorers")
    if explorers is not None:
        slowest = max(EXPLORERS, key=lambda name: explorers[name]["slowest"])
        seconds = explorers[slowest]["slowest"]
        out["explorer_update_seconds"].update(
            measured=seconds, explorer=slowest, met=seconds <= LIMITS["explorer_update_seconds"]
        )
    return out


TARGET_LABELS = {
    "notebook_seconds": f"every notebook ≤ {LIMITS['notebook_seconds']:.0f} s",
    "notebook_peak_bytes": f"every notebook ≤ {LIMITS['notebook_peak_bytes'] / GB:.0f} GB",
    "best_rnn_vs_tfidf": "best RNN ≥ tuned TF-IDF baseline",
    "best_rnn_vs_nbsvm": "stretch, best RNN ≥ tuned NBSVM",
    "glove_ratio": f"GloVe reader ≥ {LIMITS['glove_ratio']:g}× pandas speed",
    "glove_300d_first_ratio": f"GloVe 300d first read ≤ {LIMITS['glove_300d_first_ratio']:g}× pandas time",
    "glove_300d_repeat_speedup": f"GloVe 300d repeat read ≥ {LIMITS['glove_300d_repeat_speedup']:g}× "
    "faster than pandas",
    "explorer_update_seconds": f"every explorer update ≤ {LIMITS['explorer_update_seconds']:g} s",
}


def _met(target):
    return {True: "met", False: "**not met**", None: "not measured"}[target["met"]]


def _gb(value):
    return f"{value / GB:.2f} GB"


def _seeds(goal):
    """ "one seed" or "mean ± sd of N seeds"."""
    return "one seed" if goal["seeds"] == 1 else f"mean ± sd of {goal['seeds']} seeds"


def _rnn_measured(goal):
    """The best RNN's test accuracy as the views show it: the mean ± sd over seeds, or the one run."""
    if goal.get("model") is None:
        return "no model"
    stand_in = ", stand-in weights" if goal["quick"] else ""
    if goal["seeds"] == 1:
        return f"{goal['measured']:.4f} (`{goal['model']}`, one seed, re-evaluated{stand_in})"
    return (
        f"{goal['measured']:.4f} ± {goal['sd']:.4f} (`{goal['model']}`, {_seeds(goal)}; shipped weights "
        f"re-evaluated: {goal['shipped_accuracy']:.4f}{stand_in})"
    )


def _verdict(name, goal):
    label = TARGET_LABELS[name]
    if name.startswith("best_rnn") and goal.get("model"):
        label += f" ({_seeds(goal)})"
    return f"{label}: {_met(goal)}"


def _section_machine(results, name):
    """ "N cores of CPU" that measured section ``name`` (the results' ``machine`` when not recorded)."""
    meta = results.get("sections", {}).get(name) or {}
    where = meta if "cpu" in meta else results.get("machine", {})
    return f"{where.get('cores', '?')} cores of {where.get('cpu', '?')}"


def _rnn_sentence(goal, stretch):
    """One sentence saying, with the numbers, whether the reference RNN reaches the tuned baselines."""
    if goal.get("model") is None or goal["measured"] is None:
        return ""
    which = f"{_seeds(goal).replace('mean ± sd of', 'mean over')}" if goal["seeds"] > 1 else "one seed"
    verb = "reaches" if goal["met"] else "does not reach"
    text = (
        f"`{goal['model']}` {verb} the tuned TF-IDF baseline: {goal['measured']:.4f} ({which}) against "
        f"{goal['limit']:.4f}, {100 * (goal['measured'] - goal['limit']):+.2f} points, and "
        f"{100 * (goal['measured'] - stretch['limit']):+.2f} points against NBSVM"
    )
    if goal.get("sd") and abs(goal["measured"] - goal["limit"]) < goal["sd"]:
        text += (
            f" (the gap to TF-IDF is smaller than the seeds' sd, {goal['sd']:.4f}: level with it, not above or "
            "below it)"
        )
    if goal.get("ensemble") is not None:
        text += (
            f"; the ensemble of its seeds scores {goal['ensemble']:.4f} "
            f"({100 * (goal['ensemble'] - goal['limit']):+.2f} points against TF-IDF)"
        )
    return text + ". Lessons 0 and 3 show every seed and discuss why."


def render_readme_block(results):
    """The README's benchmark table (markdown, without the markers), from ``results``."""
    goals = targets(results)
    lines = ["| Measure | Measured | Target |", "| --- | --- | --- |"]
    for name, row in results.get("notebooks", {}).items():
        if row["status"] == "ok":
            lines.append(
                f"| `{name}` top to bottom (median of {len(row['runs'])}) | "
                f"{row['seconds']['median']:.1f} s, {_gb(row['peak_rss'])} peak | "
                f"≤ {LIMITS['notebook_seconds']:.0f} s, ≤ {_gb(LIMITS['notebook_peak_bytes'])} |"
            )
        else:
            lines.append(
                f"| `{name}` top to bottom | {row['status'].upper()} | "
                f"≤ {LIMITS['notebook_seconds']:.0f} s, ≤ {_gb(LIMITS['notebook_peak_bytes'])} |"
            )
    tuned = baselines(results)
    if tuned is not None:
        for key, label in BASELINES.items():
            b = tuned[key]
            lines.append(
                f"| Tuned baseline {label}, C = {b['C']:g} chosen on {b['n_validation']:,} validation "
                f"reviews: accuracy on the {b['n_test']:,} test reviews | {b['test_accuracy']:.4f} "
                f"({b['seconds']:.1f} s) | — |"
            )
        if "models" in results:
            goal, stretch = goals["best_rnn_vs_tfidf"], goals["best_rnn_vs_nbsvm"]
            lines.append(
                f"| Best RNN, accuracy on the {tuned['tfidf']['n_test']:,} test reviews | "
                f"{_rnn_measured(goal)} | ≥ tuned TF-IDF {goal['limit']:.4f}; "
                f"stretch: ≥ NBSVM {stretch['limit']:.4f} |"
            )
            if goal.get("ensemble") is not None:
                lines.append(
                    f"| Ensemble of `{goal['model']}`'s {goal['seeds']} seeds (mean probability), "
                    f"its own row, not the target | {goal['ensemble']:.4f} | — |"
                )
    if "glove" in results:
        glove = results["glove"]
        lines.append(
            f"| GloVe 50d text ({glove['lines']:,} lines): project reader vs `pandas.read_csv` | "
            f"{glove['ratio']:.2f}× ({glove['reader']['seconds']['median']:.2f} s vs "
            f"{glove['pandas']['seconds']['median']:.2f} s) | ≥ {LIMITS['glove_ratio']:.2f}× |"
        )
        lines.append(
            f"| Bundled GloVe arrays, load (checksums verified) | "
            f"{glove['bundled_seconds']['median']:.2f} s | — |"
        )
    if "glove_300d" in results:
        large = results["glove_300d"]
        pandas = large["pandas"]["seconds"]["median"]
        what = (
            f"GloVe {large['dim']}d text (generated, {large['lines']:,} lines, {large['bytes'] / GB:.2f} GB)"
        )
        lines.append(
            f"| {what}: cached reader's first read (parse, write the cache) / `pandas.read_csv` | "
            f"{large['first_ratio']:.2f}× ({large['first_read']['seconds']['median']:.2f} s vs {pandas:.2f} s; "
            f"parsing on one thread: {large['first_ratio_1_thread']:.2f}×) | "
            f"≤ {LIMITS['glove_300d_first_ratio']:.2f}× |"
        )
        lines.append(
            f"| {what}: repeat read (memory-mapped cache, verified) vs `pandas.read_csv` | "
            f"{large['repeat_speedup']:.1f}× faster ({large['repeat_read']['seconds']['median']:.3f} s; "
            f"hashing the vectors too: {large['repeat_read_full']['seconds']['median']:.2f} s) | "
            f"≥ {LIMITS['glove_300d_repeat_speedup']:g}× |"
        )
    if "explorers" in results:
        slowest = " / ".join(f"{results['explorers'][name]['slowest']:.2f} s" for name in EXPLORERS)
        lines.append(
            f"| Live explorers, one update (slowest case; {' / '.join(EXPLORERS.values())}) | "
            f"{slowest} | ≤ {LIMITS['explorer_update_seconds']:g} s |"
        )
    for name, section in results.get("sections", {}).items():
        if section.get("error"):
            lines.append(f"| {name} | FAILED: {section['error'][:120]} | — |")
    verdicts = "; ".join(_verdict(name, goal) for name, goal in goals.items())
    machines = {}
    for name in (s for s in SECTIONS if s in results.get("sections", {})):
        machines.setdefault(_section_machine(results, name), []).append(name)
    if len(machines) > 1:
        where = " and ".join(f"{machine} ({', '.join(names)})" for machine, names in machines.items())
    else:
        where = next(iter(machines), None) or _section_machine(results, None)
    lines += ["", f"Targets — {verdicts}."]
    comparison = _rnn_sentence(goals["best_rnn_vs_tfidf"], goals["best_rnn_vs_nbsvm"])
    if comparison:
        lines.append(comparison)
    lines += [
        f"Measured by `make bench` on {where}; "
        "every figure, per model and per notebook, and how it is measured: "
        "[benchmarks/RESULTS.md](benchmarks/RESULTS.md)."
    ]
    return "\n".join(lines)


def replace_block(text, block, start=README_START, end=README_END):
    """``text`` with the lines between the ``start`` and ``end`` markers replaced by ``block``.

    Raises ``ValueError`` naming the markers when they are missing or out of order."""
    first, last = text.find(start), text.find(end)
    if first < 0 or last < 0 or last < first:
        raise ValueError(
            f"README.md needs the lines {start} and {end} (in that order) around the "
            "benchmark table; add them where the table belongs."
        )
    return f"{text[: first + len(start)]}\n{block}\n{text[last:]}"


def _cell(value, form="{}"):
    return "—" if value is None else form.format(value)


def render_results_md(results):
    """``benchmarks/RESULTS.md``: every measured figure, the targets and how they were measured."""
    out = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`python -m rnncourse.tools.bench`) from `benchmarks/results.json`; "
        "do not edit by hand.",
        "",
    ]
    where = results.get("machine")
    if where:
        versions = ", ".join(f"{k} {v}" for k, v in where["versions"].items() if v)
        out += [
            "## Machine",
            "",
            "The machine of the latest measurement (each section's machine: see Runs).",
            "",
            f"- CPU: {where['cpu']}, {where['cores']} cores, "
            f"{where['memory_gb']} GB memory; {where['system']}; Python {where['python']}",
            f"- Libraries: {versions}",
            "",
        ]
    goals = targets(results)
    out += ["## Targets", "", "| Target | Measured | Limit | Result |", "| --- | --- | --- | --- |"]
    labels = {
        "notebook_seconds": "Slowest notebook, median run time",
        "notebook_peak_bytes": "Largest notebook peak memory",
        "best_rnn_vs_tfidf": "Best RNN test accuracy vs tuned TF-IDF baseline",
        "best_rnn_vs_nbsvm": "Stretch: best RNN test accuracy vs tuned NBSVM",
        "glove_ratio": "GloVe reader speed / pandas speed",
        "glove_300d_first_ratio": "GloVe 300d (generated): first read time / pandas time",
        "glove_300d_repeat_speedup": "GloVe 300d (generated): pandas time / repeat read time",
        "explorer_update_seconds": "Slowest live-explorer update, median",
    }
    formats = {
        "notebook_seconds": (lambda v: f"{v:.1f} s", "≤"),
        "notebook_peak_bytes": (_gb, "≤"),
        "best_rnn_vs_tfidf": (lambda v: f"{v:.4f}", "≥"),
        "best_rnn_vs_nbsvm": (lambda v: f"{v:.4f}", "≥"),
        "glove_ratio": (lambda v: f"{v:.2f}×", "≥"),
        "glove_300d_first_ratio": (lambda v: f"{v:.2f}×", "≤"),
        "glove_300d_repeat_speedup": (lambda v: f"{v:.1f}×", "≥"),
        "explorer_update_seconds": (lambda v: f"{v:.2f} s", "≤"),
    }
    for name, goal in goals.items():
        show, relation = formats[name]
        if name.startswith("best_rnn") and goal["measured"] is not None:
            shown = _rnn_measured(goal)
        else:
            which = goal.get("notebook") or goal.get("model") or goal.get("explorer")
            shown = "—" if goal["measured"] is None else show(goal["measured"])
            shown += f" (`{which}`)" if which else ""
        limit = "—" if goal["limit"] is None else f"{relation} {show(goal['limit'])}"
        out.append(f"| {labels[name]} | {shown} | {limit} | {_met(goal)} |")
    if goals["best_rnn_vs_tfidf"]["measured"] is not None:
        out += [
            "",
            f"The best RNN is the course's reference model `{REFERENCE_MODEL}`, fixed in advance (taking "
            "the model with the highest test accuracy would select on the test set): the mean over the "
            "seeds its manifest entry records when it records two or more, else the shipped weights' "
            "accuracy re-evaluated in this run (one seed). The ensemble of its seeds is reported as its "
            "own row of the per-seed table, not as the target.",
        ]
    out.append("")
    notebooks = results.get("notebooks")
    if notebooks is not None:
        section = results["sections"]["notebooks"]
        out += [
            "## Notebooks",
            "",
            f"Each notebook executed top to bottom {section['repeats']} times, each time in a fresh "
            "kernel started from a fresh process (`rnncourse.tools.notebooks.execute`: kernel start to "
            "last cell). Peak memory: the larger of the kernel's `ru_maxrss` (exact peak of the "
            "largest process the runner waited for) and the summed RSS of the kernel's process "
            "tree polled every 50 ms. Median of the runs.",
            "",
            "| Notebook | Status | Median s | Min s | Max s | Median peak | Max peak |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for name, row in notebooks.items():
            if row["status"] == "ok":
                s = row["seconds"]
                out.append(
                    f"| `{name}` | ok | {s['median']:.1f} | {s['min']:.1f} | {s['max']:.1f} | "
                    f"{_gb(row['peak_rss'])} | {_gb(row['peak_rss_max'])} |"
                )
            else:
                out.append(f"| `{name}` | **{row['status']}** | — | — | — | — | — |")
        for name, row in notebooks.items():
            if row.get("error"):
                out.append(f"\n`{name}`: {row['error']}")
        out.append("")
    models = results.get("models")
    if models is not None:
        out += [
            "## Models",
            "",
            "Each shipped model (`rnncourse.models.RECIPES`) loaded with its verified weights "
            "(`rnncourse.weights.load_pretrained`) and re-evaluated on the bundled 5,000-review test "
            "split it was trained for (`rnncourse.data.imdb_arrays(**RECIPES[name].data)`). "
            f"Throughput: `model.predict` at batch size {BATCH_SIZE} over the whole test split after a "
            "warm-up call. Seconds per epoch: from the manifest (the training run).",
            "",
            "| Model | Lesson | Accuracy | Manifest accuracy | s/epoch | Epochs | Reviews/s | Weights |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for name, row in models.items():
            if row["status"] != "ok":
                out.append(
                    f"| `{name}` | {row.get('lesson', '')} | **{row['status']}** | — | — | — | — | "
                    f"{row.get('error', '')} |"
                )
                continue
            manifest_accuracy = row["manifest_test_accuracy"]
            manifest_accuracy = "—" if manifest_accuracy is None else f"{manifest_accuracy:.4f}"
            out.append(
                f"| `{name}` | {row['lesson']} | {row['accuracy']:.4f} | "
                f"{manifest_accuracy} | {row['seconds_per_epoch']} | {row['epochs_run']} | "
                f"{row['reviews_per_second']:.0f} | {'quick stand-in' if row['quick'] else 'trained'} |"
            )
        out.append("")
        seeded = {name: row for name, row in models.items() if row.get("seeds")}
        if seeded:
            out += [
                "Per-seed results, from the manifest (the training runs); the weights shipped are one "
                "of these seeds.",
                "",
                "| Model | Seed | Validation accuracy | Test accuracy | Best epoch | Seconds |",
                "| --- | --- | --- | --- | --- | --- |",
            ]
            for name, row in seeded.items():
                for seed in row["seeds"]:
                    cells = [
                        _cell(seed.get("seed")),
                        _cell(seed.get("val_accuracy"), "{:.4f}"),
                        _cell(seed.get("test_accuracy"), "{:.4f}"),
                        _cell(seed.get("best_epoch")),
                        _cell(seed.get("seconds", seed.get("train_seconds"))),
                    ]
                    out.append(f"| `{name}` | " + " | ".join(cells) + " |")
                score, count, sd = rnn_score(row)
                if count > 1:
                    out.append(f"| `{name}` | mean ± sd of {count} | — | {score:.4f} ± {sd:.4f} | — | — |")
                ensemble = row.get("ensemble")
                if ensemble:
                    out.append(
                        f"| `{name}` | ensemble of {len(ensemble['seeds'])} (mean probability) | "
                        f"{ensemble['val_accuracy']:.4f} | {ensemble['test_accuracy']:.4f} | — | — |"
                    )
            out.append("")
        paired = {pair: gap for row in models.values() for pair, gap in row.get("paired", {}).items()}
        if paired:
            out += [
                "Shipped models the lessons compare, scored on the same test reviews: the difference in "
                "accuracy with its paired bootstrap interval (`rnncourse.stats.paired_difference`).",
                "",
                "| Models | Difference | Interval | Reviews |",
                "| --- | --- | --- | --- |",
            ]
            for pair, gap in paired.items():
                out.append(
                    f"| `{pair}` | {100 * gap['difference']:+.2f} points | {gap['level']:.0%}: "
                    f"{100 * gap['low']:+.2f} to {100 * gap['high']:+.2f} | {gap['n_reviews']:,} |"
                )
            out.append("")
    tuned = baselines(results)
    if tuned is not None:
        out += [
            "## Baselines",
            "",
            "Two bag-of-n-grams baselines (`rnncourse.baseline.tuned_baselines`), tuned and scored in "
            f"this run ({results['baseline'].get('seconds', 0):.1f} s in all; the n-grams are counted once for "
            "both, and each baseline's seconds include that count). Logistic regression's `C` is "
            "chosen on a validation slice of the training reviews, and the test reviews are scored once "
            "by the fit on the other training reviews: the course's one protocol (`rnncourse.data.PROTOCOL`), "
            "as for the RNNs. The last column refits the chosen `C` on every training review, for reference "
            "only.",
            "",
            "| Baseline | C chosen on validation | Validation accuracy | Test accuracy | "
            "Fit / validation / test reviews | Features | Seconds | Refitted on all training reviews |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for key, label in BASELINES.items():
            b = tuned[key]
            chosen = f"{b['C']:g}"
            out.append(
                f"| {label} | {chosen} | {b['validation_accuracy'][chosen]:.4f} | "
                f"**{b['test_accuracy']:.4f}** | {b.get('n_fit', b['n_train']):,} / {b['n_validation']:,} / "
                f"{b['n_test']:,} | {b['features']:,} | {b['seconds']:.1f} | "
                + (
                    f"{b['refit_all']['test_accuracy']:.4f} ({b['refit_all']['n_train']:,})"
                    if "refit_all" in b
                    else "—"
                )
                + " |"
            )
        grid = sorted({c for b in tuned.values() for c in b["validation_accuracy"]}, key=float)
        out += [
            "",
            "Validation accuracy for each `C` tried:",
            "",
            "| C | " + " | ".join(BASELINES[key].split(" (")[0] for key in BASELINES) + " |",
            "| --- |" + " --- |" * len(BASELINES),
        ]
        for c in grid:
            cells = [
                f"{tuned[key]['validation_accuracy'][c]:.4f}"
                if c in tuned[key]["validation_accuracy"]
                else "—"
                for key in BASELINES
            ]
            out.append(f"| {c} | " + " | ".join(cells) + " |")
        out.append("")
        for key, label in BASELINES.items():
            b = tuned[key]
            out += [
                f"- {label}: `{b['model']}`. Validation slice: {b['validation']}. Selection: {b['selection']}."
            ]
        out.append("")
    g = results.get("glove")
    if g is not None:
        repeats = results["sections"]["glove"]["repeats"]
        out += [
            "## GloVe loading",
            "",
            f"`{g['file']}`: {g['lines']:,} lines × {g['dim']} dimensions, {g['bytes'] / 1e6:.0f} MB, "
            f"written from the bundled vectors. Readers timed in one run after a warm-up call each, "
            f"interleaved ({repeats} rounds, order alternating); wall and CPU seconds.",
            "",
            "| Reader | Median s | Min s | Median CPU s |",
            "| --- | --- | --- | --- |",
        ]
        readers = {
            "reader": f"`rnncourse.glove.read_glove_text` ({g['reader_threads']} threads)",
            "reader_1_thread": "`rnncourse.glove.read_glove_text` (1 thread)",
            "pandas": '`pandas.read_csv(sep=" ", header=None, quoting=3, keep_default_na=False, '
            "na_filter=False)`",
            "pandas_glove_vectors": "the same `read_csv`, then the float32 matrix and `GloveVectors` "
            "(the reader's result)",
        }
        for key, label in readers.items():
            if key not in g:
                continue
            wall, cpu = g[key]["seconds"], g[key]["cpu_seconds"]
            out.append(f"| {label} | {wall['median']:.2f} | {wall['min']:.2f} | {cpu['median']:.2f} |")
        same = (
            f"; {g['ratio_same_result']:.2f}× against pandas building the same result"
            if "ratio_same_result" in g
            else ""
        )
        out += [
            "",
            f"Reader speed / pandas speed (ratio of medians): **{g['ratio']:.2f}×** "
            f"({g['ratio_1_thread']:.2f}× on one thread{same}). The reader returns `GloveVectors` (float32 "
            "matrix and word index); `read_csv` returns a DataFrame. `keep_default_na=False, na_filter=False` "
            'keep words such as "null" and "nan" as words. The reader\'s result equals the bundled '
            f"vectors exactly: {'yes' if g['matches_reference'] else '**NO**'}; pandas read "
            f"{g['pandas_rows']:,} rows.",
            "",
            "Bundled arrays (`rnncourse.glove.bundled_glove()`: SHA-256 of both files, word list from "
            f"parquet, vectors memory-mapped): median {g['bundled_seconds']['median']:.2f} s; reading "
            f"every vector once more: {g['bundled_read_all_seconds']:.2f} s.",
            "",
        ]
    large = results.get("glove_300d")
    if large is not None:
        out += _glove_300d_section(large, results["sections"]["glove_300d"]["repeats"])
    explorers = results.get("explorers")
    if explorers is not None:
        out += [
            "## Live explorers",
            "",
            "One update of each explorer of `rnncourse.explorers`, as its widget runs it, timed "
            f"{results['sections']['explorers']['repeats']} times per case after the explorer is built "
            "(models built, graphs traced): the gradient-flow explorer's `gradient_update` (the lesson's "
            "probe in float64, the figure drawn to PNG), the review explorer's `review_update` (both models, "
            "the saliency and the update gate, the coloured HTML).",
            "",
            "| Explorer | Case | Median s | Min s | Max s |",
            "| --- | --- | --- | --- | --- |",
        ]
        for name, label in EXPLORERS.items():
            for update in explorers[name]["updates"]:
                s = update["seconds"]
                out.append(
                    f"| {label} | {update['case']} | {s['median']:.2f} | {s['min']:.2f} | {s['max']:.2f} |"
                )
        out += [
            "",
            "Building the explorers: "
            + ", ".join(
                f"{label} {explorers[name]['build_seconds']:.1f} s" for name, label in EXPLORERS.items()
            )
            + ".",
            "",
        ]
    sections = results.get("sections", {})
    if sections:
        out += [
            "## Runs",
            "",
            "| Section | Measured at (UTC) | Machine | Seconds | Load average (1, 5, 15 min) at start |",
            "| --- | --- | --- | --- | --- |",
        ]
        for name in SECTIONS:
            if name in sections:
                s = sections[name]
                load = ", ".join(f"{x:.2f}" for x in s["load_at_start"]) if s["load_at_start"] else "—"
                failed = f" — **FAILED**: {s['error']}" if s.get("error") else ""
                out.append(
                    f"| {name}{failed} | {s['measured_at']} | {_section_machine(results, name)} | "
                    f"{s['seconds']:.0f} | {load} |"
                )
        if results.get("bench_seconds") is not None:
            out += ["", f"The whole `make bench` took {results['bench_seconds']:.0f} s."]
        out += [
            "",
            "Timings are wall-clock on a machine that may have been busy with other work: the load "
            "average at the start of each section shows how busy.",
            "",
        ]
    return "\n".join(out)


def _glove_300d_section(large, repeats):
    """The lines of RESULTS.md's section on the generated 300d file and the binary cache."""
    out = [
        "## GloVe 300d: the binary cache",
        "",
        f"A GloVe text of the size of `glove.6B.300d.txt`, generated by the benchmark in a temporary folder "
        f"(removed afterwards): {large['lines']:,} words × {large['dim']} values, normal with sd "
        f"{large['sd']:g} written `{large['format']}` with single spaces (seed {large['seed']}), "
        f"{large['bytes'] / 1e6:,.0f} MB, generated in {large['generate_seconds']:.0f} s; its binary cache "
        f"{large['cache_bytes'] / 1e6:,.0f} MB. `pandas.read_csv` as in the 50d section, and "
        "`rnncourse.glove.read_glove_cached` with its cache in the same folder, timed in one run after a "
        f"warm-up call each, interleaved ({repeats} rounds, order alternating); wall and CPU seconds.",
        "",
        "| Reader | Median s | Min s | Median CPU s |",
        "| --- | --- | --- | --- |",
    ]
    readers = {
        "pandas": '`pandas.read_csv(sep=" ", header=None, quoting=3, keep_default_na=False, na_filter=False)`',
        "first_read": "first read, one pass: Arrow's streaming CSV reader parses the text block by block "
        "(in pieces on as many threads where cores are idle), each block checked, hashed and appended "
        "to the cache as it comes (written atomically)",
        "first_read_1_thread": "first read, parsing and caching on one thread (`workers=1`)",
        "repeat_read": "repeat read: the cache verified (default) and memory-mapped",
        "repeat_read_full": 'repeat read, `verify="full"`: the vectors hashed too',
    }
    for key, label in readers.items():
        wall, cpu = large[key]["seconds"], large[key]["cpu_seconds"]
        out.append(f"| {label} | {wall['median']:.3f} | {wall['min']:.3f} | {cpu['median']:.3f} |")
    out += [
        "",
        f"First read / pandas (ratio of medians): **{large['first_ratio']:.2f}×** "
        f"({large['first_ratio_1_thread']:.2f}× parsing on one thread). Pandas / repeat read: "
        f'**{large["repeat_speedup"]:.1f}×** ({large["repeat_full_speedup"]:.1f}× with `verify="full"`). '
        "A repeat read checks the text's size and `mtime_ns` against the cache's record, the SHA-256 of "
        "the word list and of the `.npy` header, and the shape; it hashes the vectors only when their "
        "file's size or `mtime_ns` is not the recorded one (or that time is not earlier than the "
        'record\'s), and always with `verify="full"`. Its vectors are memory-mapped: '
        f"{'yes' if large['repeat_memory_mapped'] else '**NO**'}; they equal the first read's: "
        f"{'yes' if large['repeat_matches_first'] else '**NO**'}; pandas read {large['pandas_rows']:,} rows.",
        "",
    ]
    return out


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
    try:
        block, md_text = render_readme_block(results), render_results_md(results) + "\n"
    except ValueError as error:  # results the views cannot show (an old baseline section)
        return [str(error)]
    problems = []
    text = readme.read_text(encoding="utf-8") if readme.is_file() else ""
    try:
        if replace_block(text, block) != text:
            problems.append(
                f"{readme.name}: the benchmark table is stale against {folder.name}/results.json; "
                "run `python -m rnncourse.tools.bench --readme`."
            )
    except ValueError as error:
        problems.append(str(error))
    md = folder / "RESULTS.md"
    if not md.is_file() or md.read_text(encoding="utf-8") != md_text:
        problems.append(
            f"{folder.name}/RESULTS.md is stale against results.json; "
            "run `python -m rnncourse.tools.bench --readme`."
        )
    return problems
