"""For maintainers: the course installs and runs the ways learners set it up, in fresh environments.

``python -m rnncourse.tools.installs pip``     (``make test-pip``) does what Binder and JupyterHub
    (repo2docker's Python build) do: a new virtual environment, ``pip install -r
    binder/requirements.txt`` from the repository root (the pinned requirements and the course),
    ``binder/postBuild``; then every lesson is executed with ``jupyter nbconvert --execute``, once
    from the repository root and once from ``notebooks/``.
``python -m rnncourse.tools.installs compat``  (``make test-compat``) installs the course with the
    oldest versions it supports (:data:`OLDEST`: the first TensorFlow whose default Keras is
    Keras 3) and runs the unit tests and every lesson under nbval's lax mode (no cell may raise;
    outputs are not compared, since other versions print other digits).

Both work on a copy of the repository's files (tracked and untracked, not ignored) in a temporary
folder, so the checkout, its ``.venv`` and its ``data/cache/`` are never touched; they need the
package index. Each step prints its time; a failing install step stops the run, a failing test step
lets the next one run, and the run exits non-zero.
``make test-pip`` takes about 20 minutes, so CI runs it only when the files that decide the install
changed (``--if-changed``): a passing run records their SHA-256 in :data:`RECORD`, committed with them.
Uses only the standard library, so any Python 3.11+ can run it.
"""

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..paths import lesson_notebooks

ROOT = Path(__file__).resolve().parents[2]
# The oldest supported versions (pyproject.toml's lower bounds): TensorFlow 2.16 is the first whose
# `tf.keras` is Keras 3; Keras 3.5 and NumPy 1.26 are the matching releases. pyarrow is pinned too:
# its newest releases (26.0.1) refuse NumPy 1.26 at import, which their metadata does not say.
OLDEST = {"python": "3.11", "tensorflow": "2.16.2", "keras": "3.5.0", "numpy": "1.26.4", "pyarrow": "19.0.1"}


FAILED = []
# What decides how the course installs; `make test-pip` records their digest in RECORD when it passes.
INSTALL_FILES = (
    "requirements.txt",
    "pyproject.toml",
    "binder/requirements.txt",
    "binder/postBuild",
    "binder/runtime.txt",
    "environment.yml",
)
RECORD = ROOT / ".ci" / "test-pip.sha256"


def install_files_digest(root=ROOT):
    """SHA-256 over :data:`INSTALL_FILES` (each name, its length and its bytes)."""
    digest = hashlib.sha256()
    for name in INSTALL_FILES:
        data = (root / name).read_bytes()
        digest.update(f"{name}\0{len(data)}\0".encode() + data)
    return digest.hexdigest()


def recorded_digest(record=RECORD):
    """The digest a passing ``make test-pip`` recorded, or ``None``."""
    return record.read_text().split()[0] if record.is_file() else None


def step(what, command, cwd, env=None, stop=True):
    """Run ``command`` (a list) in ``cwd``; print what it did and how long it took. On failure exit
    (``stop``) or remember ``what`` in :data:`FAILED`."""
    print(f"==> {what}\n    $ {' '.join(map(str, command))}   (in {cwd})", flush=True)
    start = time.perf_counter()
    result = subprocess.run([str(part) for part in command], cwd=cwd, env=env)
    print(f"    {time.perf_counter() - start:.0f} s, exit code {result.returncode}", flush=True)
    if result.returncode and stop:
        sys.exit(result.returncode)
    if result.returncode:
        FAILED.append(what)


