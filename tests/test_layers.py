"""The layers of docs/ARCHITECTURE.md, read from the imports: the ground floor imports no app, no app
imports the wiring (config/), and only the tests import the top floor."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
# The project's own apps, core/ and config/ included (a new one is covered as soon as it is installed).
PROJECT = {app for app in settings.INSTALLED_APPS if (ROOT / app / "apps.py").is_file()}


def imported_modules(path: Path) -> set[str]:
    """Every dotted module a module imports (at the top or inside a function), `from x import y` as x."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def imported_packages(path: Path) -> set[str]:
    """The project's top-level packages a module imports (at the top or inside a function)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names & PROJECT


def test_core_imports_no_app_of_the_project():
    offending = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) - {"core"})
        for path in sorted((ROOT / "core").rglob("*.py"))
    }

    assert {module: apps for module, apps in offending.items() if apps} == {}


def test_nothing_but_the_tests_imports_the_top_floor():
    importers = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & {"demo", "bench"})
        for package in PROJECT - {"demo", "bench"}
        for path in sorted((ROOT / package).rglob("*.py"))
    }

    assert {module: floors for module, floors in importers.items() if floors} == {}


def test_no_app_imports_config():
    # config/ is the wiring at the roof (settings, urls, celery, health, metrics, beat): it may
    # import every app, and no app imports it (settings are read through django.conf.settings).
    importers = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & {"config"})
        for package in sorted(PROJECT - {"config"})
        for path in sorted((ROOT / package).rglob("*.py"))
    }

    assert {module: floors for module, floors in importers.items() if floors} == {}


MEMBERS_MAY_IMPORT_FROM_THE_LEDGER: set[str] = set()


def members_reaching_above(path: Path) -> list[str]:
    """The modules above members (the ledger but its audit log, membership) that a module imports."""
    return sorted(
        module
        for module in imported_modules(path)
        if module.split(".")[0] == "membership"
        or (module.split(".")[0] == "ledger" and module not in MEMBERS_MAY_IMPORT_FROM_THE_LEDGER)
    )


def test_members_imports_neither_the_ledger_nor_membership():
    offending = {
        str(path.relative_to(ROOT)): members_reaching_above(path) for path in sorted((ROOT / "members").rglob("*.py"))
    }

    assert {module: above for module, above in offending.items() if above} == {}


@pytest.mark.parametrize(
    "line",
    [
        "from ledger.services import accounts_open_for_member",
        "from ledger import selectors",
        "import ledger.models",
        "from membership.services import member_join",
        "import membership",
    ],
)
def test_the_members_layer_check_sees_an_import_from_above(tmp_path, line):
    module = tmp_path / "services.py"
    module.write_text(f"from core.audit import audit_record\n\n\ndef f():\n    {line}\n", encoding="utf-8")

    assert members_reaching_above(module) != []
    module.write_text("from core.audit import audit_record\nfrom core.errors import InvalidInput\n", encoding="utf-8")
    assert members_reaching_above(module) == []
