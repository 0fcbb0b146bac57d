"""The module exporter (``rnncourse.tools.export``): lesson cells marked ``# export: rnncourse/<name>.py``
become generated library modules, and ``--check`` notices when one is stale.

The tests build tiny lesson notebooks in a temporary folder and import no TensorFlow; the last one
checks that the modules generated from the real lessons are up to date.
"""

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from rnncourse.paths import repo_root
from rnncourse.tools import export
from rnncourse.tools.export import ExportError

IMPORTS = "# export: rnncourse/scratch.py\nimport numpy as np"
STEP = '''# export: rnncourse/scratch.py

def simple_rnn_step(x_t, h_prev, kernel, recurrent_kernel, bias):
    """One SimpleRNN step: h_t = tanh(x_t W + h_prev U + b), shape (batch, units)."""
    return np.tanh(x_t @ kernel + h_prev @ recurrent_kernel + bias)
'''
DEMO = "h = simple_rnn_step(x, h0, W, U, b)\nprint(h.shape)"


def lesson(*sources):
    """A lesson notebook with a title cell and one code cell per source."""
    return new_notebook(
        cells=[new_markdown_cell("# A lesson")] + [new_code_cell(source) for source in sources]
    )


@pytest.fixture
def course(tmp_path):
    """``(notebooks folder, repository root, main)``: ``main(*args)`` runs the exporter on them."""
    notebooks, root = tmp_path / "notebooks", tmp_path / "repo"
    notebooks.mkdir()
    (root / "rnncourse").mkdir(parents=True)

    def main(*args):
        return export.main(["--notebooks", str(notebooks), "--root", str(root), *args])

    return notebooks, root, main


def write(notebooks, name, notebook):
    nbformat.write(notebook, notebooks / name)


# --------------------------------------------------------------------------- markers and module text


@pytest.mark.parametrize(
    "first_line, target",
    [
        ("# export: rnncourse/scratch.py", "rnncourse/scratch.py"),
        ("#export:rnncourse/gradient_probe.py  ", "rnncourse/gradient_probe.py"),
        ("# exported below: nothing", None),
        ("import numpy as np", None),
        ("", None),
    ],
)
def test_marker_names_the_module_on_the_first_line_only(first_line, target):
    assert export.export_target(first_line + "\nx = 1") == target
    assert export.export_target("x = 1\n" + first_line) is None


@pytest.mark.parametrize(
    "first_line",
    [
        "# export: scratch.py",
        "# export: rnncourse/__init__.py",
        "# export: rnncourse/lessons/cells.py",
        "# export: rnncourse/Scratch.py",
        "# export: rnncourse/a.py rnncourse/b.py",
        "# export:",
    ],
)
def test_marker_naming_no_valid_module_is_an_error(first_line):
    with pytest.raises(ExportError, match=r"must name one module as `# export: rnncourse/<name>.py`"):
        export.export_target(first_line + "\nx = 1")


def test_module_is_header_then_cells_in_order_without_markers(course, capsys):
    notebooks, root, main = course
    write(notebooks, "02_cells.ipynb", lesson("import numpy as np\nx = np.ones((2, 3))", IMPORTS, STEP, DEMO))
    assert main() == 0
    assert "wrote rnncourse/scratch.py" in capsys.readouterr().out
    text = (root / "rnncourse" / "scratch.py").read_text()
    assert text == (
        '"""Generated from notebooks/02_cells.ipynb by `make export`; edit the notebook, not this file."""'
        "\n\nimport numpy as np\n\n\ndef simple_rnn_step(x_t, h_prev, kernel, recurrent_kernel, bias):\n"
        '    """One SimpleRNN step: h_t = tanh(x_t W + h_prev U + b), shape (batch, units)."""\n'
        "    return np.tanh(x_t @ kernel + h_prev @ recurrent_kernel + bias)\n"
    )
    namespace = {}
    exec(compile(text, "scratch.py", "exec"), namespace)  # the module runs on its own
    assert namespace["simple_rnn_step"].__doc__.startswith("One SimpleRNN step")


def test_one_notebook_may_export_several_modules(course):
    notebooks, root, main = course
    write(
        notebooks,
        "01_gradients.ipynb",
        lesson("# export: rnncourse/gradient_probe.py\nSTEPS = 100", IMPORTS, STEP),
    )
    assert main() == 0
    assert sorted(path.name for path in (root / "rnncourse").iterdir()) == ["gradient_probe.py", "scratch.py"]
    assert (root / "rnncourse" / "gradient_probe.py").read_text().endswith("\n\nSTEPS = 100\n")


# --------------------------------------------------------------------------- --check and regeneration


def test_check_passes_when_no_notebook_exports_anything(course, capsys):
    notebooks, root, main = course
    write(notebooks, "00_intro.ipynb", lesson("print(1)"))
    (root / "rnncourse" / "cells.py").write_text('"""Hand-written."""\n')
    assert main("--check") == 0
    assert "up to date (0 module(s))" in capsys.readouterr().out
    assert main() == 0
    assert (root / "rnncourse" / "cells.py").read_text() == '"""Hand-written."""\n'


