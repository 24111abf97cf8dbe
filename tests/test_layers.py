"""The layers of docs/ARCHITECTURE.md, read from the imports: the ground floor imports no app, no app
imports the wiring (config/), and only the tests import the top floor."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
# The project's own apps, core/ and config/ included (a new one is covered as soon as it is installed).
PROJECT = {app for app in settings.INSTALLED_APPS if (ROOT / app / "apps.py").is_file()}


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
