"""Benchmarks (rnncourse.tools.bench): the README table and its staleness check, the targets, and the
measuring helpers on tiny fixtures — no full benchmark. Also the fast path of the GloVe text
reader that the benchmark measures, against its line-by-line path."""

import gzip
import json
import re
import zipfile

import nbformat
import numpy as np
import pytest

from rnncourse import glove
from rnncourse.tools import bench, bench_measure, bench_report


def _timing(median):
    return {
        "seconds": {"median": median, "min": median, "max": median},
        "cpu_seconds": {"median": median, "min": median, "max": median},
    }


def _baseline(test, C, validation, seconds, model):
    """One tuned baseline as ``rnncourse.baseline.tuned_baselines`` returns it (a two-value C grid)."""
    return {
        "test_accuracy": test,
        "C": C,
        "validation_accuracy": {"1": 0.85, f"{C:g}": validation},
        "validation": "the last 2,000 training reviews",
        "selection": "highest validation accuracy",
        "n_train": 20000,
        "n_validation": 2000,
        "n_test": 5000,
        "features": 1000,
        "seconds": seconds,
        "model": model,
    }


def results_fixture():
    """Results as ``measure`` writes them: one notebook missing, one model missing."""
    return {
        "machine": {
            "cpu": "Test CPU",
            "cores": 2,
            "usable_cores": 2,
            "memory_gb": 8.0,
            "system": "Linux",
            "python": "3.11.7",
            "versions": {"numpy": "2.4.6"},
        },
        "notebooks": {
            "00_a.ipynb": {
                "status": "ok",
                "runs": [{"seconds": 30.0, "peak_rss": 10**9}] * 3,
                "seconds": {"median": 30.0, "min": 29.0, "max": 31.0},
                "peak_rss": 10**9,
                "peak_rss_max": 10**9,
            },
            "01_b.ipynb": {
                "status": "ok",
                "runs": [{"seconds": 60.0, "peak_rss": 2 * 10**9}] * 3,
                "seconds": {"median": 60.0, "min": 59.0, "max": 61.0},
                "peak_rss": 2 * 10**9,
                "peak_rss_max": 2 * 10**9,
            },
        },
        "models": {
            "gru": {
                "status": "ok",
                "lesson": "02",
                "quick": False,
                "manifest_test_accuracy": 0.85,
                "seconds_per_epoch": 12.5,
                "epochs_run": 5,
                "params": 1000,
                "accuracy": 0.85,
                "reviews_per_second": 900.0,
                "predict_seconds": 5.5,
                "n": 5000,
            },
            "best": {
                "status": "ok",
                "lesson": "03",
                "quick": False,
                "manifest_test_accuracy": 0.9,
                "seconds_per_epoch": 40.0,
                "epochs_run": 3,
                "params": 2000,
                "accuracy": 0.9,
                "reviews_per_second": 300.0,
                "predict_seconds": 16.7,
                "n": 5000,
            },
            "lstm_stack": {"status": "missing", "error": "not in weights/manifest.json"},
        },
        "baseline": {
            "tfidf": _baseline(0.91, 16.0, 0.905, 30.0, "TF-IDF + LR(C=16)"),
            "nbsvm": _baseline(0.92, 4.0, 0.915, 31.0, "NBSVM(C=4)"),
            "seconds": 40.0,
        },
        "glove": {
            "file": "glove.6B.50d.txt",
            "bytes": 171350079,
            "lines": 400000,
            "dim": 50,
            "reader": _timing(0.5),
            "pandas": _timing(0.6),
            "reader_1_thread": _timing(0.8),
            "ratio": 1.2,
            "ratio_1_thread": 0.75,
            "ratio_same_result": 1.5,
            "reader_threads": 2,
            "pandas_rows": 400000,
            "matches_reference": True,
            "bundled_seconds": {"median": 0.3, "min": 0.3, "max": 0.3},
            "bundled_read_all_seconds": 0.1,
        },
        "glove_300d": {
            "file": "generated",
            "words": 400000,
            "dim": 300,
            "seed": 0,
            "sd": 0.4,
            "format": "%.5f",
            "bytes": 1021979315,
            "lines": 400000,
            "generate_seconds": 15.0,
            "cache_bytes": 483181122,
            "pandas": _timing(12.0),
            "first_read": _timing(15.0),
            "first_read_1_thread": _timing(13.2),
            "repeat_read": _timing(0.25),
            "repeat_read_full": _timing(0.8),
            "first_ratio": 1.25,
            "first_ratio_1_thread": 1.1,
            "reader_threads": 2,
            "repeat_speedup": 48.0,
            "repeat_full_speedup": 15.0,
            "repeat_memory_mapped": True,
            "pandas_rows": 400000,
            "repeat_matches_first": True,
        },
        "explorers": {
            name: {
                "build_seconds": 9.0,
                "updates": [
                    {"case": "defaults", "seconds": {"median": slowest, "min": slowest, "max": slowest}}
                ],
                "slowest": slowest,
            }
            for name, slowest in (("gradient", 0.4), ("review", 0.6))
        },
        "sections": {
            name: {
                "measured_at": "2025-01-01 00:00",
                "seconds": 10.0,
                "load_at_start": [1.0, 1.0, 1.0],
                "repeats": 3,
            }
            for name in bench.SECTIONS
        },
        "bench_seconds": 600.0,
    }


