"""The notebook cleaner (``rnncourse.tools.clean``): it removes what changes from run to run (execution
timestamps, widget state, the Python version) and keeps everything nbval compares.

The tests use a tiny hand-built notebook with the metadata nbclient writes; the last ones check that
``make refresh`` and ``make exercises`` write through the cleaner.
"""

import copy
import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from rnncourse.tools import clean, exercises, notebooks

TIMESTAMPS = {
    "iopub.execute_input": "2024-05-01T10:00:00.000001Z",
    "iopub.status.busy": "2024-05-01T10:00:00.000000Z",
    "iopub.status.idle": "2024-05-01T10:00:01.000000Z",
    "shell.execute_reply": "2024-05-01T10:00:01.000002Z",
}


def executed():
    """A notebook as nbclient leaves it: outputs, execution counts, timestamps, kernel details."""
    code = new_code_cell(
        "print(1)\n2",
        execution_count=1,
        metadata={"execution": dict(TIMESTAMPS), "tags": ["raises-exception"], "scrolled": True},
        outputs=[
            new_output("stream", name="stdout", text="1\n"),
            new_output("execute_result", data={"text/plain": "2"}, execution_count=1),
            new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}),
        ],
    )
    solution = new_code_cell(
        "x = 3",
        execution_count=2,
        metadata={
            "execution": dict(TIMESTAMPS),
            "ExecuteTime": {"end_time": "2024-05-01T10:00:02Z"},
            "collapsed": False,
            "rnncourse": {"role": "solution", "exercise": "I", "blanks": ["3"]},
        },
    )
    notebook = new_notebook(
        cells=[new_markdown_cell("# A lesson", metadata={"rnncourse": {"role": "note"}}), code, solution],
        metadata={
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python", "pygments_lexer": "ipython3", "version": "3.11.7"},
            "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}, "version_major": 2}},
        },
    )
    for index, cell in enumerate(notebook.cells):
        cell.id = f"cell-{index}"
    return notebook


def test_volatile_metadata_names_each_cell_and_key():
    assert clean.volatile_metadata(executed()) == [
        "cell 1 (id cell-1): metadata.execution",
        "cell 1 (id cell-1): metadata.scrolled",
        "cell 2 (id cell-2): metadata.execution",
        "cell 2 (id cell-2): metadata.ExecuteTime",
        "cell 2 (id cell-2): metadata.collapsed",
        "metadata.widgets",
        "metadata.language_info.version",
    ]


def test_cleaning_keeps_what_nbval_compares_and_the_course_markers():
    before = executed()
    after = clean.clean_notebook(copy.deepcopy(before))
    assert clean.volatile_metadata(after) == []
    for old, new in zip(before.cells, after.cells):
        assert (new.id, new.cell_type, new.source) == (old.id, old.cell_type, old.source)
        assert new.get("outputs") == old.get("outputs")
        assert new.get("execution_count") == old.get("execution_count")
    assert [cell.metadata for cell in after.cells] == [
        {"rnncourse": {"role": "note"}},
        {"tags": ["raises-exception"]},
        {"rnncourse": {"role": "solution", "exercise": "I", "blanks": ["3"]}},
    ]
    assert after.metadata == {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python", "pygments_lexer": "ipython3"},
    }


def test_notebook_text_is_clean_stored_format_and_leaves_its_argument_alone():
    notebook = executed()
    text = clean.notebook_text(notebook)
    assert clean.volatile_metadata(notebook) != []  # the argument is not changed
    assert text.endswith("}\n") and '"execution"' not in text and "iopub" not in text
    assert text == json.dumps(json.loads(text), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    assert clean.notebook_text(nbformat.reads(text, as_version=4)) == text  # cleaning twice changes nothing


def test_clean_file_rewrites_only_what_needs_it(tmp_path):
    dirty, tidy = tmp_path / "dirty.ipynb", tmp_path / "tidy.ipynb"
    nbformat.write(executed(), dirty)
    tidy.write_text(clean.notebook_text(executed()), encoding="utf-8")
    modified = tidy.stat().st_mtime_ns
    assert clean.clean_file(dirty, write=False) is True
    assert "iopub" in dirty.read_text()  # write=False writes nothing
    assert clean.clean_file(dirty) is True and clean.clean_file(tidy) is False
    assert dirty.read_bytes() == tidy.read_bytes()
    assert tidy.stat().st_mtime_ns == modified  # an HTML copy newer than it stays up to date


def test_command_line_checks_then_cleans(tmp_path, capsys):
    dirty, tidy = tmp_path / "dirty.ipynb", tmp_path / "tidy.ipynb"
    nbformat.write(executed(), dirty)
    tidy.write_text(clean.notebook_text(executed()), encoding="utf-8")
    assert clean.main(["--check", str(dirty), str(tidy)]) == 1
    error = capsys.readouterr().err
    assert str(dirty) in error and str(tidy) not in error
    assert "python -m rnncourse.tools.clean" in error
    assert clean.main([str(dirty), str(tidy)]) == 0
    assert f"cleaned {dirty}" in capsys.readouterr().out
    assert clean.main(["--check", str(dirty), str(tidy)]) == 0
    with pytest.raises(SystemExit):
        clean.main([str(tmp_path / "missing.ipynb")])
    assert "no such notebook" in capsys.readouterr().err


def test_default_is_every_lesson_and_exercise_notebook(tmp_path):
    for name in ("notebooks/01_a.ipynb", "notebooks/00_b.ipynb", "exercises/01_a.ipynb", "weights/x.json"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("{}")
    assert [path.relative_to(tmp_path).as_posix() for path in clean.committed_notebooks(tmp_path)] == [
        "notebooks/00_b.ipynb",
        "notebooks/01_a.ipynb",
        "exercises/01_a.ipynb",
    ]


# --------------------------------------------------------------------------- the tools that write notebooks


def test_refresh_writes_outputs_without_timestamps(tmp_path, monkeypatch):
    path = tmp_path / "01_lesson.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("print(1)")]), path)
    monkeypatch.setattr(notebooks, "execute", lambda path: (executed(), 1.0))
    notebooks.refresh([path])
    written = nbformat.read(path, as_version=4)
    assert clean.volatile_metadata(written) == []
    assert [cell.get("outputs") for cell in written.cells] == [
        cell.get("outputs") for cell in executed().cells
    ]
    assert written.cells[1].execution_count == 1


def test_cleaning_generated_exercises_keeps_the_staleness_check_passing(tmp_path):
    generated = exercises.generate()
    assert generated, "the lessons generate exercise notebooks"
    exercises.write(generated, tmp_path)
    assert [path.name for path in tmp_path.iterdir() if clean.clean_file(path)] == []
    assert exercises.stale(generated, tmp_path) == []
    name = sorted(generated)[0]
    stamped = nbformat.read(tmp_path / name, as_version=4)
    stamped.cells[1].metadata["execution"] = dict(TIMESTAMPS)  # run in JupyterLab and saved
    nbformat.write(stamped, tmp_path / name)
    assert exercises.stale(generated, tmp_path) == [
        f"{tmp_path / name} differs from what notebooks/{name} generates"
    ]
    assert clean.clean_file(tmp_path / name) is True
    assert exercises.stale(generated, tmp_path) == []
