"""For maintainers — benchmarks (``make bench``): notebook run time and memory, the best RNN's accuracy
against two tuned bag-of-n-grams baselines (TF-IDF, NBSVM), GloVe loading speed (50d, and a generated
300d file of the real size with the binary cache), the live explorers'
update time — measured on this machine, written to ``benchmarks/``.

``python -m rnncourse.tools.bench``                 measure everything (``make bench``, about 15 minutes
                                              on 2 cores), write ``benchmarks/results.json`` and
                                              ``benchmarks/RESULTS.md``, refresh the README table
``python -m rnncourse.tools.bench --only glove``    measure some sections (notebooks, glove, glove_300d,
                                              baseline, models, explorers), merged into the existing
                                              results
``python -m rnncourse.tools.bench --readme``        rewrite the README table from ``results.json``
``python -m rnncourse.tools.bench --check-readme``  exit 1 when the README table or ``RESULTS.md`` is
                                              stale against ``results.json`` (for CI)

Nothing is skipped silently: a notebook or model that is expected but absent, or that fails,
is reported as such. How each figure is measured is written into ``RESULTS.md``.
"""

import argparse
import signal
import sys
import time
from datetime import UTC, datetime

from .bench_measure import (
    REPEATS,
    _execute_notebook,
    _load,
    machine,
    measure_baseline,
    measure_explorers,
    measure_glove,
    measure_glove_300d,
    measure_models,
    measure_notebooks,
)
from .bench_report import (
    BASELINES,
    SECTIONS,
    _met,
    load_results,
    results_dir,
    stale_views,
    targets,
    update_readme,
    write_results,
)


def measure(sections=SECTIONS, repeats=REPEATS, log=print):
    """Measure ``sections`` and return them as a results dict (plus ``machine`` and ``sections``)."""
    from .. import env

    env.set_environment()
    results, meta = {"machine": machine()}, {}
    order = [s for s in SECTIONS if s in sections]  # notebooks first: before this process imports TF
    for name in order:
        log(f"{name}:")
        started, load = time.perf_counter(), _load()
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
        meta[name] = {
            "measured_at": stamp,
            "load_at_start": load,
            "repeats": repeats,
            "cpu": results["machine"]["cpu"],
            "cores": results["machine"]["cores"],
        }
        try:
            if name == "notebooks":
                results[name] = measure_notebooks(repeats, log=log)
            elif name == "glove":
                results[name] = measure_glove(repeats=repeats)
                log(
                    f"  reader {results[name]['reader']['seconds']['median']:.2f} s, pandas "
                    f"{results[name]['pandas']['seconds']['median']:.2f} s: ratio {results[name]['ratio']:.2f}"
                )
            elif name == "glove_300d":
                results[name] = large = measure_glove_300d(repeats=repeats)
                log(
                    f"  pandas {large['pandas']['seconds']['median']:.2f} s, first read "
                    f"{large['first_read']['seconds']['median']:.2f} s ({large['first_ratio']:.2f}× pandas), "
                    f"repeat read {large['repeat_read']['seconds']['median']:.3f} s "
                    f"({large['repeat_speedup']:.1f}× faster than pandas)"
                )
            elif name == "baseline":
                results[name] = measure_baseline()
                log(
                    "  "
                    + ", ".join(
                        f"{key} C={results[name][key]['C']:g} test accuracy "
                        f"{results[name][key]['test_accuracy']:.4f}"
                        for key in BASELINES
                    )
                )
            elif name == "explorers":
                env.configure()
                results[name] = measure_explorers(repeats)
                log(
                    "  slowest update: "
                    + ", ".join(f"{key} {value['slowest']:.2f} s" for key, value in results[name].items())
                )
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
    """``old`` results updated with the sections measured in ``new``. A section kept from ``old``
    keeps the machine it was measured on (``cpu`` and ``cores`` in its ``sections`` entry, taken from
    ``old["machine"]`` when it has none); ``machine`` becomes the latest one."""
    kept = {}
    for name, meta in old.get("sections", {}).items():
        if "cpu" not in meta and "machine" in old:
            meta = {**meta, "cpu": old["machine"].get("cpu"), "cores": old["machine"].get("cores")}
        kept[name] = meta
    merged = {**old, "sections": kept}
    for key, value in new.items():
        if key == "sections":
            merged["sections"] = {**kept, **value}
        else:
            merged[key] = value
    return merged


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m rnncourse.tools.bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--only",
        help=f"comma-separated sections to measure ({', '.join(SECTIONS)}); merged into the existing results",
    )
    parser.add_argument("--repeats", type=int, default=REPEATS, help="runs per notebook and per reader")
    parser.add_argument(
        "--readme", action="store_true", help="only rewrite the README table and RESULTS.md from results.json"
    )
    parser.add_argument(
        "--check-readme",
        action="store_true",
        help="exit 1 when the README table or RESULTS.md is stale against results.json",
    )
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
