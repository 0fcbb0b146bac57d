"""The exercise-notebook generator, and the generated notebooks themselves.

The fast tests use a hand-built lesson notebook; the last ones read the real lessons in
``notebooks/``: every exercise I–IX is marked, ``exercises/`` is up to date, every blank
version stops with the fill-in message, and (slow) every exercise notebook with its blanks
filled by the solutions runs top to bottom with every check passing.
"""

import nbformat
import pytest
from IPython.core.interactiveshell import InteractiveShell
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from rnncourse import feedback
from rnncourse.feedback import FillInTheBlank
from rnncourse.paths import lesson_notebooks, repo_root
from rnncourse.tools import exercises
from rnncourse.tools.exercises import ExerciseError, blank_out, fill_in

SOLUTION = """\
model = Sequential()
model.add(SimpleRNN(units=600))
model.compile(metrics=['accuracy'])
model.load_weights(weights_file)
plt.plot(history.history['accuracy'])
"""


def marked(cell, role, exercise="II", **extra):
    cell.metadata["rnncourse"] = {"role": role, "exercise": exercise, **extra}
    return cell


def lesson(blanks=("SimpleRNN", "load_weights", "'accuracy'"), check_call="check.exercise_2(model)"):
    solution = marked(
        new_code_cell(
            SOLUTION, execution_count=3, outputs=[new_output("stream", name="stdout", text="done\n")]
        ),
        "solution",
        blanks=list(blanks),
    )
    return new_notebook(
        cells=[
            new_markdown_cell("# Vanishing gradients\n\nThe lesson."),
            new_code_cell("from rnncourse import env\nenv.configure()", execution_count=1),
            new_markdown_cell("Lesson prose that the exercise notebook leaves out."),
            marked(new_markdown_cell("## Exercise II\n\n- Add a `SimpleRNN` layer."), "instructions"),
            marked(new_code_cell("from keras.layers import SimpleRNN", execution_count=2), "setup"),
            solution,
            marked(new_code_cell(f"from rnncourse import check\n\n{check_call}"), "check"),
        ]
    )


# --------------------------------------------------------------------------- blanks


def test_blanks_are_replaced_in_order_after_the_previous_one():
    blanked = blank_out(SOLUTION, ["SimpleRNN", "load_weights", "'accuracy'"])
    assert "model.add(____(units=600))" in blanked
    assert "metrics=['accuracy']" in blanked and "history.history[____]" in blanked
    assert fill_in(blanked, ["SimpleRNN", "load_weights", "'accuracy'"]) == SOLUTION


def test_missing_or_out_of_order_blank_is_an_error():
    with pytest.raises(ExerciseError, match="does not occur"):
        blank_out(SOLUTION, ["GRU"])
    with pytest.raises(ExerciseError, match="list blanks in source order"):
        blank_out(SOLUTION, ["load_weights", "SimpleRNN"])
    with pytest.raises(ExerciseError, match="2 blanks but 1 answers"):
        fill_in("____ ____", ["a"])


# --------------------------------------------------------------------------- generated notebook


def test_exercise_notebook_keeps_only_marked_cells_blanked_and_cleared():
    notebook = exercises.exercise_notebook(lesson(), "01_gradients.ipynb")
    sources = [cell.source for cell in notebook.cells]
    assert sources[0].startswith("# Exercises: Vanishing gradients")
    assert "feedback.enable_feedback()" in sources[1]
    assert not any("Lesson prose" in source for source in sources)
    assert len(notebook.cells) == 6
    solution = notebook.cells[4]
    assert solution.source.count("____") == 3 and solution.metadata["rnncourse"] == {
        "role": "solution",
        "exercise": "II",
    }  # the answers are not in the learner's file
    assert all(
        cell.outputs == [] and cell.execution_count is None
        for cell in notebook.cells
        if cell.cell_type == "code"
    )
    assert [cell.id for cell in notebook.cells][:5] == [
        "cell-00",
        "cell-01",
        "cell-02-ii-instructions",
        "cell-03-ii-setup",
        "cell-04-ii-solution",
    ]