# ----------------------------------------------------------------------------- targets and views


def _seeded(results, accuracies, summary=True):
    """``best`` trained with several seeds, as the manifest records it (copied by ``measure_models``)."""
    best = results["models"]["best"]
    best["seeds"] = [
        {"seed": 42 + i, "val_accuracy": a - 0.001, "test_accuracy": a, "best_epoch": 3 + i, "seconds": 600.0}
        for i, a in enumerate(accuracies)
    ]
    if summary:
        best["test_accuracy_mean"], best["test_accuracy_sd"] = 0.92, 0.02
        best["ensemble"] = {
            "seeds": [42 + i for i in range(len(accuracies))],
            "rule": "mean probability",
            "val_accuracy": 0.925,
            "test_accuracy": 0.93,
        }
    return results


def test_targets_met_and_not_met():
    results = results_fixture()
    goals = bench_report.targets(results)
    assert goals["explorer_update_seconds"] == {
        "measured": 0.6,
        "explorer": "review",
        "limit": 1.0,
        "met": True,
    }
    results["explorers"]["gradient"]["slowest"] = 1.2
    assert bench_report.targets(results)["explorer_update_seconds"]["met"] is False
    results["explorers"]["gradient"]["slowest"] = 0.4
    assert goals["notebook_seconds"] == {
        "measured": 60.0,
        "notebook": "01_b.ipynb",
        "limit": 90.0,
        "met": True,
    }
    assert goals["notebook_peak_bytes"]["met"] and goals["notebook_peak_bytes"]["measured"] == 2 * 10**9
    rnn, stretch = goals["best_rnn_vs_tfidf"], goals["best_rnn_vs_nbsvm"]
    assert (rnn["model"], rnn["measured"], rnn["seeds"], rnn["limit"], rnn["met"]) == (
        "best",
        0.9,
        1,
        0.91,
        False,
    )
    assert (stretch["measured"], stretch["limit"], stretch["met"]) == (0.9, 0.92, False)
    assert goals["glove_ratio"]["met"] is False  # 1.2× misses the 1.5× target
    results["glove"]["ratio"] = 1.5
    assert bench_report.targets(results)["glove_ratio"]["met"] is True
    assert goals["glove_300d_first_ratio"] == {"measured": 1.25, "limit": 1.2, "met": False}
    assert goals["glove_300d_repeat_speedup"] == {"measured": 48.0, "limit": 10.0, "met": True}
    results["glove_300d"].update(first_ratio=1.2, repeat_speedup=9.9)
    goals = bench_report.targets(results)
    assert (
        goals["glove_300d_first_ratio"]["met"] is True and goals["glove_300d_repeat_speedup"]["met"] is False
    )

    goals = bench_report.targets(_seeded(results, [0.90, 0.92, 0.94]))  # the mean over seeds is compared
    assert goals["best_rnn_vs_tfidf"]["measured"] == 0.92 and goals["best_rnn_vs_tfidf"]["seeds"] == 3
    assert goals["best_rnn_vs_tfidf"]["sd"] == 0.02 and goals["best_rnn_vs_tfidf"]["shipped_accuracy"] == 0.9
    assert goals["best_rnn_vs_tfidf"]["met"] and goals["best_rnn_vs_nbsvm"]["met"]  # 0.92 >= 0.92
    goals = bench_report.targets(_seeded(results_fixture(), [0.89, 0.90, 0.91, 0.90], summary=False))
    assert goals["best_rnn_vs_tfidf"]["measured"] == pytest.approx(0.9)  # mean and sd from the seeds
    assert goals["best_rnn_vs_tfidf"]["sd"] == pytest.approx(np.std([0.89, 0.90, 0.91, 0.90], ddof=1))
    assert bench_report.targets(_seeded(results_fixture(), [0.95]))["best_rnn_vs_tfidf"]["seeds"] == 1

    results = results_fixture()
    results["notebooks"]["02_c.ipynb"] = {"status": "missing"}
    results["models"]["best"]["accuracy"] = 0.8
    goals = bench_report.targets(results)
    assert goals["notebook_seconds"]["met"] is False  # a missing notebook misses the target
    # the reference model is `best`, whatever the test accuracies: choosing the highest would select on test
    assert goals["best_rnn_vs_tfidf"]["model"] == "best" and goals["best_rnn_vs_tfidf"]["measured"] == 0.8
    assert not goals["best_rnn_vs_tfidf"]["met"]
    results["models"] = {"best": {"status": "missing", "error": "absent"}}
    assert bench_report.targets(results)["best_rnn_vs_tfidf"] == {
        "measured": None,
        "limit": 0.91,
        "met": False,
        "baseline": "tfidf",
        "model": None,
    }
    partial = bench_report.targets({"glove": results["glove"]})  # the other targets: not measured
    assert [goal["met"] for goal in partial.values()] == [None, None, None, None, False, None, None, None]
    with pytest.raises(ValueError, match="--only baseline"):  # results.json from before the tuned baselines
        bench_report.targets({"baseline": {"test_accuracy": 0.8926, "model": "untuned"}})


