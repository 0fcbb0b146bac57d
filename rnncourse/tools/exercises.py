"""For maintainers: generate the learners' exercise notebooks from the lesson notebooks.

``python -m rnncourse.tools.exercises``          writes ``exercises/NN_*.ipynb`` (``make exercises``).
``python -m rnncourse.tools.exercises --check``  exits 1 when ``exercises/`` differs from what it would write.

The lesson notebooks in ``notebooks/`` are the solutions. Cells carrying the metadata
``{"rnncourse": {"role": ROLE, "exercise": "I".."VII", ...}}`` (``"part": 1 or 2`` for a step)
with ROLE one of ``instructions``, ``note``, ``setup``, ``solution`` (plus ``"blanks": [...]``)
and ``check`` are copied, in order, into an exercise notebook that starts with a generated title
and environment cell. A ``note`` (markdown: what the environment provides, Keras 3 changes) is
placed right after the instructions of its exercise step, wherever it sits in the lesson, so a
lesson's note from an earlier section can travel with the exercise that needs it.

The first instructions cell of each exercise holds its heading, ``## [N.] Exercise <numeral>…``;
the lesson's section number N is replaced by the exercise's number in the exercise notebook
(``## 6. Exercise III: …`` becomes ``## 1. Exercise III: …`` when III is its first exercise).
In each solution cell the ``blanks`` substrings are replaced by ``____`` (in list order, each at
its first occurrence after the previous blank); outputs and execution counts are cleared and
cell ids are fixed, so the same lessons always give the same bytes. They are written cleaned
(``rnncourse/tools/clean.py``), so cleaning ``exercises/`` leaves ``--check`` passing.
"""

import argparse
import re
import sys
from pathlib import Path

from ..feedback import BLANK, NUMERALS
from ..paths import lesson_notebooks, repo_root
from .clean import notebook_text

ROLES = ("instructions", "note", "setup", "solution", "check")
CELL_TYPES = {
    "instructions": "markdown",
    "note": "markdown",
    "setup": "code",
    "solution": "code",
    "check": "code",
}
# An exercise's heading in its first instructions cell: "## 6. Exercise III: title" or "## Exercise III".
EXERCISE_HEADING = re.compile(r"^##[ \t]+(?:\d+(?:\.\d+)*\.?[ \t]+)?Exercise[ \t]+([IVXLC]+)\b(.*)$")
ENVIRONMENT_CELL = """\
# extra code – deterministic environment (threads, seeds, logging) and instant feedback:
# a cell that still contains ____ stops with a "fill in the blank" message
try:
    from rnncourse import env, feedback
except ModuleNotFoundError as error:  # the course is not installed where this kernel runs
    raise SystemExit(
        f"{error}. Run `pip install -r requirements.txt` in the repository's root folder, "
        "then restart the kernel."
    ) from None

env.configure()
feedback.enable_feedback()"""


class ExerciseError(ValueError):
    """A lesson notebook's exercise markers are inconsistent; the message names the cell."""


def marker(cell):
    """The ``rnncourse`` marker of ``cell`` (a dict) or ``None``."""
    return cell.get("metadata", {}).get("rnncourse")


def blank_out(source, blanks):
    """``source`` with each string of ``blanks`` replaced by ``____``.

    Blanks are replaced in order, each at its first occurrence after the end of the previous
    one; raises :class:`ExerciseError` when one is not found.
    """
    start, pieces = 0, []
    for blank in blanks:
        if not isinstance(blank, str) or not blank:
            raise ExerciseError(f"blank {blank!r} is not a non-empty string")
        found = source.find(blank, start)
        if found < 0:
            where = (
                "" if source.find(blank) < 0 else " after the previous blank (list blanks in source order)"
            )
            raise ExerciseError(f"blank {blank!r} does not occur in the solution cell{where}")
        pieces += [source[start:found], BLANK]
        start = found + len(blank)
    return "".join(pieces) + source[start:]


def fill_in(source, answers):
    """The inverse of :func:`blank_out`: each ``____`` of ``source`` replaced by the next answer."""
    parts = source.split(BLANK)
    if len(parts) - 1 != len(answers):
        raise ExerciseError(f"{len(parts) - 1} blanks but {len(answers)} answers")
    return "".join(part + answer for part, answer in zip(parts, list(answers) + [""]))


def _headings(source):
    """``[(line index, level, text)]`` of the markdown headings of ``source`` (not inside ``` fences)."""
    found, fenced = [], False
    for index, line in enumerate(source.splitlines()):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        match = re.match(r"^(#{1,6})[ \t]+(.*)$", line)
        if match and not fenced:
            found.append((index, len(match.group(1)), line))
    return found


def _exercise_heading(source):
    """``(line index, numeral)`` of every level-2 heading of ``source`` that names an exercise."""
    return [
        (index, match.group(1))
        for index, level, line in _headings(source)
        if level == 2 and (match := EXERCISE_HEADING.match(line))
    ]


