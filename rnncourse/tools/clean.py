"""For maintainers: strip the notebook metadata that changes from run to run, so that a diff shows only
real changes (nbdev's ``clean_nb``).

``python -m rnncourse.tools.clean [PATH ...]``          cleans notebooks in place (default: every notebook
                                                  in ``notebooks/`` and ``exercises/``); a notebook
                                                  that is already clean is not rewritten.
``python -m rnncourse.tools.clean --check [PATH ...]``  writes nothing; exits 1 naming the notebooks that
                                                  cleaning would change.

Removed: each cell's ``metadata.execution`` (the timestamps nbclient records for every executed cell),
``metadata.ExecuteTime`` (the same, from JupyterLab's execute-time extension), ``metadata.collapsed`` and
``metadata.scrolled`` (how an output was last shown), the notebook's ``metadata.widgets`` (widget state,
with new ids on every run) and ``metadata.language_info.version`` (the Python version of whoever ran the
notebook last). Kept: sources, cell ids, tags and ``rnncourse`` markers, outputs and execution counts (what
nbval compares), the kernelspec and the rest of ``language_info`` (the HTML pages' syntax highlighting
reads it). ``make refresh`` and ``make exercises`` write through :func:`notebook_text`, so what they write
is clean; its format (``nbformat.writes`` and a final newline) is the one every committed notebook uses.
"""

import argparse
import copy
import sys
from pathlib import Path

from ..fileio import write_bytes_atomic
from ..paths import repo_root

VOLATILE_CELL_KEYS = ("execution", "ExecuteTime", "collapsed", "scrolled")


def volatile_metadata(notebook):
    """Where ``notebook`` (an nbformat node) holds metadata that cleaning removes: a list of strings such
    as ``"cell 3 (id 68de6601): metadata.execution"``; empty for a clean notebook."""
    found = [
        f"cell {index} (id {cell.get('id', '?')}): metadata.{key}"
        for index, cell in enumerate(notebook.cells)
        for key in VOLATILE_CELL_KEYS
        if key in cell.get("metadata", {})
    ]
    if "widgets" in notebook.metadata:
        found.append("metadata.widgets")
    if "version" in notebook.metadata.get("language_info", {}):
        found.append("metadata.language_info.version")
    return found


def clean_notebook(notebook):
    """Remove the volatile metadata (see the module docstring) from ``notebook`` in place; return it."""
    for cell in notebook.cells:
        for key in VOLATILE_CELL_KEYS:
            cell.get("metadata", {}).pop(key, None)
    notebook.metadata.pop("widgets", None)
    notebook.metadata.get("language_info", {}).pop("version", None)
    return notebook


def notebook_text(notebook):
    """The text of a cleaned copy of ``notebook`` as the course stores notebooks; ``notebook`` is unchanged."""
    import nbformat

    return nbformat.writes(clean_notebook(copy.deepcopy(notebook))) + "\n"


def clean_file(path, write=True):
    """Clean the notebook file at ``path``; returns whether cleaning changes it (only then is it written,
    and not at all unless ``write``)."""
    import nbformat

    path = Path(path)
    text = notebook_text(nbformat.read(path, as_version=4))
    changed = path.read_bytes() != text.encode("utf-8")
    if changed and write:
        write_bytes_atomic(path, text.encode("utf-8"))
    return changed


def committed_notebooks(root=None):
    """The notebooks of ``notebooks/`` and ``exercises/`` under ``root`` (default: the repository), sorted."""
    root = Path(root or repo_root())
    return sorted((root / "notebooks").glob("*.ipynb")) + sorted((root / "exercises").glob("*.ipynb"))


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m rnncourse.tools.clean", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "paths", nargs="*", help="notebooks (default: every notebook in notebooks/ and exercises/)"
    )
    parser.add_argument(
        "--check", action="store_true", help="do not write; exit 1 if a notebook needs cleaning"
    )
    args = parser.parse_args(argv)
    paths = [Path(p) for p in args.paths] or committed_notebooks()
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    names = args.paths or [path.relative_to(repo_root()).as_posix() for path in paths]
    changed = [name for path, name in zip(paths, names) if clean_file(path, write=not args.check)]
    if args.check:
        if changed:
            print(
                "These notebooks hold volatile metadata (execution timestamps, widget state) or are not "
                "in the stored format:\n  "
                + "\n  ".join(changed)
                + "\nRun `python -m rnncourse.tools.clean` and commit the result.",
                file=sys.stderr,
            )
            return 1
        print(f"{len(paths)} notebook(s) clean.")
        return 0
    for name in changed:
        print(f"cleaned {name}")
    print(f"{len(paths) - len(changed)} of {len(paths)} notebook(s) were already clean.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
