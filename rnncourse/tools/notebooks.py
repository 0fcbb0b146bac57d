"""Execute the course notebooks top to bottom in a fresh kernel.

``python -m rnncourse.tools.notebooks run``      executes every notebook into ``build/`` with HTML copies
                                           and prints a summary (``make run``).
``python -m rnncourse.tools.notebooks refresh``  executes notebooks in place, refreshing stored outputs
                                           (``make refresh``; ``NB=path`` for one notebook).
"""

import argparse
import sys
import time
from pathlib import Path

from .. import env
from ..fileio import write_bytes_atomic
from ..paths import repo_root

CELL_TIMEOUT = 600


def lesson_notebooks():
    """The lesson notebooks in ``notebooks/``, in course order."""
    return sorted((repo_root() / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def execute(path, timeout=CELL_TIMEOUT):
    """Run the notebook at ``path`` in a fresh kernel, its folder as working directory.

    Returns ``(notebook, seconds)``; raises nbclient's ``CellExecutionError`` on a failing cell.
    """
    import nbformat
    from nbclient import NotebookClient

    env.set_environment()
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(Path(path).parent)}})
    started = time.time()
    client.execute()
    return notebook, time.time() - started


def _write(notebook, target):
    import nbformat

    write_bytes_atomic(target, (nbformat.writes(notebook) + "\n").encode("utf-8"))


def refresh(paths):
    """Re-execute each notebook in place; stored outputs are replaced only after a clean run."""
    for path in paths:
        notebook, seconds = execute(path)
        _write(notebook, path)
        print(f"refreshed {path} in {seconds:.1f}s", flush=True)


def run(paths, out_dir):
    """Execute each notebook into ``out_dir`` with an HTML copy; print a summary table."""
    from nbconvert import HTMLExporter

    out_dir = Path(out_dir)
    rows = []
    for path in paths:
        path = Path(path)
        try:
            notebook, seconds = execute(path)
        except Exception as error:  # report every notebook, then fail
            rows.append((path.name, "FAILED", 0.0, str(error).strip().splitlines()[-1][:120]))
            continue
        _write(notebook, out_dir / path.name)
        html, _ = HTMLExporter().from_notebook_node(notebook)
        write_bytes_atomic(out_dir / path.with_suffix(".html").name, html.encode("utf-8"))
        cells = sum(cell.cell_type == "code" for cell in notebook.cells)
        rows.append((path.name, "ok", seconds, f"{cells} code cells"))
    print(f"\n{'notebook':44} {'status':7} {'seconds':>8}  details")
    for name, status, seconds, detail in rows:
        print(f"{name:44} {status:7} {seconds:8.1f}  {detail}")
    print(f"\nExecuted notebooks and HTML copies are in {out_dir}/")
    return all(status == "ok" for _, status, _, _ in rows)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m rnncourse.tools.notebooks")
    parser.add_argument("command", choices=["run", "refresh"])
    parser.add_argument("paths", nargs="*", help="notebooks (default: every lesson notebook)")
    parser.add_argument("--out", default=str(repo_root() / "build"), help="output folder of `run`")
    args = parser.parse_args(argv)
    paths = [Path(p) for p in args.paths] or lesson_notebooks()
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    if args.command == "refresh":
        refresh(paths)
    elif not run(paths, args.out):
        sys.exit(1)


if __name__ == "__main__":
    main()