def renumber(source, number):
    """``source`` (a first instructions cell) with its exercise heading numbered ``number``."""
    lines = source.splitlines()
    for index, _ in _exercise_heading(source):
        match = EXERCISE_HEADING.match(lines[index])
        lines[index] = f"## {number}. Exercise {match.group(1)}{match.group(2)}"
    return "\n".join(lines) + ("\n" if source.endswith("\n") else "")


def _key(info):
    return info["exercise"], info.get("part")


def _label(info):
    part = info.get("part")
    return f"Exercise {info['exercise']}" + (f" step {part}" if part else "")


def _validate(cells, name):
    """Check the markers of one lesson notebook; return the marked ``(index, cell, info)`` in order."""
    marked = []
    for index, cell in enumerate(cells):
        info = marker(cell)
        if info is None:
            continue
        where = f"{name}, cell {index}"
        if not isinstance(info, dict) or info.get("role") not in ROLES:
            raise ExerciseError(f"{where}: rnncourse.role must be one of {', '.join(ROLES)}, not {info!r}")
        if info.get("exercise") not in NUMERALS:
            raise ExerciseError(
                f"{where}: rnncourse.exercise must be one of {', '.join(NUMERALS)}, "
                f"not {info.get('exercise')!r}"
            )
        if info.get("part") not in (None, 1, 2):
            raise ExerciseError(f"{where}: rnncourse.part must be 1 or 2, not {info.get('part')!r}")
        if cell["cell_type"] != CELL_TYPES[info["role"]]:
            raise ExerciseError(f"{where}: a {info['role']} cell must be a {CELL_TYPES[info['role']]} cell")
        if info["role"] == "note" and any(level <= 2 for _, level, _ in _headings(cell["source"])):
            raise ExerciseError(
                f"{where}: a note cell must not contain a # or ## heading: it is placed under "
                f"the instructions of {_label(info)}"
            )
        if info["role"] == "solution":
            blanks = info.get("blanks")
            if not isinstance(blanks, list) or not blanks:
                raise ExerciseError(f"{where}: a solution cell needs a non-empty rnncourse.blanks list")
            if BLANK in cell["source"]:
                raise ExerciseError(f"{where}: the solution already contains {BLANK}")
            try:
                blank_out(cell["source"], blanks)
            except ExerciseError as error:
                raise ExerciseError(f"{where}: {error}") from None
        if info["role"] == "check":
            function = f"exercise_{NUMERALS.index(info['exercise']) + 1}("
            if function not in cell["source"]:
                raise ExerciseError(
                    f"{where}: the check cell of {_label(info)} must call check.{function}...)"
                )
        marked.append((index, cell, info))
    solutions = {}
    for index, _cell, info in marked:
        if info["role"] == "solution":
            if _key(info) in solutions:
                raise ExerciseError(f"{name}, cell {index}: {_label(info)} has a second solution cell")
            solutions[_key(info)] = index
    for index, _cell, info in marked:
        if _key(info) not in solutions:
            raise ExerciseError(f"{name}, cell {index}: {_label(info)} has no solution cell")
        if info["role"] == "check" and index < solutions[_key(info)]:
            raise ExerciseError(
                f"{name}, cell {index}: the check cell of {_label(info)} comes before its solution"
            )
    for key in solutions:
        if not any(info["role"] == "check" and _key(info) == key for _, _, info in marked):
            raise ExerciseError(f"{name}: {_label({'exercise': key[0], 'part': key[1]})} has no check cell")
    instructions = {_key(info) for _, _, info in marked if info["role"] == "instructions"}
    for index, _cell, info in marked:
        if info["role"] == "note" and _key(info) not in instructions:
            raise ExerciseError(
                f"{name}, cell {index}: the note of {_label(info)} has no instructions cell "
                f"of the same exercise step to follow"
            )
    headed = set()
    for index, cell, info in marked:
        if info["role"] != "instructions":
            continue
        headings = _exercise_heading(cell["source"])
        for _, numeral in headings:
            if numeral != info["exercise"]:
                raise ExerciseError(
                    f"{name}, cell {index}: the instructions of {_label(info)} have the heading "
                    f"of Exercise {numeral}"
                )
        first = info["exercise"] not in headed
        if first and len(headings) != 1:
            raise ExerciseError(
                f"{name}, cell {index}: the first instructions cell of Exercise {info['exercise']} "
                f"needs one heading '## Exercise {info['exercise']}…' (a lesson section number "
                f"before 'Exercise' is allowed), found {len(headings)}"
            )
        if not first and headings:
            raise ExerciseError(
                f"{name}, cell {index}: Exercise {info['exercise']} has a second "
                f"'## Exercise' heading; later instructions cells use ### headings"
            )
        headed.add(info["exercise"])
    return marked


def _title(cells):
    for cell in cells:
        if cell["cell_type"] == "markdown":
            for line in cell["source"].splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return None


