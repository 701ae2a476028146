"""The frontend's modules import each other in one direction only (function-level imports included)."""

from __future__ import annotations

import ast
from pathlib import Path

import shengqing.frontend

ROOT = Path(shengqing.frontend.__file__).resolve().parent


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in ROOT.glob("*.py"):
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not node.module:
                continue
            if node.module == "shengqing.frontend":
                deps |= {a.name for a in node.names if (ROOT / f"{a.name}.py").exists()}
            elif node.module.startswith("shengqing.frontend."):
                deps.add(node.module.split(".")[2])
        graph[path.stem] = deps - {path.stem}
    return graph


def test_no_import_cycles() -> None:
    graph = _graph()
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        for dep in sorted(graph.get(node, ())):
            if dep in stack:
                cycles.append([*stack[stack.index(dep):], dep])
            elif dep != "__init__" and len(stack) < len(graph):
                visit(dep, [*stack, dep])

    for start in sorted(graph):
        if start != "__init__":
            visit(start, [start])
    assert not cycles, cycles[:3]
