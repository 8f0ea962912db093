"""The import structure: no import cycle between the project's modules, and the layers hold.

Every import counts, at module level or inside a function: a cycle hidden in a function is
still a loop a reader has to follow. The graph is read from the source (ast), not by importing.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("streams", "glasses_agent", "firmware_bridge", "tools")

# No cycle is tolerated (the last two, agent <-> stages and planner <-> world, went with the
# stages that own their work).
ALLOWED_CYCLES: set[frozenset[str]] = set()

# package -> top-level names its modules must never import (layering: streams <- glasses_agent <-
# firmware_bridge / tools; the runtime never imports training, evaluation or benchmark code).
FORBIDDEN = {
    "streams": ("glasses_agent", "firmware_bridge", "tools", "torch"),
    "glasses_agent": ("tools", "firmware_bridge", "aiomqtt", "paho", "textual"),
    "firmware_bridge": ("tools", "textual"),
}


def module_name(path: Path, root: Path) -> str:
    """`glasses_agent/agent/__init__.py` -> `glasses_agent.agent`."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(path: Path, module: str) -> set[str]:
    """Every dotted name the file imports, anywhere in it, relative imports made absolute.

    `from a.b import c` gives both `a.b` and `a.b.c` (c may be a module or a name in a.b)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([node.module] if node.module else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def project_modules(root: Path, packages: Iterable[str]) -> dict[str, Path]:
    """Module name -> file, for every .py file of the packages under `root`."""
    return {module_name(p, root): p for pkg in packages for p in sorted((root / pkg).rglob("*.py"))}


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the project's modules it imports (a name resolves to its longest module prefix;
    a module's own package `__init__` does not count, Python runs it before the module anyway)."""
    graph = {}
    for module, path in modules.items():
        targets = set()
        for name in imported_names(path, module):
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != module and not module.startswith(name + "."):
                targets.add(name)
        graph[module] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


def test_no_import_cycle_between_the_projects_modules():
    graph = import_graph(project_modules(REPO, PACKAGES))
    unexpected = [sorted(c) for c in cycles(graph) if c not in ALLOWED_CYCLES]
    assert not unexpected, "import cycles: " + "; ".join(" <-> ".join(c) for c in unexpected)


def test_the_cycle_check_sees_an_import_inside_a_function(tmp_path):
    # The check itself must be able to fail: a loop closed only by a function-level import.
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg import b\n")
    (pkg / "b.py").write_text("def f():\n    from . import a\n    return a\n")
    (pkg / "c.py").write_text("import pkg.a\n")
    found = cycles(import_graph(project_modules(tmp_path, ["pkg"])))
    assert found == [frozenset({"pkg.a", "pkg.b"})]


def test_the_layers_hold():
    broken = []
    for module, path in project_modules(REPO, FORBIDDEN).items():
        forbidden = FORBIDDEN[module.split(".")[0]]
        for name in sorted(imported_names(path, module)):
            if name.split(".")[0] in forbidden:
                broken.append(f"{module} imports {name}")
    assert not broken, "; ".join(broken)
