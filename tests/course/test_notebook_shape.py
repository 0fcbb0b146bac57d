"""Every lesson has one shape: a "# Lesson N · Title" heading, an opening paragraph on what the
learner will be able to do, numbered sections "## 1. …", "## 2. …" without gaps, an optional
"## Going further", then "## Summary" and "## Keras 3 notes" last."""

import re

import nbformat
import pytest

from rnncourse.paths import lesson_notebooks

LESSONS = lesson_notebooks()
CLOSING = ["Going further", "Summary", "Keras 3 notes"]


def headings(notebook):
    """``(cell index, level, text)`` of every markdown heading (outside code fences)."""
    found = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "markdown":
            continue
        fenced = False
        for line in cell.source.splitlines():
            if line.startswith("```"):
                fenced = not fenced
            match = None if fenced else re.match(r"(#{1,6}) (.+)", line)
            if match:
                found.append((index, len(match.group(1)), match.group(2).strip()))
    return found


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_shape(path):
    notebook = nbformat.read(path, as_version=4)
    found = headings(notebook)
    number = int(path.name[:2])
    title = notebook.cells[0].source.splitlines()[0]
    assert re.fullmatch(rf"# Lesson {number} · \S.*", title), f"{path.name}: title {title!r}"
    opening = notebook.cells[0].source.split("\n", 1)[1].strip()
    assert opening.startswith("In this lesson you will") or "you will" in opening[:300], (
        f"{path.name}: the opening paragraph should say what the learner will be able to do"
    )
    assert [level for _, level, _ in found].count(1) == 1, f"{path.name}: one title only"
    sections = [text for _, level, text in found if level == 2]
    numbered = [text for text in sections if re.match(r"\d+\. ", text)]
    closing = [text for text in sections if not re.match(r"\d+\. ", text)]
    numbers = [int(text.split(".")[0]) for text in numbered]
    assert numbers == list(range(1, len(numbers) + 1)), f"{path.name}: section numbers {numbers}"
    assert sections == numbered + closing, f"{path.name}: numbered sections come first, then {CLOSING}"
    assert closing in (CLOSING, CLOSING[1:]), f"{path.name}: closing sections {closing}, expected {CLOSING}"
    for index, level, text in found:  # a section heading opens its cell, so the cell is the section's start
        if level == 2:
            assert notebook.cells[index].source.startswith("## "), (
                f"{path.name} cell {index}: {text!r} mid-cell"
            )


@pytest.mark.parametrize("path", LESSONS[:-1], ids=lambda p: p.name)
def test_every_lesson_but_the_last_ends_with_a_link_to_the_next(path):
    following = LESSONS[LESSONS.index(path) + 1]
    title = nbformat.read(following, as_version=4).cells[0].source.splitlines()[0].removeprefix("# ")
    last = nbformat.read(path, as_version=4).cells[-1].source
    assert last.rstrip().endswith(f"**Next:** [{title}]({following.name})."), path.name