def exercise_notebook(lesson, name):
    """The exercise notebook generated from the lesson notebook ``lesson`` (an nbformat node)
    saved as ``notebooks/<name>``; ``None`` when the lesson has no exercise markers."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    marked = _validate(lesson.cells, name)
    if not marked:
        return None
    exercises = sorted({info["exercise"] for _, _, info in marked}, key=NUMERALS.index)
    title = _title(lesson.cells) or Path(name).stem
    intro = (
        f"# Exercises: {title}\n\n"
        f"Exercises {', '.join(exercises)} of the lesson `notebooks/{name}`, which also holds the solutions. "
        f"Run the cells from the top. In each exercise, replace every `{BLANK}` with your code, run the "
        f"cell, then run the check cell below it: it prints a short confirmation, or a hint that names "
        f"the likely mistake."
    )
    cells = [new_markdown_cell(intro), new_code_cell(ENVIRONMENT_CELL)]
    notes = {}
    for _, cell, info in marked:
        if info["role"] == "note":
            notes.setdefault(_key(info), []).append(cell)
    last_instructions = {_key(info): index for index, _, info in marked if info["role"] == "instructions"}
    numbers = {}

    def metadata_of(info):
        return {"rnncourse": {key: info[key] for key in ("role", "exercise", "part") if key in info}}

    for index, cell, info in marked:
        metadata = metadata_of(info)
        if info["role"] == "note":
            continue  # placed after the instructions of its step, below
        if info["role"] == "instructions":
            source = cell["source"]
            if info["exercise"] not in numbers:
                numbers[info["exercise"]] = len(numbers) + 1
                source = renumber(source, numbers[info["exercise"]])
            cells.append(new_markdown_cell(source, metadata=metadata))
            if last_instructions[_key(info)] == index:
                cells += [
                    new_markdown_cell(note["source"], metadata=metadata_of(marker(note)))
                    for note in notes.get(_key(info), [])
                ]
        else:
            source = (
                blank_out(cell["source"], info["blanks"]) if info["role"] == "solution" else cell["source"]
            )
            cells.append(new_code_cell(source, metadata=metadata))
    for number, cell in enumerate(cells):
        info = cell.metadata.get("rnncourse", {})
        cell["id"] = f"cell-{number:02d}" + (f"-{info['exercise']}-{info['role']}" if info else "")
        cell["id"] = cell["id"].lower()
    notebook = new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
    )
    notebook.nbformat, notebook.nbformat_minor = 4, 5
    nbformat.validate(notebook)
    return notebook


def answers(lesson, name):
    """``{(exercise, part): [blank strings]}`` of the lesson notebook ``lesson`` (for tests and graders)."""
    return {
        _key(info): list(info["blanks"])
        for _, _, info in _validate(lesson.cells, name)
        if info["role"] == "solution"
    }


def generate(notebooks_dir=None):
    """``{file name: text}`` of every exercise notebook the lesson notebooks give."""
    import nbformat

    generated = {}
    for path in lesson_notebooks(notebooks_dir):
        notebook = exercise_notebook(nbformat.read(path, as_version=4), path.name)
        if notebook is not None:
            generated[path.name] = notebook_text(notebook)
    return generated


def _shown(path):
    """``path`` relative to the repository root when it lies inside it."""
    try:
        return Path(path).resolve().relative_to(repo_root().resolve())
    except ValueError:
        return Path(path)


def stale(generated, out_dir):
    """Human-readable differences between ``generated`` and the notebooks in ``out_dir`` (empty: up to date)."""
    out_dir = Path(out_dir)
    problems = []
    for name, text in generated.items():
        path = out_dir / name
        if not path.is_file():
            problems.append(f"{_shown(path)} is missing")
        elif path.read_bytes() != text.encode("utf-8"):
            problems.append(f"{_shown(path)} differs from what notebooks/{name} generates")
    existing = sorted(out_dir.glob("*.ipynb")) if out_dir.is_dir() else []
    problems += [
        f"{_shown(path)} has no lesson notebook with exercise markers"
        for path in existing
        if path.name not in generated
    ]
    return problems


def write(generated, out_dir):
    """Write ``generated`` into ``out_dir`` and remove exercise notebooks no lesson generates."""
    from ..fileio import write_bytes_atomic

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in out_dir.glob("*.ipynb"):
        if path.name not in generated:
            path.unlink()
    for name, text in generated.items():
        path = out_dir / name
        if not path.is_file() or path.read_bytes() != text.encode("utf-8"):
            write_bytes_atomic(path, text.encode("utf-8"))


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m rnncourse.tools.exercises", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 if exercises/ differs from what would be generated",
    )
    parser.add_argument("--notebooks", default=None, help="lesson notebooks folder (default: notebooks/)")
    parser.add_argument("--out", default=None, help="exercise notebooks folder (default: exercises/)")
    args = parser.parse_args(argv)
    out_dir = Path(args.out or repo_root() / "exercises")
    try:
        generated = generate(args.notebooks)
    except ExerciseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.check:
        problems = stale(generated, out_dir)
        if problems:
            print(
                "exercises/ is stale — the lesson notebooks changed since it was generated:\n  "
                + "\n  ".join(problems)
                + "\nRun `make exercises` and commit the result.",
                file=sys.stderr,
            )
            return 1
        print(f"exercises/ is up to date ({len(generated)} notebook(s)).")
        return 0
    write(generated, out_dir)
    for name in generated:
        print(f"wrote {_shown(out_dir / name)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