def test_generation_is_deterministic_and_check_reports_stale(tmp_path, capsys):
    lessons, out = tmp_path / "notebooks", tmp_path / "exercises"
    lessons.mkdir()
    nbformat.write(lesson(), lessons / "01_gradients.ipynb")
    nbformat.write(new_notebook(cells=[new_markdown_cell("# No exercises")]), lessons / "00_intro.ipynb")
    arguments = ["--notebooks", str(lessons), "--out", str(out)]
    assert exercises.main(arguments + ["--check"]) == 1
    assert "01_gradients.ipynb is missing" in capsys.readouterr().err
    assert exercises.main(arguments) == 0
    first = (out / "01_gradients.ipynb").read_bytes()
    assert exercises.main(arguments) == 0
    assert (out / "01_gradients.ipynb").read_bytes() == first
    assert sorted(path.name for path in out.iterdir()) == ["01_gradients.ipynb"]
    assert exercises.main(arguments + ["--check"]) == 0
    nbformat.write(lesson(blanks=["SimpleRNN"]), lessons / "01_gradients.ipynb")
    (out / "99_old.ipynb").write_text("{}")
    assert exercises.main(arguments + ["--check"]) == 1
    error = capsys.readouterr().err
    assert "01_gradients.ipynb differs" in error and "99_old.ipynb has no lesson" in error
    assert "make exercises" in error


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda nb: nb.cells[5].metadata["rnncourse"].pop("blanks"), "non-empty rnncourse.blanks"),
        (lambda nb: nb.cells[6].metadata["rnncourse"].update(exercise="X"), "must be one of I, II"),
        (lambda nb: nb.cells.pop(6), "Exercise II has no check cell"),
        (lambda nb: nb.cells.insert(2, nb.cells.pop(6)), "comes before its solution"),
        (
            lambda nb: setattr(nb.cells[6], "source", "check.exercise_3(model)"),
            r"must call check\.exercise_2\(",
        ),
        (lambda nb: nb.cells[5].metadata["rnncourse"].update(blanks=["GRU"]), "cell 5: blank 'GRU'"),
        (lambda nb: nb.cells[3].metadata["rnncourse"].update(role="hint"), "rnncourse.role must be one of"),
        (
            lambda nb: nb.cells[4].metadata["rnncourse"].update(role="note"),
            "a note cell must be a markdown cell",
        ),
        (
            lambda nb: nb.cells.__setitem__(3, marked(new_markdown_cell("A note."), "note")),
            "the note of Exercise II has no instructions cell",
        ),
        (
            lambda nb: marked(nb.cells[2], "note").update(source="## Keras 3\n\nnote"),
            "must not contain a # or ##",
        ),
        (
            lambda nb: setattr(nb.cells[3], "source", "## 5. Exercise III: x"),
            "have the heading of Exercise III",
        ),
        (
            lambda nb: setattr(nb.cells[3], "source", "### Exercise II\n\ntext"),
            "needs one heading '## Exercise II",
        ),
        (
            lambda nb: nb.cells.insert(4, marked(new_markdown_cell("## Exercise II, again"), "instructions")),
            "second '## Exercise' heading",
        ),
    ],
)
def test_inconsistent_markers_are_reported(change, message):
    notebook = lesson()
    change(notebook)
    with pytest.raises(ExerciseError, match=message):
        exercises.exercise_notebook(notebook, "01_gradients.ipynb")


def two_exercise_lesson():
    """Exercises III and IV as a lesson has them: section-numbered headings, notes before and after."""
    cells = [new_markdown_cell("# GRU and LSTM")]
    for number, (exercise, function) in enumerate((("III", 3), ("IV", 4)), start=6):
        cells += [
            marked(
                new_markdown_cell(f"> **Keras 3 note** on {exercise}, from an earlier section."),
                "note",
                exercise,
            ),
            new_markdown_cell("Lesson prose."),
            marked(
                new_markdown_cell(
                    f"## {number}. Exercise {exercise}: title {exercise}\n\nText.\n\n"
                    f"### Instructions\n\n- Do it."
                ),
                "instructions",
                exercise,
            ),
            marked(new_code_cell("x_test = 1"), "setup", exercise),
            marked(
                new_markdown_cell(f"The environment of {exercise}: 5 epochs, `X_test`."), "note", exercise
            ),
            marked(new_code_cell("acc = evaluate(x_test)"), "solution", exercise, blanks=["evaluate"]),
            marked(new_code_cell(f"check.exercise_{function}(acc)"), "check", exercise),
        ]
    return new_notebook(cells=cells)


