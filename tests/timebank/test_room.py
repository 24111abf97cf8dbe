"""The time bank's room (docs/ARCHITECTURE.md): it builds on core, members and the ledger only,
and the local currency does not reach into it."""

from __future__ import annotations

from tests.test_layers import ROOT, imported_packages


def _imports_of(package: str) -> dict[str, list[str]]:
    return {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) - {package})
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def test_the_time_bank_imports_only_core_members_and_the_ledger():
    beyond = {
        module: apps for module, apps in _imports_of("timebank").items() if set(apps) - {"core", "members", "ledger"}
    }

    assert beyond == {}


def test_the_local_currency_imports_nothing_of_the_time_bank():
    importers = {module: apps for module, apps in _imports_of("currency").items() if "timebank" in apps}

    assert importers == {}