def copy_repository(target):
    """Copy the repository's files (what a clone plus local edits holds) into ``target``."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def fresh_venv(python, folder, repo):
    """A new virtual environment in ``folder``; returns ``(its bin folder, an environment using it)``."""
    step("a new virtual environment", [python, "-m", "venv", folder], repo)
    bin_dir = folder / ("Scripts" if os.name == "nt" else "bin")
    env = {key: value for key, value in os.environ.items() if not key.startswith("RNNCOURSE_")}
    env.pop("PYTHONPATH", None)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    env["VIRTUAL_ENV"] = str(folder)
    return bin_dir, env


def lessons(repo):
    return lesson_notebooks(repo / "notebooks")


def test_pip(python, work):
    """repo2docker's build for ``binder/``, then every lesson executed from two folders."""
    repo = work / "repo"
    copy_repository(repo)
    bin_dir, env = fresh_venv(python, work / "venv", repo)
    pip = [bin_dir / "python", "-m", "pip", "install", "--quiet"]
    step("pip install -r binder/requirements.txt", [*pip, "-r", "binder/requirements.txt"], repo, env)
    step("binder/postBuild", ["bash", "binder/postBuild"], repo, env)
    # nbconvert starts each kernel in the notebook's folder: a copy of each lesson at the
    # repository root runs there, the lesson itself in notebooks/.
    for name, folder in (("root", repo), ("notebooks", repo / "notebooks")):
        for lesson in lessons(repo):
            source = shutil.copy(lesson, repo / lesson.name) if folder == repo else lesson
            command = [bin_dir / "jupyter", "nbconvert", "--to", "notebook", "--execute"]
            command += ["--ExecutePreprocessor.timeout=600", "--output-dir", work / f"executed-{name}"]
            step(f"{lesson.name} from {folder}", [*command, Path(source).name], folder, env, stop=False)


def test_compat(python, work):
    """The oldest supported versions: unit tests, then every lesson under nbval's lax mode."""
    repo = work / "repo"
    copy_repository(repo)
    bin_dir, env = fresh_venv(python, work / "venv", repo)
    pins = [f"{name}=={version}" for name, version in OLDEST.items() if name != "python"]
    constraints = work / "oldest.txt"
    constraints.write_text("\n".join(pins) + "\n")
    pip = [bin_dir / "python", "-m", "pip", "install", "--quiet"]
    step(f"the course with {', '.join(pins)}", [*pip, "-c", constraints, "-e", ".[dev]"], repo, env)
    step("the data cache", ["bash", "binder/postBuild"], repo, env)
    python_in_venv = bin_dir / "python"
    unit = [python_in_venv, "-m", "pytest", "tests", "-q", "-p", "no:cacheprovider"]
    step("unit tests", unit, repo, env, stop=False)
    nbval = ["--nbval-lax", "--nbval-current-env", "--nbval-cell-timeout", "600", "-p", "no:cacheprovider"]
    step(
        "every lesson, no cell raises",
        [python_in_venv, "-m", "pytest", *nbval, "notebooks"],
        repo,
        env,
        stop=False,
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("check", choices=("pip", "compat"), help="which installation to test")
    parser.add_argument(
        "--python",
        help="the interpreter for the new environment (default: this one; "
        f"for compat: python{OLDEST['python']} when found)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (its path is printed)")
    parser.add_argument(
        "--if-changed",
        action="store_true",
        help=f"pip only: skip when the install files are those of the last passing run ({RECORD.name})",
    )
    args = parser.parse_args(argv)
    if args.check == "pip" and args.if_changed and recorded_digest() == install_files_digest():
        print(f"make test-pip: skipped, the install files are those it last passed with ({RECORD.name})")
        return
    python = (
        args.python
        or (args.check == "compat" and shutil.which(f"python{OLDEST['python']}"))
        or sys.executable
    )
    work = Path(tempfile.mkdtemp(prefix=f"rnncourse-{args.check}-"))
    print(f"Working in {work} with {python}", flush=True)
    start = time.perf_counter()
    try:
        (test_pip if args.check == "pip" else test_compat)(python, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    outcome = f"failed: {'; '.join(FAILED)}" if FAILED else "passed"
    if args.check == "pip" and not FAILED:
        stamp = time.strftime("%Y-%m-%d", time.gmtime())
        RECORD.write_text(
            f"{install_files_digest()}  passed {stamp}; commit this file with the install files\n"
        )
    print(f"make test-{args.check}: {outcome} ({(time.perf_counter() - start) / 60:.1f} min)", flush=True)
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