def test_notes_follow_the_instructions_of_their_exercise():
    notebook = exercises.exercise_notebook(two_exercise_lesson(), "02_cells.ipynb")
    roles = [(cell.metadata.get("rnncourse") or {}).get("role") for cell in notebook.cells]
    assert roles == [None, None] + ["instructions", "note", "note", "setup", "solution", "check"] * 2
    assert notebook.cells[3].source == "> **Keras 3 note** on III, from an earlier section."
    assert notebook.cells[4].source == "The environment of III: 5 epochs, `X_test`."
    assert notebook.cells[4].metadata["rnncourse"] == {"role": "note", "exercise": "III"}
    assert [cell.id for cell in notebook.cells[2:5]] == [
        "cell-02-iii-instructions",
        "cell-03-iii-note",
        "cell-04-iii-note",
    ]
    assert notebook.cells[9].source.startswith("> **Keras 3 note** on IV")


def test_exercise_headings_are_numbered_for_the_exercise_notebook():
    notebook = exercises.exercise_notebook(two_exercise_lesson(), "02_cells.ipynb")
    headings = [
        cell.source.splitlines()[0]
        for cell in notebook.cells
        if (cell.metadata.get("rnncourse") or {}).get("role") == "instructions"
    ]
    assert headings == ["## 1. Exercise III: title III", "## 2. Exercise IV: title IV"]
    assert "### Instructions\n\n- Do it." in notebook.cells[2].source  # the rest is kept as it is
    unnumbered = exercises.exercise_notebook(lesson(), "01_gradients.ipynb")
    assert unnumbered.cells[2].source.startswith("## 1. Exercise II\n\n- Add")
    assert exercises.renumber("## 6.2 Exercise VII\n", 3) == "## 3. Exercise VII\n"


# --------------------------------------------------------------------------- the real lessons


def lessons_with_markers():
    """``[(lesson path, lesson, exercise notebook)]`` for the lessons in notebooks/ that have exercises."""
    found = []
    for path in lesson_notebooks():
        notebook = nbformat.read(path, as_version=4)
        generated = exercises.exercise_notebook(notebook, path.name)
        if generated is not None:
            found.append((path, notebook, generated))
    return found


def test_every_exercise_is_marked_in_the_lessons():
    steps = set()
    for path, lesson_notebook, _ in lessons_with_markers():
        steps |= set(exercises.answers(lesson_notebook, path.name))
    assert {exercise for exercise, _ in steps} == set(feedback.NUMERALS)
    assert {("I", 1), ("I", 2)} <= steps


def instructions_text(generated):
    return "\n".join(
        cell.source
        for cell in generated.cells
        if cell.metadata.get("rnncourse", {}).get("role") == "instructions"
    )


def test_exercise_notebooks_number_their_headings_and_carry_environment_notes():
    for path, _, generated in lessons_with_markers():
        headings = [
            line
            for cell in generated.cells
            for line in cell.source.splitlines()
            if cell.cell_type == "markdown" and line.startswith("## ")
        ]
        numerals = [
            info["exercise"]
            for info in (cell.metadata.get("rnncourse", {}) for cell in generated.cells)
            if info.get("role") == "solution" and info.get("part") in (None, 1)
        ]
        assert headings == [
            f"## {number}. Exercise {numeral}" + heading.split(numeral, 1)[1]
            for number, (numeral, heading) in enumerate(zip(numerals, headings), start=1)
        ], path.name
        notes = {
            cell.metadata["rnncourse"]["exercise"]
            for cell in generated.cells
            if cell.metadata.get("rnncourse", {}).get("role") == "note"
        }
        assert notes, (
            f"{path.name}: no environment note (Keras 3 changes, names, epochs) reaches the exercises"
        )


def test_exercise_text_matches_the_environment():
    """Issue 16, item 6: no course typos, the names of the setup cells, the sigmoid output; the course's epoch
    count kept in the instructions, with this repository's in the note."""
    text = {path.name[:2]: instructions_text(generated) for path, _, generated in lessons_with_markers()}
    everything = "\n".join(text.values())
    for typo in ("simpling", "firsts two", "loaded on the environment", "store on the variable"):
        assert typo not in everything
    assert "x_test" not in text["02"] and "`(X_test, y_test)`" in text["02"]
    notes = {
        path.name[:2]: "\n".join(
            cell.source
            for cell in generated.cells
            if cell.metadata.get("rnncourse", {}).get("role") == "note"
        )
        for path, _, generated in lessons_with_markers()
    }
    # Exercise III keeps the course's "10 epochs"; the note under it gives this repository's 5
    assert (
        "trained with 10 epochs" in text["02"]
        and "5 epochs, where the course's text above says 10" in notes["02"]
    )
    assert "activation='sigmoid'" in text["03"]


