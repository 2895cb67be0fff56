"""The import graph: wiki (site-level) < accounts < pages < api, and no circles.

Every import counts, at module level or inside a function, under ``TYPE_CHECKING`` or not:
a function-local import still ties two modules together, it only hides the circle until
something calls the function.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("wiki", "accounts", "pages", "api")
# The project's configuration lives in the wiki package but wires every app together.
PROJECT_CONFIG = {f"wiki.{name}" for name in ("settings", "urls", "celery", "wsgi", "asgi")}
# What each layer must never import.
FORBIDDEN = {
    "wiki": {"accounts", "pages", "api"},
    "accounts": {"pages", "api"},
    "pages": {"api"},
}
# The permission engine depends on nothing above it.
PERMISSION_ENGINE = "accounts.permissions"
PERMISSION_ENGINE_MAY_IMPORT = {
    "accounts.scopes",
    "accounts.models",
    "accounts.rule_regex",
    "wiki.errors",
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    found = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            found[module_name(path)] = path
    return found


def imported_by(name: str, path: Path) -> set[str]:
    """First-party modules ``name`` imports anywhere in its body (``from x import y`` counts
    as ``x.y`` when that is a module, else as ``x``)."""
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = name.split(".")
                if path.name != "__init__.py":
                    package.pop()
                package = package[: len(package) - node.level + 1]
                base = ".".join([*package, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                targets.add(submodule if submodule in modules() else base)
    return {target for target in targets if target.split(".")[0] in APPS}


@cache
def graph() -> dict[str, frozenset[str]]:
    return {name: frozenset(imported_by(name, path)) for name, path in modules().items()}


def layer_violations(app: str) -> list[str]:
    found = []
    for name, targets in graph().items():
        if name.split(".")[0] != app or name in PROJECT_CONFIG:
            continue
        found += [
            f"{name} imports {t}" for t in sorted(targets) if t.split(".")[0] in FORBIDDEN[app]
        ]
    return found


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_no_layer_imports_one_above_it(app):
    assert layer_violations(app) == []


def test_the_permission_engine_depends_on_nothing_above_it():
    assert graph()[PERMISSION_ENGINE] <= PERMISSION_ENGINE_MAY_IMPORT
    assert "accounts.services" not in graph()[PERMISSION_ENGINE]


def test_models_import_no_services():
    for app in ("accounts", "pages", "wiki"):
        assert f"{app}.services" not in graph().get(f"{app}.models", frozenset())


def find_cycle(edges: dict[str, frozenset[str]]) -> list[str] | None:
    """One import circle as ``[a, b, ..., a]``, or None."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for target in sorted(edges.get(node, ())):
            if target not in edges:
                continue
            if state.get(target) == "open":
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        state[node] = "done"
        path.pop()
        return None

    for start in sorted(edges):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_there_are_no_import_circles():
    assert find_cycle(graph()) is None


# --- The checker itself catches what it must --------------------------------------------------
def test_function_local_and_relative_imports_are_seen(tmp_path, monkeypatch):
    source = tmp_path / "mail_settings.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "from . import config\n"
        "if TYPE_CHECKING:\n"
        "    from accounts.permissions import Caller\n"
        "def check():\n"
        "    from accounts import scopes\n"
        "    import pages.models\n"
    )
    monkeypatch.setattr(
        "tests.test_import_graph.modules",
        lambda: {"wiki.config": None, "accounts.scopes": None, "accounts.permissions": None},
    )

    assert imported_by("wiki.mail_settings", source) == {
        "wiki.config",
        "accounts.permissions",
        "accounts.scopes",
        "pages.models",
    }


def test_circles_are_found():
    edges = {
        "accounts.models": frozenset({"accounts.services"}),
        "accounts.services": frozenset({"accounts.permissions"}),
        "accounts.permissions": frozenset({"accounts.services"}),
    }

    assert find_cycle(edges) == [
        "accounts.services",
        "accounts.permissions",
        "accounts.services",
    ]
    assert find_cycle({**edges, "accounts.permissions": frozenset()}) is None