def test_readme_block_shows_every_notebook_both_baselines_and_the_targets():
    results = results_fixture()
    results["notebooks"]["02_c.ipynb"] = {"status": "missing"}
    block = bench_report.render_readme_block(results)
    assert block == bench_report.render_readme_block(json.loads(json.dumps(results)))  # deterministic
    assert "| `01_b.ipynb` top to bottom (median of 3) | 60.0 s, 2.00 GB peak | ≤ 90 s, ≤ 3.00 GB |" in block
    assert "| `02_c.ipynb` top to bottom | MISSING |" in block
    assert (
        "| Tuned baseline TF-IDF (1–2-grams) + logistic regression, C = 16 chosen on 2,000 validation "
        "reviews: accuracy on the 5,000 test reviews | 0.9100 (30.0 s) | — |"
    ) in block
    assert (
        "| Tuned baseline NBSVM (NB-weighted 1–3-grams + logistic regression), C = 4 chosen on 2,000 "
        "validation reviews: accuracy on the 5,000 test reviews | 0.9200 (31.0 s) | — |"
    ) in block
    assert (
        "| Best RNN, accuracy on the 5,000 test reviews | 0.9000 (`best`, one seed, re-evaluated) | "
        "≥ tuned TF-IDF 0.9100; stretch: ≥ NBSVM 0.9200 |"
    ) in block
    assert (
        "| GloVe 50d text (400,000 lines): project reader vs `pandas.read_csv` | 1.20× (0.50 s vs 0.60 s) | ≥ 1.50× |"
        in block
    )
    assert (
        "Targets — every notebook ≤ 90 s: **not met**; every notebook ≤ 3 GB: **not met**; "
        "best RNN ≥ tuned TF-IDF baseline (one seed): **not met**; stretch, best RNN ≥ tuned NBSVM "
        "(one seed): **not met**; GloVe reader ≥ 1.5× pandas speed: **not met**; "
        "GloVe 300d first read ≤ 1.2× pandas time: **not met**; GloVe 300d repeat read ≥ 10× faster than "
        "pandas: met; every explorer update ≤ 1 s: met."
    ) in block
    assert bench_report.README_START not in block and bench_report.README_END not in block
    seeded = bench_report.render_readme_block(_seeded(results_fixture(), [0.90, 0.92, 0.94]))
    assert (
        "| 0.9200 ± 0.0200 (`best`, mean ± sd of 3 seeds; shipped weights re-evaluated: 0.9000) | "
        "≥ tuned TF-IDF 0.9100; stretch: ≥ NBSVM 0.9200 |"
    ) in seeded
    assert "best RNN ≥ tuned TF-IDF baseline (mean ± sd of 3 seeds): met" in seeded
    assert (
        "| Ensemble of `best`'s 3 seeds (mean probability), its own row, not the target | 0.9300 | — |"
        in seeded
    )
    assert (
        "`best` reaches the tuned TF-IDF baseline: 0.9200 (mean over 3 seeds) against 0.9100, +1.00 points, "
        "and +0.00 points against NBSVM (the gap to TF-IDF is smaller than the seeds' sd, 0.0200: level with "
        "it, not above or below it); the ensemble of its seeds scores 0.9300 (+2.00 points against TF-IDF)."
    ) in seeded
    clear = _seeded(results_fixture(), [0.93, 0.935, 0.94])
    clear["models"]["best"].update(test_accuracy_mean=0.935, test_accuracy_sd=0.005)
    clear = bench_report.render_readme_block(clear)
    assert (
        "+2.50 points, and +1.50 points against NBSVM; the ensemble" in clear
    )  # a gap above the sd: no hedge
    assert (
        "`best` does not reach the tuned TF-IDF baseline: 0.9000 (one seed) against 0.9100, -1.00 points, "
        "and -2.00 points against NBSVM."
    ) in block
    results = results_fixture()
    del results["models"]
    block = bench_report.render_readme_block(results)
    assert "0.9100 (30.0 s)" in block and "Best RNN" not in block
    assert "best RNN ≥ tuned TF-IDF baseline: not measured" in block


