"""`make lab` starts JupyterLab as root (with --allow-root) and as a normal user (without it)."""

import os
import shutil
import subprocess
import time

import pytest

from rnncourse.paths import repo_root


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.parametrize("uid, allow_root", [("0", True), ("1000", False)])
def test_make_lab_allows_root_only_for_root(tmp_path, uid, allow_root):
    venv, bin_dir = tmp_path / "venv", tmp_path / "bin"
    (venv / "bin").mkdir(parents=True)
    bin_dir.mkdir()
    jupyter = venv / "bin" / "jupyter"  # a stand-in that prints how it was called
    jupyter.write_text('#!/bin/sh\necho "jupyter $*"\n')
    fake_id = bin_dir / "id"  # `id -u` as root or as a normal user
    fake_id.write_text(f"#!/bin/sh\necho {uid}\n")
    for script in (jupyter, fake_id):
        script.chmod(0o755)
    installed = venv / ".installed"  # newer than requirements.txt: `install` has nothing to do
    installed.touch()
    newest = max((repo_root() / name).stat().st_mtime for name in ("requirements.txt", "pyproject.toml"))
    stamp = max(time.time(), newest + 1)
    os.utime(installed, (stamp, stamp))
    result = subprocess.run(
        ["make", "--no-print-directory", "-s", "-C", str(repo_root()), "lab", f"VENV={venv}"],
        env=dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip().splitlines()[-1]
    assert line.startswith("jupyter lab") and line.endswith("exercises/")
    assert ("--allow-root" in line) == allow_root
