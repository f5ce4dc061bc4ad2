"""No import cycles anywhere in src/: every import (at module level or inside a function) of one
ita_monitor module by another is an edge, and the graph must have no cycle."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def _module_name(path: Path, src: Path = SRC) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(src: Path = SRC) -> dict[str, set[str]]:
    """ita_monitor module -> the ita_monitor modules it imports (``from pkg import module`` counts
    as importing ``pkg.module``)."""
    modules = {_module_name(p, src): p for p in src.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_pkg = path.name == "__init__.py"
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                edges |= {a.name for a in node.names if a.name in modules}
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative import
                    base = name.split(".")[: len(name.split(".")) - node.level + (1 if is_pkg else 0)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    edges.add(sub if sub in modules else target)
        graph[name] = {e for e in edges if e in modules and e != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of the graph (as a path that comes back to its start), or [] when there is none."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return []

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return []


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_lazy_imports():
    graph = import_graph()
    assert "ita_monitor.flow.pipeline" in graph["ita_monitor.airflow_layer.tasks"]  # imported in a function
    assert "ita_monitor.model.status" in graph["ita_monitor.flow.pipeline"]


def test_no_import_cycles_in_src():
    cycle = find_cycle(import_graph())
    assert not cycle, "import cycle: " + " -> ".join(cycle)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at module level or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return found


def _allowed(module: str, path: Path) -> bool:
    if module == "airflow" or module.startswith("airflow."):
        return False
    if module == "ita_monitor.airflow_layer" and path.parent.name == "cli":
        return True  # the command line's ``from ita_monitor.airflow_layer import cli_adapter``
    return (
        not module.startswith("ita_monitor.airflow_layer")
        or module == "ita_monitor.airflow_layer.cli_adapter"
    )


def core_imports_of_airflow(src: Path = SRC) -> dict[str, list[str]]:
    """Core module -> what it imports of Airflow or of the Airflow layer (the command line may use
    the layer's one adapter, ``airflow_layer.cli_adapter``, and nothing else of it)."""
    layer = src / "ita_monitor" / "airflow_layer"
    found = {}
    for path in sorted((src / "ita_monitor").rglob("*.py")):
        if layer in path.parents:
            continue
        bad = sorted(m for m in _imports(path) if not _allowed(m, path))
        if bad:
            found[_module_name(path, src)] = bad
    return found


def test_no_core_module_imports_airflow():
    assert core_imports_of_airflow() == {}


def test_the_airflow_check_sees_a_lazy_import(tmp_path):
    pkg = tmp_path / "ita_monitor"
    (pkg / "model").mkdir(parents=True)
    (pkg / "model" / "x.py").write_text("def f():\n    from airflow.sdk import conf\n    return conf\n")
    (pkg / "views").mkdir()
    (pkg / "views" / "y.py").write_text("from ita_monitor.airflow_layer import settings\n")
    assert core_imports_of_airflow(tmp_path) == {
        "ita_monitor.model.x": ["airflow.sdk", "airflow.sdk.conf"],
        "ita_monitor.views.y": ["ita_monitor.airflow_layer", "ita_monitor.airflow_layer.settings"],
    }