def test_results_md_lists_missing_models_baselines_and_method():
    text = bench_report.render_results_md(results_fixture())
    assert "| `lstm_stack` |  | **missing** |" in text
    assert "ru_maxrss" in text and "keep_default_na=False" in text and "Test CPU" in text
    assert "The whole `make bench` took 600 s." in text
    assert "**1.20×** (0.75× on one thread; 1.50× against pandas building the same result)" in text
    assert (
        "| Best RNN test accuracy vs tuned TF-IDF baseline | 0.9000 (`best`, one seed, re-evaluated) | "
        "≥ 0.9100 | **not met** |"
    ) in text
    assert (
        "| Stretch: best RNN test accuracy vs tuned NBSVM | 0.9000 (`best`, one seed, re-evaluated) | ≥ 0.9200 |"
        in text
    )
    assert "| GloVe reader speed / pandas speed | 1.20× | ≥ 1.50× | **not met** |" in text
    assert "| GloVe 300d (generated): first read time / pandas time | 1.25× | ≤ 1.20× | **not met** |" in text
    assert "| GloVe 300d (generated): pandas time / repeat read time | 48.0× | ≥ 10.0× | met |" in text
    assert "400,000 words × 300 values" in text and "1,022 MB" in text and "**48.0×** (15.0×" in text
    assert "**1.25×** (1.10× parsing on one thread)" in text
    assert (
        "| TF-IDF (1–2-grams) + logistic regression | 16 | 0.9050 | **0.9100** | 20,000 / 2,000 / 5,000 | "
        "1,000 | 30.0 |"
    ) in text
    assert "| NBSVM (NB-weighted 1–3-grams + logistic regression) | 4 | 0.9150 | **0.9200** |" in text
    grid = text[text.index("Validation accuracy for each `C` tried") :]
    assert "| C | TF-IDF | NBSVM |" in grid
    assert (
        grid.index("| 1 | 0.8500 | 0.8500 |")
        < grid.index("| 4 | — | 0.9150 |")
        < grid.index("| 16 | 0.9050 | — |")
    )
    assert "`TF-IDF + LR(C=16)`. Validation slice: the last 2,000 training reviews." in text
    assert "40.0 s in all" in text and "Per-seed results" not in text
    seeded = bench_report.render_results_md(_seeded(results_fixture(), [0.90, 0.92, 0.94]))
    assert "| `best` | 43 | 0.9190 | 0.9200 | 4 | 600.0 |" in seeded
    assert "| `best` | mean ± sd of 3 | — | 0.9200 ± 0.0200 | — | — |" in seeded
    assert "| `best` | ensemble of 3 (mean probability) | 0.9250 | 0.9300 | — | — |" in seeded
    assert (
        "| Best RNN test accuracy vs tuned TF-IDF baseline | 0.9200 ± 0.0200 (`best`, mean ± sd of 3 seeds;"
        in seeded
    )


def test_replace_block_is_idempotent_and_needs_the_markers():
    text = f"# Title\n\nintro\n\n{bench_report.README_START}\nold table\n{bench_report.README_END}\n\nmore\n"
    new = bench_report.replace_block(text, "| a |")
    assert (
        new == f"# Title\n\nintro\n\n{bench_report.README_START}\n| a |\n{bench_report.README_END}\n\nmore\n"
    )
    assert bench_report.replace_block(new, "| a |") == new
    with pytest.raises(ValueError, match="bench:start"):
        bench_report.replace_block("# no markers\n", "| a |")


