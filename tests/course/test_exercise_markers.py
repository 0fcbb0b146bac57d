"""Lesson 3 marks its Exercises V-VII for the generator: instructions first, one solution followed by
its check, and every blank found in order in the solution."""

import json
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "03_embedding_layer.ipynb"


def _lesson_cells():
    if not NOTEBOOK.is_file():
        pytest.skip(f"{NOTEBOOK.name} not written yet")
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]


def test_lesson_marks_exercises_v_vi_vii():
    roles = {}
    for cell in _lesson_cells():
        marker = cell.get("metadata", {}).get("rnncourse")
        if marker:
            roles.setdefault(marker["exercise"], []).append(marker["role"])
    assert set(roles) == {"V", "VI", "VII"}
    for exercise, found in roles.items():
        assert found[0] == "instructions", exercise
        assert found.count("solution") == 1 and found.count("check") == 1, exercise
        assert found.index("check") == found.index("solution") + 1, exercise


def test_lesson_blanks_occur_in_order():
    for cell in _lesson_cells():
        marker = cell.get("metadata", {}).get("rnncourse", {})
        if marker.get("role") != "solution":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        position = 0
        for blank in marker["blanks"]:
            found = source.find(blank, position)
            assert found >= 0, (
                f"Exercise {marker['exercise']}: blank {blank!r} not found after position {position}"
            )
            position = found + len(blank)