def test_check_reports_missing_stale_and_orphaned_modules(course, capsys):
    notebooks, root, main = course
    write(notebooks, "02_cells.ipynb", lesson(IMPORTS, STEP))
    assert main("--check") == 1
    error = capsys.readouterr().err
    assert "rnncourse/scratch.py is missing" in error and "Run `make export`" in error
    assert not (root / "rnncourse" / "scratch.py").exists()  # --check writes nothing

    assert main() == 0
    path = root / "rnncourse" / "scratch.py"
    first, modified = path.read_bytes(), path.stat().st_mtime_ns
    assert main("--check") == 0
    assert "up to date (1 module(s))" in capsys.readouterr().out
    assert main() == 0  # fresh: not rewritten
    assert path.read_bytes() == first and path.stat().st_mtime_ns == modified
    assert "nothing written" in capsys.readouterr().out

    write(notebooks, "02_cells.ipynb", lesson(IMPORTS, STEP.replace("tanh(x_t W", "relu(x_t W")))
    assert main("--check") == 1
    assert (
        "rnncourse/scratch.py differs from what notebooks/02_cells.ipynb exports" in capsys.readouterr().err
    )
    path.write_text(path.read_text() + "# edited by hand\n")
    write(notebooks, "02_cells.ipynb", lesson(IMPORTS, STEP))
    assert main("--check") == 1  # a hand edit of the output is stale too
    assert main() == 0 and path.read_bytes() == first

    write(
        notebooks,
        "02_cells.ipynb",
        lesson(STEP.replace("np.", "").replace("# export: rnncourse/scratch.py\n", "")),
    )
    assert main("--check") == 1
    assert "rnncourse/scratch.py is generated, but no notebook exports it any more" in capsys.readouterr().err
    assert main() == 0
    assert "removed rnncourse/scratch.py" in capsys.readouterr().out and not path.exists()
    assert main("--check") == 0


# --------------------------------------------------------------------------- errors


def test_two_notebooks_exporting_one_module_is_an_error_naming_both(course, capsys):
    notebooks, root, main = course
    write(notebooks, "01_gradients.ipynb", lesson(IMPORTS))
    write(notebooks, "02_cells.ipynb", lesson(STEP.replace("np.tanh", "max")))
    assert main("--check") == 2
    error = capsys.readouterr().err
    assert (
        "rnncourse/scratch.py is exported by two notebooks, notebooks/01_gradients.ipynb and "
        "notebooks/02_cells.ipynb (cell 1)"
    ) in error
    assert main() == 2 and not (root / "rnncourse" / "scratch.py").exists()


def test_a_hand_written_module_is_never_overwritten(course, capsys):
    notebooks, root, main = course
    hand_written = root / "rnncourse" / "scratch.py"
    hand_written.write_text('"""NumPy cells, written by hand."""\n')
    write(notebooks, "02_cells.ipynb", lesson(IMPORTS, STEP))
    for args in [(), ("--check",)]:
        assert main(*args) == 2
        assert "rnncourse/scratch.py is a hand-written module" in capsys.readouterr().err
    assert hand_written.read_text() == '"""NumPy cells, written by hand."""\n'


@pytest.mark.parametrize(
    "source, message",
    [
        (
            STEP + "\nprint(simple_rnn_step)",
            r"cell 2: `print\(simple_rnn_step\)` would run whenever the module",
        ),
        (STEP + "\nfor k in range(3):\n    pass", r"cell 2: `for k in range\(3\):` would run"),
        (
            "# export: rnncourse/scratch.py\n%timeit np.ones(3)",
            r"cell 2: the exported code is not plain Python",
        ),
        ("# export: rnncourse/scratch.py\n\n", r"cell 2: the export cell has no code after its marker"),
        ("# export: rnncourse/scratch.py\nfrom __future__ import annotations", r"does not compile"),
        ("# export: notebooks/scratch.py\nx = 1", r"cell 2: the export marker .* must name one module"),
    ],
)
def test_inconsistent_export_cells_are_reported_with_notebook_and_cell(course, capsys, source, message):
    notebooks, root, main = course
    write(notebooks, "02_cells.ipynb", lesson(IMPORTS, source))
    with pytest.raises(ExportError, match=message):
        export.generate(notebooks)
    assert main("--check") == 2
    assert "notebooks/02_cells.ipynb" in capsys.readouterr().err


def test_a_module_must_import_what_it_uses(course):
    notebooks, root, main = course
    write(notebooks, "02_cells.ipynb", lesson("import numpy as np", STEP))  # np imported by the notebook only
    with pytest.raises(
        ExportError,
        match=r"notebooks/02_cells.ipynb, cell 2: rnncourse/scratch.py uses `np`, "
        r"which no export cell defines or imports",
    ):
        export.generate(notebooks)


def test_undefined_names_follow_python_scopes():
    code = (
        "import numpy as np\nUNITS = 4\n\n\ndef f(x, k=UNITS):\n    y = np.tanh(x) + len(x)\n    return g(y)\n\n\n"
        "class Cell:\n    size = 2\n\n    def step(self):\n        return size + self.size\n"
    )
    assert export.undefined_names(code) == ["g", "size"]
    assert export.undefined_names("from numpy import *\n\n\ndef f(x):\n    return tanh(x)\n") == []


# --------------------------------------------------------------------------- the real lessons


def test_the_generated_modules_are_up_to_date():
    problems = export.stale(export.generate(), repo_root())
    assert problems == [], "\n".join(problems) + "\nRun `make export`."
