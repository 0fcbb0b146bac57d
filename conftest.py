"""Pytest setup shared by the unit tests and the nbval notebook runs.

Exports the course's deterministic environment (rnncourse/env.py) before any kernel starts,
so `pytest` run directly behaves like `make test`.
"""

import os

from rnncourse.env import SETTINGS

for _key, _value in SETTINGS.items():
    os.environ.setdefault(_key, _value)
os.environ.pop("MPLBACKEND", None)


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: executes notebooks end to end (minutes); part of `make test`")
