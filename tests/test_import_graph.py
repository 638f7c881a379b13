"""The package's import graph: no circles, and each layer imports only what it may (README: Architecture).

Every ``import`` of every module counts, at module level or inside a function: a lazy import hides a circle from
Python, not from a reader.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "oars_platform"

#: layer → the other layers of ours it may import (a layer is a top-level module or subpackage).
ALLOWED_OUTSIDE = {
    "clickhouse": set(),  # stands alone: oars_platform.connection wires it to the settings
    "xapi": set(),  # pure transformation
    "settings": set(),
    "sources": set(),  # readers only: the platform reads are passed in
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, module: str, modules: frozenset[str] = frozenset()) -> set[str]:
    """Modules of ours that ``path`` imports (resolved to module names, packages included).

    ``from package import submodule`` is an edge to the submodule (Python does not need the package's own
    ``__init__`` to be complete for it); ``from module import name`` an edge to the module.
    """
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, base] if base else anchor)
            submodules = {f"{base}.{alias.name}" for alias in node.names} & modules
            found.update(submodules)
            if len(submodules) < len(node.names):
                found.add(base)
    return {name for name in found if name.split(".")[0] == "oars_platform"}


def _graph() -> dict[str, set[str]]:
    paths = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in paths.items():
        found = _imports(path, module, frozenset(paths))
        graph[module] = {name for name in found if name in paths and name != module}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in graph[node]:
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _layer_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The same graph between layers, a package importing its own __init__ aside."""
    layers: dict[str, set[str]] = {}
    for module, targets in graph.items():
        layer = _package_of(module)
        layers.setdefault(layer, set()).update(_package_of(t) for t in targets if _package_of(t) not in ("", layer))
    return layers


def test_no_module_import_circle() -> None:
    assert _cycles(_graph()) == []


def test_layers_import_only_what_they_may() -> None:
    layers = _layer_graph(_graph())
    wrong = {layer: sorted(layers.get(layer, set()) - allowed) for layer, allowed in ALLOWED_OUTSIDE.items()}
    assert {layer: names for layer, names in wrong.items() if names} == {}


def test_the_checker_sees_a_circle_and_a_lazy_import() -> None:
    graph = {"oars_platform.a": {"oars_platform.b"}, "oars_platform.b": {"oars_platform.a"}, "oars_platform.c": set()}
    assert _cycles(graph) == [["oars_platform.a", "oars_platform.b"]]
    tree_imports = _imports(PACKAGE / "connection.py", "oars_platform.connection")
    assert {"oars_platform.clickhouse", "oars_platform.conf"} <= tree_imports
