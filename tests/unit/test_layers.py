"""The one direction of flow (ARCHITECTURE.md), checked on the code's own imports.

Every import in the project's modules counts, at the top or inside a function: the edge
(handlers/, scheduler/) uses the core (bot/), never each other; the core never imports the
edge or Bolt; rules, builders and tables know nothing of Slack; and nothing imports itself
back in a circle.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "bot", "handlers", "models", "scheduler")


@cache
def modules() -> dict[str, Path]:
    found = {"app": ROOT / "app.py"}
    for package in PACKAGES[1:]:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


@cache
def imports_of(module: str) -> frozenset[str]:
    """Every module this one names in an import (project modules and third-party roots)."""
    path = modules()[module]
    names: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    [*package.split(".")[: len(package.split(".")) - node.level + 1], base]
                ).strip(".")
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    known = modules()
    project = {n for n in names if n in known}
    outside = {n.split(".")[0] for n in names if n.split(".")[0] not in PACKAGES}
    return frozenset(project | outside) - {module}


def edges() -> dict[str, set[str]]:
    return {m: {n for n in imports_of(m) if n in modules()} for m in modules()}


def offenders(where: str, forbidden: tuple[str, ...]) -> list[str]:
    """`module -> import` pairs where a module under `where` imports something under `forbidden`."""
    found = []
    for module in modules():
        if module == where or module.startswith(where + "."):
            for name in sorted(imports_of(module)):
                if any(name == f or name.startswith(f + ".") for f in forbidden):
                    found.append(f"{module} -> {name}")
    return found


def test_the_edge_uses_the_core_never_each_other() -> None:
    assert offenders("handlers", ("scheduler",)) == []
    assert offenders("scheduler", ("handlers",)) == []


def test_the_core_never_imports_the_edge_or_bolt() -> None:
    assert offenders("bot", ("handlers", "scheduler", "app", "slack_bolt")) == []
    # One exception: slack-sdk's OAuth tables are its own (its stores' build_*_table methods
    # put them on our metadata, so our migration creates exactly what the stores use).
    sdk_tables = {"models.installations -> slack_sdk"}
    found = offenders("models", ("bot", "handlers", "scheduler", "app", "slack_bolt", "slack_sdk"))
    assert [o for o in found if o not in sdk_tables] == []


def test_rules_and_builders_know_nothing_of_slack_or_of_workflows() -> None:
    slack = ("slack_bolt", "slack_sdk", "bot.slack_api", "bot.directory", "bot.deps")
    assert offenders("bot.services", (*slack, "bot.flows", "bot.blocks")) == []
    assert offenders("bot.blocks", (*slack, "bot.flows")) == []


def test_workflows_take_deps_and_leave_bolt_to_the_edge() -> None:
    assert offenders("bot.flows", ("slack_bolt",)) == []


def test_no_import_circle() -> None:
    graph = edges()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    assert circles == []


def test_the_checker_sees_real_imports() -> None:
    """The rules above are only as good as this reading of imports."""
    assert "bot.flows.nudges" in imports_of("scheduler.reminders")
    assert "slack_bolt" in imports_of("handlers.app")
    assert "handlers" in imports_of("handlers.app")  # an import inside a function counts
    assert offenders("handlers.app", ("slack_bolt",)) != []
