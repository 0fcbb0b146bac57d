"""One deterministic environment: the variables the ``Makefile`` exports to every command are exactly
:data:`rnncourse.env.SETTINGS`, the ones the kernels, tests and trainer set for themselves."""

import os
import shutil
import subprocess

import pytest

from rnncourse.env import SETTINGS
from rnncourse.paths import repo_root

NOT_FROM_THE_MAKEFILE = "set-by-the-caller"


def environment_of_make_recipes(tmp_path):
    """The environment a recipe of the course's ``Makefile`` runs with, started from an environment in
    which every variable of :data:`SETTINGS` (and ``MPLBACKEND``) holds :data:`NOT_FROM_THE_MAKEFILE`."""
    probe = tmp_path / "probe.mk"
    probe.write_text("print-environment:\n\t@env -0\n")
    caller = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "MPLBACKEND": NOT_FROM_THE_MAKEFILE,
        **{key: NOT_FROM_THE_MAKEFILE for key in SETTINGS},
    }
    result = subprocess.run(
        ["make", "--no-print-directory", "-s", "-f", "Makefile", "-f", str(probe), "print-environment"],
        cwd=repo_root(),
        env=caller,
        capture_output=True,
        check=True,
    )
    pairs = [item.split("=", 1) for item in result.stdout.decode().split("\0") if item]
    return dict(pairs)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed: no Makefile to compare")
def test_the_makefile_exports_the_settings_of_env_py(tmp_path):
    environment = environment_of_make_recipes(tmp_path)
    assert {key: environment.get(key) for key in SETTINGS} == SETTINGS
    assert "MPLBACKEND" not in environment  # unexported: matplotlib picks the notebook's own backend