def test_check_readme_detects_stale_views(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNCOURSE_ROOT", str(tmp_path))
    readme = tmp_path / "README.md"
    readme.write_text(f"# Course\n\n{bench_report.README_START}\n{bench_report.README_END}\n")
    assert bench.main(["--check-readme"]) == 1  # no results.json yet
    results = results_fixture()
    results["models"] = dict(reversed(results["models"].items()))  # not in alphabetical order
    bench_report.write_results(results)
    assert list(bench_report.load_results()["models"]) == list(results["models"])  # measuring order kept
    assert bench_report.stale_views()[0].startswith("README.md")  # RESULTS.md is fresh, the README not yet
    bench_report.update_readme(results)
    assert bench_report.stale_views() == []
    readme.write_text(f"# Course\n\n{bench_report.README_START}\n{bench_report.README_END}\n")
    assert bench.main(["--check-readme"]) == 1  # README table empty
    assert bench.main(["--readme"]) == 0
    assert bench_report.stale_views() == [] and bench.main(["--check-readme"]) == 0
    results["glove"]["ratio"] = 2.0
    (tmp_path / "benchmarks" / "results.json").write_text(json.dumps(results))
    problems = bench_report.stale_views()
    assert len(problems) == 2 and "README.md" in problems[0] and "RESULTS.md" in problems[1]
    readme.write_text("# Course without markers\n")
    assert any("bench:start" in problem for problem in bench_report.stale_views())
    results["baseline"] = {"test_accuracy": 0.8926, "model": "untuned"}  # measured before the tuned baselines
    (tmp_path / "benchmarks" / "results.json").write_text(json.dumps(results))
    problems = bench_report.stale_views()
    assert len(problems) == 1 and "--only baseline" in problems[0]
    assert bench.main(["--check-readme"]) == 1


def test_a_failing_section_is_reported_and_the_others_measured(monkeypatch):
    def broken(**kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(bench, "measure_glove", broken)
    monkeypatch.setattr(bench, "measure_baseline", lambda: results_fixture()["baseline"])
    monkeypatch.setattr(bench, "machine", lambda: results_fixture()["machine"])
    results = bench.measure(["glove", "baseline"], repeats=1, log=lambda message: None)
    assert (
        results["sections"]["baseline"]["cpu"] == "Test CPU" and results["sections"]["baseline"]["cores"] == 2
    )
    assert "glove" not in results and results["baseline"]["tfidf"]["test_accuracy"] == 0.91
    assert results["sections"]["glove"]["error"] == "OSError: disk full"
    assert "| glove | FAILED: OSError: disk full | — |" in bench_report.render_readme_block(results)
    assert "glove — **FAILED**: OSError: disk full" in bench_report.render_results_md(results)
    assert bench_report.targets(results)["glove_ratio"]["met"] is None


def test_merge_keeps_sections_not_measured_again_and_their_machine():
    old = results_fixture()
    new = {
        "machine": {**old["machine"], "cpu": "Other", "cores": 4},
        "glove": {**old["glove"], "ratio": 3.0},
        "sections": {
            "glove": {
                "measured_at": "later",
                "load_at_start": None,
                "seconds": 5.0,
                "repeats": 1,
                "cpu": "Other",
                "cores": 4,
            }
        },
    }
    merged = bench.merge(old, new)
    assert merged["glove"]["ratio"] == 3.0 and merged["notebooks"] == old["notebooks"]
    assert merged["machine"] == new["machine"]
    assert merged["sections"]["glove"] == new["sections"]["glove"]
    assert merged["sections"]["models"] == {**old["sections"]["models"], "cpu": "Test CPU", "cores": 2}
    assert bench.merge(merged, new) == merged  # a recorded machine is kept as it is
    block = bench_report.render_readme_block(merged)
    assert (
        "Measured by `make bench` on 2 cores of Test CPU (notebooks, glove_300d, baseline, models, explorers) "
        "and 4 "
        "cores of Other (glove);"
    ) in block
    assert "| glove | later | 4 cores of Other |" in bench_report.render_results_md(merged)
    assert "Measured by `make bench` on 2 cores of Test CPU;" in bench_report.render_readme_block(old)


# ----------------------------------------------------------------------------- measuring helpers


def test_summarize_and_interleaved_order():
    assert bench_measure.summarize([3, 1, 2]) == {"median": 2, "min": 1, "max": 3}
    calls = []
    timings, last = bench_measure.interleaved(
        {"a": lambda: calls.append("a") or "A", "b": lambda: calls.append("b") or "B"}, repeats=3
    )
    assert calls == ["a", "b", "a", "b", "b", "a", "a", "b"]  # warm-up, then alternating rounds
    assert last == {"a": "A", "b": "B"}
    assert (
        set(timings["a"]) == {"seconds", "cpu_seconds", "median_exact"}
        and timings["a"]["seconds"]["min"] >= 0
    )


def test_evaluate_predictions_accuracy_and_warm_up():
    x = np.arange(600, dtype=np.float32)
    y = (x % 2).astype(np.float32)
    seen = []

    def predict(batch, batch_size):
        seen.append(len(batch))
        return (batch % 2 == 1).astype(np.float32)[:, None] * 0.9 + (batch % 4 == 0)[:, None] * 0.8

    result = bench_measure.evaluate_predictions(predict, x, y, batch_size=256)
    assert seen == [256 + 600 % 256, 600]
    assert result["accuracy"] == 0.75 and result["n"] == 600 and result["reviews_per_second"] > 0


def test_evaluate_predictions_returns_each_reviews_result_when_asked():
    x = np.arange(8, dtype=np.float32)
    y = np.array([1, 0, 1, 0, 1, 0, 1, 0], dtype=np.float32)
    result, correct = bench_measure.evaluate_predictions(
        lambda batch, size: np.full((len(batch), 1), 0.9), x, y, batch_size=4, per_review=True
    )
    assert correct.tolist() == [True, False] * 4 and result["accuracy"] == 0.5


def test_paired_comparisons_score_both_models_on_the_same_reviews_and_skip_missing_pairs():
    a = np.array([True] * 60 + [False] * 40)
    b = np.array([True] * 50 + [False] * 50)
    gaps = bench_measure.paired_comparisons(
        {"gru": a, "simple_rnn": b}, pairs=(("gru", "simple_rnn"), ("x", "gru"))
    )
    assert set(gaps) == {"gru - simple_rnn"}
    gap = gaps["gru - simple_rnn"]
    assert gap["difference"] == 0.1 and gap["low"] <= 0.1 <= gap["high"] and gap["n_reviews"] == 100


def test_results_md_lists_the_paired_differences():
    results = results_fixture()
    results["models"]["gru"]["paired"] = {
        "gru - simple_rnn": {
            "difference": 0.02,
            "low": 0.005,
            "high": 0.035,
            "level": 0.95,
            "n_reviews": 5000,
        }
    }
    assert (
        "| `gru - simple_rnn` | +2.00 points | 95%: +0.50 to +3.50 | 5,000 |"
        in bench_report.render_results_md(results)
    )


def test_readme_rows_of_the_generated_300d_file():
    block = bench_report.render_readme_block(results_fixture())
    what = "| GloVe 300d text (generated, 400,000 lines, 1.02 GB)"
    assert (
        f"{what}: cached reader's first read (parse, write the cache) / `pandas.read_csv` | 1.25× "
        "(15.00 s vs 12.00 s; parsing on one thread: 1.10×) | ≤ 1.20× |"
    ) in block
    assert (
        f"{what}: repeat read (memory-mapped cache, verified) vs `pandas.read_csv` | 48.0× faster "
        "(0.250 s; hashing the vectors too: 0.80 s) | ≥ 10× |"
    ) in block


def test_synthetic_words_are_distinct_letters():
    assert [bench_measure.synthetic_word(i) for i in (0, 25, 26, 27, 701, 702)] == [
        "a",
        "z",
        "aa",
        "ab",
        "zz",
        "aaa",
    ]
    assert len({bench_measure.synthetic_word(i) for i in range(20000)}) == 20000


def test_synthetic_glove_text_is_deterministic_and_in_glove_format(tmp_path):
    first, second, other = (tmp_path / name for name in ("a.txt", "b.txt", "c.txt"))
    bench_measure.write_synthetic_glove(first, 23, 4, seed=1, block_rows=5)
    bench_measure.write_synthetic_glove(second, 23, 4, seed=1, block_rows=7)
    bench_measure.write_synthetic_glove(other, 23, 4, seed=2, block_rows=5)
    assert first.read_bytes() == second.read_bytes() != other.read_bytes()
    lines = first.read_text().splitlines()
    assert len(lines) == 23 and first.read_bytes().endswith(b"\n")
    for i, line in enumerate(lines):
        word, *values = line.split(" ")
        assert word == bench_measure.synthetic_word(i) and len(values) == 4
        assert all(re.fullmatch(r"-?\d\.\d{5}", value) for value in values), line
    read = glove.read_glove_text(first, progress=False)
    assert read.words == [bench_measure.synthetic_word(i) for i in range(23)]
    expected = [[float(v) for v in line.split(" ")[1:]] for line in lines]
    np.testing.assert_array_equal(read.vectors, np.float32(expected))
    assert bench_measure.pandas_read_glove(first).shape == (23, 5)


def test_measure_glove_300d_on_a_tiny_file_leaves_no_file_behind(tmp_path, monkeypatch):
    monkeypatch.setattr(bench_measure.tempfile, "tempdir", str(tmp_path))
    result = bench_measure.measure_glove_300d(repeats=1, words=40, dim=3)
    assert list(tmp_path.iterdir()) == []
    assert (result["lines"], result["pandas_rows"], result["dim"]) == (40, 40, 3)
    assert result["repeat_memory_mapped"] and result["repeat_matches_first"]
    assert result["cache_bytes"] > 40 * 3 * 4 and result["first_ratio"] > 0 and result["repeat_speedup"] > 0
    for reader in ("pandas", "first_read", "first_read_1_thread", "repeat_read", "repeat_read_full"):
        seconds = result[reader]["seconds"]
        assert 0 <= seconds["min"] <= seconds["median"] <= seconds["max"]


def test_pandas_keeps_null_and_nan_as_words(tmp_path):
    path = tmp_path / "glove.tiny.2d.txt"
    path.write_text("null 0.1 0.2\nnan 0.3 0.4\nNA -1 2\nthe 1e-05 3\n")
    frame = bench_measure.pandas_read_glove(path)
    assert frame[0].tolist() == ["null", "nan", "NA", "the"]
    assert frame.shape == (4, 3)
    result = bench_measure.measure_glove(
        path, repeats=1, reference=glove.read_glove_text(path, progress=False)
    )
    assert result["lines"] == result["pandas_rows"] == 4 and result["matches_reference"]
    assert (
        result["ratio"] > 0 and result["ratio_same_result"] > 0 and result["reader"]["seconds"]["median"] > 0
    )
    same = bench_measure.pandas_glove_vectors(path)
    assert same.words == ["null", "nan", "NA", "the"] and same.vectors.dtype == np.float32


@pytest.fixture()
def tiny_notebooks(tmp_path):
    allocate = nbformat.v4.new_notebook()
    allocate.cells = [
        nbformat.v4.new_code_cell(
            "import numpy as np\nblock = np.ones(300_000_000 // 8)\nassert block.sum() > 0"
        )
    ]
    nbformat.write(allocate, tmp_path / "00_allocate.ipynb")
    failing = nbformat.v4.new_notebook()
    failing.cells = [nbformat.v4.new_code_cell("raise ValueError('boom')")]
    nbformat.write(failing, tmp_path / "01_failing.ipynb")
    return tmp_path


def test_notebook_runs_measure_time_and_kernel_memory(tiny_notebooks):
    paths = bench_measure.notebook_paths(tiny_notebooks, expected=("00_allocate.ipynb", "02_absent.ipynb"))
    assert [name for name, _ in paths] == ["00_allocate.ipynb", "01_failing.ipynb", "02_absent.ipynb"]
    rows = bench_measure.measure_notebooks(repeats=1, paths=paths, log=lambda message: None)
    ok = rows["00_allocate.ipynb"]
    assert ok["status"] == "ok" and ok["seconds"]["median"] > 0
    assert 300e6 < ok["peak_rss"] < 1.5e9  # the 300 MB array, in the kernel, not the runner
    assert rows["01_failing.ipynb"] == {"status": "failed", "error": "ValueError: boom", "runs": []}
    assert rows["02_absent.ipynb"] == {"status": "missing"}


def test_measure_baseline_fits_both_tuned_baselines_and_the_views_show_them():
    measured = bench_measure.measure_baseline(limit=300)  # 300 reviews of each split: seconds
    assert set(measured) == {"tfidf", "nbsvm", "seconds"} and measured["seconds"] > 0
    for name in ("tfidf", "nbsvm"):
        b = measured[name]
        assert (b["n_train"], b["n_validation"], b["n_test"]) == (300, 30, 300)
        assert f"{b['C']:g}" in b["validation_accuracy"] and 0.4 < b["test_accuracy"] <= 1
    results = {**results_fixture(), "baseline": json.loads(json.dumps(measured))}
    block = bench_report.render_readme_block(results)
    assert (
        f"C = {measured['nbsvm']['C']:g} chosen on 30 validation reviews: accuracy on the 300 test reviews"
        in block
    )
    assert f"≥ tuned TF-IDF {measured['tfidf']['test_accuracy']:.4f}" in block


def test_models_without_weights_are_reported_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNCOURSE_WEIGHTS", str(tmp_path))
    rows = bench_measure.measure_models(names=["gru", "not_a_model"], log=lambda message: None)
    assert rows["gru"]["status"] == "missing" and "manifest.json" in rows["gru"]["error"]
    assert rows["not_a_model"] == {"status": "missing", "error": "not a model of rnncourse.models.RECIPES"}


# ----------------------------------------------------------------------------- the GloVe reader


def _read(tmp_path, content, **kwargs):
    path = tmp_path / "g.txt"
    path.write_bytes(content)
    return glove.read_glove_text(path, progress=False, **kwargs)


def _random_glove(n, dim, seed=0):
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(n)]
    values = rng.normal(scale=0.5, size=(n, dim)).astype(np.float32)
    values[0, 0] = 3.2e-05  # written as 3.2e-05
    text = "".join(f"{w} " + " ".join(f"{v:.5g}" for v in row) + "\n" for w, row in zip(words, values))
    expected = np.array([[np.float32(f"{v:.5g}") for v in row] for row in values])
    return words, expected, text.encode()


@pytest.mark.parametrize("block_bytes, workers", [(1, 1), (64, 3), (4096, 2), (1 << 23, None)])
def test_reader_blocks_and_threads_agree(tmp_path, block_bytes, workers):
    words, expected, text = _random_glove(300, 4)
    vectors = _read(tmp_path, text, block_bytes=block_bytes, workers=workers)
    assert vectors.words == words
    np.testing.assert_array_equal(vectors.vectors, expected)


def test_reader_odd_but_valid_lines_take_the_slow_path(tmp_path):
    vectors = _read(
        tmp_path,
        b"-lrb- -1 +2 .5\n\nnan 1 2 3\r\ne 1e-05 -1.5E+3 0\ncaf\xc3\xa9 -0 00.1 7\nx 1\t2 3   \n\n\n",
    )
    assert vectors.words == [
        "-lrb-",
        "nan",
        "e",
        "café",
        "x",
    ]  # "nan" is a word; non-finite values are refused
    v = vectors.vectors
    np.testing.assert_array_equal(v[0], np.float32([-1, 2, 0.5]))
    np.testing.assert_array_equal(v[1], np.float32([1, 2, 3]))
    np.testing.assert_array_equal(v[2], np.float32([1e-05, -1500, 0]))
    assert np.signbit(v[3, 0]) and v[3, 1] == np.float32(0.1)
    np.testing.assert_array_equal(v[4], np.float32([1, 2, 3]))


def test_reader_slow_path_parses_like_the_fast_path(tmp_path):
    words, expected, text = _random_glove(2000, 3)
    fast = _read(tmp_path, text)
    slow = _read(tmp_path, text.replace(b"\n", b" \n"))  # trailing spaces: line by line
    assert fast.words == slow.words == words
    np.testing.assert_array_equal(fast.vectors, slow.vectors)


@pytest.mark.parametrize(
    "bad, message",
    [
        (b"w 1 2\n", r"expected a word and 3 numbers, found 2"),
        (b"w 1 2 3 4\n", r"expected a word and 3 numbers, found 4"),
        (b"w 1  3\n", r"expected a word and 3 numbers, found 2"),
        (b" 1 2 3\n", r"expected a word and 3 numbers"),
        (b"w\n", r"expected a word and 3 numbers, found 0"),
        (b"w 1 - 3\n", r"'-' is not a number"),
        (b"w 1 . 3\n", r"'\.' is not a number"),
        (b"w 1 e5 3\n", r"'e5' is not a number"),
        (b"w 1 -e5 3\n", r"'-e5' is not a number"),
        (b"w 1 1-2 3\n", r"'1-2' is not a number"),
        (b"w 1 1_0 3\n", r"'1_0' is not a number"),
        (b"w\xff 1 2 3\n", r"is not UTF-8"),
    ],
)
@pytest.mark.parametrize("block_bytes", [64, 1 << 23])
def test_reader_errors_name_the_file_line(tmp_path, bad, message, block_bytes):
    _, _, text = _random_glove(2000, 3)
    lines = text.split(b"\n")
    content = b"\n".join(lines[:1234]) + b"\n\n" + bad + b"\n".join(lines[1234:])
    with pytest.raises(glove.GloveFormatError, match=r"g\.txt, line 1236: .*" + message):
        _read(tmp_path, content, block_bytes=block_bytes)


def test_reader_blank_start_and_no_final_newline(tmp_path):
    vectors = _read(tmp_path, b"\n\nthe 1 2\nof 3 4")
    assert vectors.words == ["the", "of"] and vectors.vectors.shape == (2, 2)
    with pytest.raises(glove.GloveFormatError, match="line 4"):
        _read(tmp_path, b"\n\nthe 1 2\nof 3")


def test_reader_gz_zip_small_blocks_and_progress(tmp_path, capsys):
    words, expected, text = _random_glove(700, 5)
    gz = tmp_path / "a.txt.gz"
    gz.write_bytes(gzip.compress(text))
    zipped = tmp_path / "a.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("a.txt", text)
    for path in (gz, zipped):
        vectors = glove.read_glove_text(path, progress=True, block_bytes=1000)
        assert vectors.words == words
        np.testing.assert_array_equal(vectors.vectors, expected)
    assert "a.zip" in capsys.readouterr().err
