"""The install files agree: pyproject.toml declares every package the library imports, as ranges
that hold requirements.txt's pinned set; requirements.txt installs the course; Binder reads it."""

import ast
import re
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
DEPENDENCIES = {canonicalize_name(r.name): r for r in map(Requirement, PYPROJECT["project"]["dependencies"])}
# Imported only inside a running Jupyter kernel, which brings it (rnncourse.check guards the import).
KERNEL_ONLY = {"IPython"}


def imported_top_level_modules(folder):
    names = set()
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


def pinned():
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", line.strip())
        if match:
            pins[canonicalize_name(match.group(1))] = match.group(2)
    return pins


def test_every_third_party_import_of_the_library_is_a_declared_dependency():
    distributions = packages_distributions()
    third_party = {name for name in imported_top_level_modules(ROOT / "rnncourse") if name in distributions}
    missing = {
        name: distributions[name]
        for name in third_party - KERNEL_ONLY - {"rnncourse"}
        if not {canonicalize_name(d) for d in distributions[name]} & set(DEPENDENCIES)
    }
    assert not missing, f"add to [project] dependencies in pyproject.toml: {missing}"


def test_the_pinned_set_lies_within_the_declared_ranges():
    pins = pinned()
    for name, requirement in DEPENDENCIES.items():
        assert name in pins, f"{name} is a dependency but not pinned in requirements.txt"
        assert requirement.specifier.contains(pins[name], prereleases=True), (name, pins[name])


def test_requirements_install_the_course_and_binder_reads_them():
    lines = [line for line in (ROOT / "requirements.txt").read_text().splitlines() if line.strip()]
    assert lines[-1] == "-e ."
    binder = (ROOT / "binder" / "requirements.txt").read_text().splitlines()
    assert [line for line in binder if line and not line.startswith("#")] == ["-r ../requirements.txt"]
    assert "imdb_files('bundled')" in (ROOT / "binder" / "postBuild").read_text()
    assert "- -r requirements.txt" in (ROOT / "environment.yml").read_text()
