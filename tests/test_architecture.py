"""The shape of the package: every module imports, and no two modules import each other, directly or round a loop
(imports inside functions and under TYPE_CHECKING count too: a loop of modules is one concept in many rooms)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "linter"


def _modules() -> dict[str, Path]:
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the package's modules it imports (`from linter.report import text` imports linter.report.text)."""

    def known(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    base = f"{anchor}.{base}" if base else anchor
                imported = [base, *(f"{base}.{alias.name}" for alias in node.names)]
            else:
                continue
            targets.update(target for item in imported if (target := known(item)) is not None)
        targets.discard(name)
        graph[name] = targets
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One loop of the graph, or None (depth-first search, each module visited once)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)) is not None:
                return found
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state and (found := visit(module)) is not None:
            return found
    return None


def test_every_module_imports() -> None:
    modules = [name for name in _modules() if not name.endswith("__main__")]  # those run a command
    for name in modules:
        importlib.import_module(name)
    assert {"linter.cli", "linter.engine", "linter.inventory.model", "linter.schema"} <= set(modules)


def test_the_import_graph_has_no_cycle() -> None:
    graph = _graph(_modules())
    assert sum(len(targets) for targets in graph.values()) > 100  # the imports were found
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_a_cycle_is_found() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


INVENTORY_FORMATS = ("linter.inventory.json", "linter.inventory.markdown", "linter.inventory.mermaid",
                     "linter.inventory.text")


def test_inventory_reporters_import_the_inventory_model_only() -> None:
    """The inventory's formats print its rows: they never build them (nor run the command that does)."""
    graph = _graph(_modules())
    for name in INVENTORY_FORMATS:
        inventory = {target for target in graph[name] if target.startswith("linter.inventory")}
        assert "linter.inventory.model" in inventory, name
        assert inventory <= {"linter.inventory", "linter.inventory.model", *INVENTORY_FORMATS}, name


def test_the_reports_are_used_from_the_command_layer_only() -> None:
    """The layers read top-down: linter/report/ prints what the run found, so nothing below the commands imports
    it (the sanitizer, the atomic writer and fingerprints live in low modules). The inventory's text format shares
    the lint text's styling; linter/report/ itself imports nothing from the inventory above it."""
    graph = _graph(_modules())
    users = {name for name, targets in graph.items() if not name.startswith("linter.report")
             and any(target.startswith("linter.report") for target in targets)}
    assert "linter.cli" in users  # the imports were found
    assert users <= {"linter.cli", "linter.server", "linter.inventory.command", "linter.inventory.text"}, users
    for name, targets in graph.items():
        if name.startswith("linter.report"):
            assert not {target for target in targets if target.startswith("linter.inventory")}, name
