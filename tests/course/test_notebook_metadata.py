"""Committed notebooks hold no metadata that changes from run to run (execution timestamps, widget
state, the Python version of whoever ran them last), so their diffs show only real changes."""

import nbformat
import pytest

from rnncourse.paths import repo_root
from rnncourse.tools.clean import committed_notebooks, volatile_metadata


@pytest.mark.parametrize(
    "path", committed_notebooks(), ids=lambda path: path.relative_to(repo_root()).as_posix()
)
def test_committed_notebook_has_no_volatile_metadata(path):
    found = volatile_metadata(nbformat.read(path, as_version=4))
    shown = found[:5] + ([f"... and {len(found) - 5} more"] if len(found) > 5 else [])
    assert found == [], (
        f"{path.relative_to(repo_root())} holds volatile metadata:\n  "
        + "\n  ".join(shown)
        + "\nRun `python -m rnncourse.tools.clean` and commit the result."
    )
