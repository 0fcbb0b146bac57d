"""For maintainers: execute the course notebooks top to bottom in a fresh kernel.

``python -m rnncourse.tools.notebooks run``      executes every notebook into ``build/`` with HTML copies
                                           and prints a summary (``make run``).
``python -m rnncourse.tools.notebooks refresh``  executes notebooks in place, refreshing stored outputs
                                           (``make refresh``; ``NB=path`` for one notebook),
                                           without per-cell execution timestamps.
``python -m rnncourse.tools.notebooks html``     writes the HTML copies into ``build/`` from the outputs
                                           stored in the notebooks, without executing them; only
                                           the missing or older ones, unless ``--force``.

The HTML copies work offline (``rnncourse/tools/html.py``): equations are MathML, no script comes
from a CDN, links between notebooks point at the copies, and images have an alternative text.
"""

import argparse
import sys
import time
from pathlib import Path

from .. import env
from ..fileio import write_bytes_atomic
from ..paths import lesson_notebooks, repo_root
from .clean import notebook_text

CELL_TIMEOUT = 600
# The kernel's own log: only errors. Otherwise every kernel start prints ipykernel's warning that it
# talks to this process over TCP without encryption (it listens on 127.0.0.1 only).
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=ERROR"]


def execute(path, timeout=CELL_TIMEOUT):
    """Run the notebook at ``path`` in a fresh kernel, its folder as working directory.

    Returns ``(notebook, seconds)``; raises nbclient's ``CellExecutionError`` on a failing cell.
    """
    import nbformat
    from nbclient import NotebookClient

    env.set_environment()
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        extra_arguments=KERNEL_ARGUMENTS,
        store_widget_state=False,  # the explorers' widgets live in JupyterLab; no state in the file
        resources={"metadata": {"path": str(Path(path).parent)}},
    )
    started = time.time()
    client.execute()
    return notebook, time.time() - started


def _write(notebook, target):
    """Write ``notebook`` to ``target`` without its execution timestamps (``rnncourse/tools/clean.py``)."""
    write_bytes_atomic(target, notebook_text(notebook).encode("utf-8"))


def refresh(paths):
    """Re-execute each notebook in place; stored outputs are replaced only after a clean run."""
    for path in paths:
        notebook, seconds = execute(path)
        _write(notebook, path)
        print(f"refreshed {path} in {seconds:.1f}s", flush=True)


def write_html(notebook, target):
    """Write the offline HTML copy of ``notebook`` (an nbformat node) to ``target``."""
    from .html import notebook_html

    write_bytes_atomic(target, notebook_html(notebook).encode("utf-8"))


def _last_line(error):
    lines = str(error).strip().splitlines()
    return (lines[-1] if lines else type(error).__name__)[:120]


def html(paths, out_dir, force=False):
    """Write ``out_dir/NAME.html`` from the outputs stored in each notebook of ``paths`` (no execution),
    skipping the copies newer than their notebook unless ``force``; returns whether all succeeded."""
    import nbformat

    out_dir = Path(out_dir)
    ok = True
    for path in map(Path, paths):
        target = out_dir / path.with_suffix(".html").name
        if not force and target.is_file() and target.stat().st_mtime >= path.stat().st_mtime:
            print(f"{target} is up to date")
            continue
        try:
            write_html(nbformat.read(path, as_version=4), target)
        except Exception as error:  # report every notebook, then fail
            print(f"{path.name}: FAILED {_last_line(error)}", file=sys.stderr)
            ok = False
            continue
        print(f"wrote {target}")
    return ok


def run(paths, out_dir):
    """Execute each notebook into ``out_dir`` with an HTML copy; print a summary table."""
    out_dir = Path(out_dir)
    rows = []
    for path in paths:
        path = Path(path)
        try:
            notebook, seconds = execute(path)
            _write(notebook, out_dir / path.name)
            write_html(notebook, out_dir / path.with_suffix(".html").name)
        except Exception as error:  # report every notebook, then fail
            rows.append((path.name, "FAILED", 0.0, _last_line(error)))
            continue
        cells = sum(cell.cell_type == "code" for cell in notebook.cells)
        rows.append((path.name, "ok", seconds, f"{cells} code cells"))
    print(f"\n{'notebook':44} {'status':7} {'seconds':>8}  details")
    for name, status, seconds, detail in rows:
        print(f"{name:44} {status:7} {seconds:8.1f}  {detail}")
    print(f"\nExecuted notebooks and HTML copies are in {out_dir}/")
    return all(status == "ok" for _, status, _, _ in rows)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m rnncourse.tools.notebooks")
    parser.add_argument("command", choices=["run", "refresh", "html"])
    parser.add_argument("paths", nargs="*", help="notebooks (default: every lesson notebook)")
    parser.add_argument("--out", default=str(repo_root() / "build"), help="output folder of `run` and `html`")
    parser.add_argument(
        "--force", action="store_true", help="`html`: rewrite the HTML copies even when up to date"
    )
    args = parser.parse_args(argv)
    paths = [Path(p) for p in args.paths] or lesson_notebooks()
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    if args.command == "refresh":
        refresh(paths)
    elif args.command == "html":
        if not html(paths, args.out, force=args.force):
            sys.exit(1)
    elif not run(paths, args.out):
        sys.exit(1)


if __name__ == "__main__":
    main()
