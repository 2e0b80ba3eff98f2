"""Imports run one way: modules ← review ← search ← delivery ← reps ← engagement; demo sits on top.

Every import statement in every file of an app is checked, including imports inside functions, so
a deferred import cannot hide a dependency the wrong way. See docs/architecture.md.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# app -> the apps it must never import (everything to its right, and the demo on top).
FORBIDDEN = {
    # ops: task plumbing (leases, coalescing, the scheduler's job list); names jobs by dotted string.
    "ops": {"modules", "review", "search", "delivery", "reps", "engagement", "accounts", "demo"},
    "modules": {"review", "search", "delivery", "reps", "engagement", "accounts", "demo"},
    "review": {"search", "delivery", "reps", "engagement", "accounts", "demo"},
    "search": {"delivery", "reps", "engagement", "accounts", "demo"},
    # accounts: sign-in lockout and sessions; writes the audit trail, nothing imports it.
    "accounts": {"search", "delivery", "reps", "engagement", "demo"},
    "delivery": {"reps", "engagement", "demo"},
    "reps": {"engagement", "demo"},
    "engagement": {"demo"},
}


def imported_apps(source: str) -> set[tuple[str, int]]:
    """Top-level package of every absolute import in `source`, with its line (relative ones stay home)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {(alias.name.split(".")[0], node.lineno) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.module.split(".")[0], node.lineno))
    return found


def violations(app: str) -> list[str]:
    problems = []
    for path in sorted((ROOT / app).rglob("*.py")):
        for imported, line in imported_apps(path.read_text()):
            if imported in FORBIDDEN[app]:
                problems.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    return problems


@pytest.mark.parametrize("app", [app for app in FORBIDDEN if (ROOT / app).is_dir()])
def test_app_imports_only_apps_to_its_left(app):
    assert violations(app) == []


def test_the_checker_sees_deferred_and_dotted_imports():
    source = "import os\n\ndef f():\n    from review.selectors import x\n    import search.conf\n"
    assert {name for name, _ in imported_apps(source)} == {"os", "review", "search"}
    assert imported_apps("from . import roles\nfrom .models import X\n") == set()


def test_the_layers_this_checks_exist():
    assert {"modules", "review", "search"} <= {app for app in FORBIDDEN if (ROOT / app).is_dir()}
