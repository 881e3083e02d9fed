"""The floors of the package: who may import whom, no import cycles, ART only in robustness/.

Every import statement of every module is read (module level and inside functions: a
lazy import is still a dependency), relative imports resolved. docs/architecture.md
explains the floors.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sk_easycore"

# unit -> the units it may import (a unit is a subpackage or a top-level module)
ALLOWED = {
    "_lazy": set(),
    "utils": set(),
    "results": {"_lazy"},
    "data": {"utils"},
    "datasets": {"utils"},
    "models": {"_lazy", "data", "utils"},
    "_cache": {"data", "utils"},
    "scoring": {"_cache", "data", "models", "results", "utils"},
    "robustness": {"data", "models", "scoring", "utils"},
    "base": {"data", "utils"},
    "selection": {"_cache", "base", "data", "robustness", "scoring", "utils"},
    "plotting": {"results", "robustness", "utils"},
    "experiments": {"_cache", "_lazy", "base", "data", "datasets", "models", "plotting",
                    "results", "robustness", "scoring", "selection", "utils", "__init__"},
    "__init__": {"_lazy"},
}


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path, parts[-1] == "__init__"


def _unit(module):
    parts = module.split(".")
    return "__init__" if len(parts) == 1 else parts[1]


def _imports(name, path, is_package):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    base = name.split(".") if is_package else name.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[:len(base) - node.level + 1]
                target = ".".join(anchor + ([node.module] if node.module else []))
            else:
                target = node.module
            yield target, node.lineno
            for alias in node.names:  # "from . import x" may name a submodule
                yield f"{target}.{alias.name}", node.lineno


@pytest.fixture(scope="module")
def graph():
    names = {name for name, _, _ in _modules()}
    edges = {}
    for name, path, is_package in _modules():
        deps = set()
        for target, line in _imports(name, path, is_package):
            if target == "art" or target.startswith("art."):
                deps.add(("art", line))
            elif target in names and target != name:
                deps.add((target, line))
        edges[name] = deps
    return edges


def test_art_is_imported_only_inside_robustness(graph):
    outside = sorted(f"{module}:{line}" for module, deps in graph.items()
                     for target, line in deps if target == "art"
                     and _unit(module) != "robustness")
    assert not outside, f"ART imported outside sk_easycore.robustness: {outside}"


def test_every_import_goes_down_a_floor(graph):
    wrong = sorted(f"{module}:{line} imports {target}" for module, deps in graph.items()
                   for target, line in deps if target != "art"
                   and _unit(target) != _unit(module)
                   and _unit(target) not in ALLOWED[_unit(module)])
    assert not wrong, "imports against the floors of docs/architecture.md:\n" + "\n".join(wrong)


def test_no_import_cycles_between_units_or_modules(graph):
    units = {}
    for module, deps in graph.items():
        units.setdefault(_unit(module), set()).update(
            _unit(t) for t, _ in deps if t != "art" and _unit(t) != _unit(module))
    for name, nodes in (("units", units),
                        ("modules", {m: {t for t, _ in d if t != "art"} for m, d in
                                     graph.items()})):
        cycle = _find_cycle(nodes)
        assert cycle is None, f"import cycle among {name}: {' -> '.join(cycle)}"


def _find_cycle(nodes):
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(nodes.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(nodes):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_cycle_finder_finds_cycles():
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_private_names_imported_across_units():
    found = []
    for name, path, is_package in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        base = name.split(".") if is_package else name.split(".")[:-1]
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level:
                anchor = base[:len(base) - node.level + 1]
                target = ".".join(anchor + ([node.module] if node.module else []))
                if _unit(target) == _unit(name) or target == "sk_easycore":
                    continue
                parts = target.split(".")[2:]
                private = [p for p in parts if p.startswith("_")]
                private += [a.name for a in node.names if a.name.startswith("_")]
                if private:
                    found.append(f"{name}:{node.lineno} from {target} import "
                                 f"{', '.join(a.name for a in node.names)}")
    assert not found, "private imports across subpackages:\n" + "\n".join(found)
