"""The first code cell of every lesson and exercise notebook: without the course installed it
stops with the command to run, not a traceback; with it, it runs and shows nothing."""

import sys
import warnings

import nbformat
import pytest
from IPython.core.interactiveshell import InteractiveShell

from rnncourse.paths import lesson_notebooks
from rnncourse.tools import exercises

LESSONS = lesson_notebooks()


def first_code_cell(path):
    return next(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")


FIRST_CELLS = {path.name: first_code_cell(path) for path in LESSONS}
FIRST_CELLS["exercises.ENVIRONMENT_CELL"] = exercises.ENVIRONMENT_CELL


@pytest.fixture()
def shell():
    shell = InteractiveShell.instance()
    yield shell
    InteractiveShell.clear_instance()  # the feedback's state lives on the shell, and goes with it


@pytest.mark.parametrize("name", sorted(FIRST_CELLS))
def test_without_the_course_the_first_cell_prints_the_install_command(name, shell, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "rnncourse", None)  # `import rnncourse` now fails as when not installed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # IPython's "To exit: use 'exit'" after any SystemExit
        result = shell.run_cell(FIRST_CELLS[name])
    assert isinstance(result.error_in_exec, SystemExit)
    shown = capsys.readouterr()
    text = shown.out + shown.err
    assert "Run `pip install -r requirements.txt` in the repository's root folder" in text
    assert "restart the kernel" in text
    assert "Traceback" not in text and "ModuleNotFoundError" not in text


@pytest.mark.parametrize("name", sorted(FIRST_CELLS))
def test_with_the_course_the_first_cell_runs_and_shows_nothing(name, shell, capsys):
    result = shell.run_cell(FIRST_CELLS[name])
    assert result.success and result.result is None
    assert capsys.readouterr().out == ""
