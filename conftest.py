"""Pytest setup shared by the unit tests and the nbval notebook runs.

Exports the course's deterministic environment (rnncourse/env.py) before any kernel starts,
so `pytest` run directly behaves like `make test`.
"""

import os
from pathlib import Path

from rnncourse.env import SETTINGS

for _key, _value in SETTINGS.items():
    os.environ.setdefault(_key, _value)
os.environ.pop("MPLBACKEND", None)


import pytest  # noqa: E402


@pytest.fixture()
def aclimdb_folder(tmp_path, monkeypatch):
    """A tiny ``data/aclImdb/`` under ``tmp_path`` (2 reviews per label and split, 4 per split
    in all), with ``RNNCOURSE_ROOT`` pointing at it; returns ``tmp_path``."""
    from rnncourse import data

    monkeypatch.setenv("RNNCOURSE_ROOT", str(tmp_path))
    monkeypatch.setattr(data, "ACLIMDB_PER_SPLIT", 4)
    for split in ("train", "test"):
        for sub, words in (("pos", "great fine"), ("neg", "awful bad")):
            folder = tmp_path / "data" / "aclImdb" / split / sub
            folder.mkdir(parents=True)
            for i in range(2):
                (folder / f"{i}_7.txt").write_text(f"{words} {split}<br />movie {i}")
    return tmp_path


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: executes notebooks end to end (minutes); part of `make test`")


_BROWSER_TESTS = Path(__file__).resolve().parent / "tests" / "browser"


def pytest_ignore_collect(collection_path, config):
    """tests/browser/ runs only when named (`make test-browser`): it needs Chromium and a minute or two."""
    path = Path(collection_path).resolve()
    if path != _BROWSER_TESTS and _BROWSER_TESTS not in path.parents:
        return None
    requested = [Path(str(arg).split("::")[0]).resolve() for arg in config.args]
    if any(arg == _BROWSER_TESTS or _BROWSER_TESTS in arg.parents for arg in requested):
        return None
    return True
