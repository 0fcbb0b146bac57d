"""Fixtures shared by the learner library's tests."""

import pytest


@pytest.fixture()
def empty_root(tmp_path, monkeypatch):
    """A repository root with empty data/ and cache folders, and an empty home."""
    monkeypatch.setenv("RNNCOURSE_ROOT", str(tmp_path))
    monkeypatch.setenv("RNNCOURSE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "data").mkdir()
    return tmp_path
