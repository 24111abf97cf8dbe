"""The import contracts of docs/ARCHITECTURE.md, read from the source (AST), so a new import that
breaks the layers fails here and names the module.

- Between apps: each app imports only the apps its layer allows (`ALLOWED`); siblings of the
  domain floor import each other only where a written contract says so.
- Between modules: no cycle, inside an app or across apps. Imports inside functions count (they
  run too); imports under `if TYPE_CHECKING:` do not (they never run).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
PROJECT = {app for app in settings.INSTALLED_APPS if (ROOT / app / "apps.py").is_file()} | {"core"}

GROUND = {"core"}
PEOPLE = GROUND | {"members"}
LEDGER = PEOPLE | {"ledger"}
# What each app may import besides itself. The domain apps stand on the ledger; a sibling only by
# a contract written here.
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "members": GROUND,
    "ledger": PEOPLE,
    # Contract: a membership fee paid in euros at an exchange office names the comptoir (currency's)
    # and counts in its cash report.
    "membership": LEDGER | {"currency"},
    "currency": LEDGER,
    "timebank": LEDGER,
    "exchange": LEDGER,
    "cooperative": LEDGER,
    "places": LEDGER,
    # Contract: a crowdfunding campaign may raise a cooperative's shares (the subscription flow).
    "crowdfunding": LEDGER | {"cooperative"},
    # The portal (the site's shell, its public home and footer pages) reads the domain apps'
    # selectors and hands a logged-in visitor's home to the ledger's dashboard view.
    "portal": LEDGER | {"membership", "currency", "timebank", "exchange", "cooperative", "crowdfunding", "places"},
    # The top floor: the demo community and the benchmark use every app's services.
    "demo": PROJECT - {"demo", "bench", "config"},
    "bench": PROJECT - {"demo", "bench", "config"},
    # The roof: the wiring (urls, admin site, metrics, health) sees every app but the top floor.
    "config": PROJECT - {"demo", "bench", "config"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in sorted(PROJECT)
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    }


def runtime_imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import that runs: at the top, in functions, but not under `if TYPE_CHECKING:`."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (child for orelse in node.orelse for child in runtime_imports(orelse))
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        yield from runtime_imports(node)


def imported_modules(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project's modules this one imports (`from a.b import c` is a.b.c if that is a module)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in runtime_imports(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != module:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {module: imported_modules(module, path, modules) for module, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph.get(successor, ())))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
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
    return found


def test_every_app_imports_only_what_its_layer_allows():
    assert not PROJECT - set(ALLOWED), f"an app has no rule yet: {sorted(PROJECT - set(ALLOWED))}"
    breaches = {}
    for module, imported in import_graph().items():
        app = module.split(".")[0]
        outside = {target.split(".")[0] for target in imported} - {app} - ALLOWED[app]
        if outside:
            breaches[module] = sorted(outside)

    assert breaches == {}


def test_no_import_cycle_between_modules():
    assert cycles(import_graph()) == []


def test_the_checks_see_a_cycle_and_a_breach(tmp_path):
    """The two checks above can fail: a cycle and an upward import, in a made-up graph."""
    graph = {"a.x": {"a.y"}, "a.y": {"a.z"}, "a.z": {"a.x"}, "b.w": {"a.x"}}

    assert cycles(graph) == [["a.x", "a.y", "a.z"]]
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import ledger.models\n"
        "def f():\n    from ledger import services\n"
    )
    imports = [ast.unparse(node) for node in runtime_imports(ast.parse(sample.read_text()))]
    assert imports == ["from typing import TYPE_CHECKING", "from ledger import services"]