def test_exercises_folder_is_up_to_date():
    assert exercises.stale(exercises.generate(), repo_root() / "exercises") == []


def test_every_blank_version_stops_with_the_fill_in_message(capsys):
    shell = InteractiveShell.instance()
    try:
        feedback.enable_feedback(shell)
        for path, _, generated in lessons_with_markers():
            for cell in generated.cells:
                if cell.metadata.get("rnncourse", {}).get("role") == "solution":
                    result = shell.run_cell(cell.source)
                    assert isinstance(result.error_in_exec, FillInTheBlank), (path.name, cell.id)
                    assert "Fill in the blank" in capsys.readouterr().out
    finally:
        InteractiveShell.clear_instance()


def test_environment_cell_runs_again_without_a_false_blank(capsys):
    """Its comment mentions ____: re-running the first cell must not stop with "fill in the blank"."""
    assert "____" in exercises.ENVIRONMENT_CELL
    shell = InteractiveShell.instance()
    try:
        for _ in range(2):
            result = shell.run_cell(exercises.ENVIRONMENT_CELL, store_history=True)
            assert result.success and result.result is None  # no `True` below the cell either
        assert "Fill in the blank" not in capsys.readouterr().out
    finally:
        InteractiveShell.clear_instance()


def test_feedback_knows_each_exercise_cell_by_its_text_or_id(tmp_path):
    """The checks tell which exercise a cell belongs to: filled in any way, still blank, or by cell id."""
    exercises.write(exercises.generate(), tmp_path)
    exercise_cells = feedback.ExerciseCells(tmp_path)

    def code_cells(cells):  # the setup and solution cells keep their order; notes move
        return [
            cell for cell in cells if cell.metadata.get("rnncourse", {}).get("role") in ("setup", "solution")
        ]

    for path, lesson_notebook, generated in lessons_with_markers():
        lesson_cells, cells = code_cells(lesson_notebook.cells), code_cells(generated.cells)
        assert len(lesson_cells) == len(cells)
        for lesson_cell, cell in zip(lesson_cells, cells):
            info = cell.metadata["rnncourse"]
            expected = (feedback.label(info["exercise"], info.get("part")), info["role"])
            assert exercise_cells.identify(lesson_cell.source) == expected, (path.name, cell.id)
            assert exercise_cells.identify(cell.source) == expected
            assert exercise_cells.identify("anything", cell_id=cell.id) == expected
            if info["role"] == "solution":
                wrong = fill_in(cell.source, ["'acc'"] * cell.source.count("____"))
                assert exercise_cells.identify(wrong) == expected
    assert exercise_cells.identify("x = 1") == (None, None)


def solved(lesson_notebook, generated, name):
    """The exercise notebook ``generated`` with every blank filled by the lesson's solution."""
    answers = exercises.answers(lesson_notebook, name)
    solutions = [
        cell.source
        for cell in lesson_notebook.cells
        if cell.metadata.get("rnncourse", {}).get("role") == "solution"
    ]
    filled = nbformat.from_dict(generated)
    for cell in filled.cells:
        info = cell.metadata.get("rnncourse", {})
        if info.get("role") == "solution":
            cell.source = fill_in(cell.source, answers[(info["exercise"], info.get("part"))])
            assert cell.source in solutions
    return filled


@pytest.mark.slow
@pytest.mark.parametrize("name", [path.name for path in lesson_notebooks()])
def test_solved_exercise_notebook_runs_and_every_check_passes(name, tmp_path):
    from rnncourse.tools.notebooks import execute

    found = {
        path.name: (lesson_notebook, generated) for path, lesson_notebook, generated in lessons_with_markers()
    }
    if name not in found:
        pytest.skip(f"notebooks/{name} has no exercises")
    notebook = solved(*found[name], name)
    path = tmp_path / name
    nbformat.write(notebook, path)
    executed, _ = execute(path)
    for cell in executed.cells:
        if cell.metadata.get("rnncourse", {}).get("role") == "check":
            text = "".join(output.get("text", "") for output in cell.outputs)
            assert "correct" in text, (cell.id, cell.outputs)
