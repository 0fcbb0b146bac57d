"""The folder tree tells learners' code from maintainers' code: nothing in the learner library
(``rnncourse/*.py``) imports the tooling (``rnncourse/tools/``), and every module says in its first
docstring line who it is for."""

import ast

import pytest

from rnncourse.paths import repo_root

PACKAGE = repo_root() / "rnncourse"
LIBRARY = sorted(p for p in PACKAGE.glob("*.py") if p.name != "__init__.py")
TOOLS = sorted(p for p in (PACKAGE / "tools").glob("*.py") if p.name != "__init__.py")


def imported_modules(path):
    """Absolute names of the modules ``path`` imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = "rnncourse" if path.parent == PACKAGE else "rnncourse.tools"
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module) if part)
            names += [module] + [f"{module}.{alias.name}" for alias in node.names]
    return names


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.name)
def test_the_learner_library_never_imports_the_tooling(path):
    assert not [name for name in imported_modules(path) if name.startswith("rnncourse.tools")], path.name


@pytest.mark.parametrize("path", LIBRARY + TOOLS, ids=lambda p: p.name)
def test_every_module_says_who_it_is_for(path):
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    first = doc.splitlines()[0] if doc else ""
    expected = (
        "For maintainers" if path.parent.name == "tools" else ("For learners", "Generated from notebooks/")
    )
    assert first.startswith(expected), f"{path.relative_to(repo_root())}: {first!r}"
