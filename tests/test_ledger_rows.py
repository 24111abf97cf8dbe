"""Value moves only through the ledger (docs/ARCHITECTURE.md), read from the source (AST): outside
`ledger/`, the tests and the migrations, no module touches a ledger model's manager
(`Account.objects`, `Entry._default_manager`…) nor calls `apps.get_model("ledger", …)`. Other apps
write through `ledger.services`, lock through `ledger.locks` and read through `ledger.selectors`;
a `select_for_update` on ledger rows always starts from such a manager, so it is caught too.

A model is known by its import, under any alias: `from ledger.models import Seal as S` then
`S.objects`, or `from ledger import models` then `models.Hold.objects`.
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.apps import apps
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
PROJECT = {app for app in settings.INSTALLED_APPS if (ROOT / app / "apps.py").is_file()} | {"core"}
LEDGER_MODELS = frozenset(model.__name__ for model in apps.get_app_config("ledger").get_models())
MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})

# Modules that may still reach ledger rows directly, each with the reason it cannot go through the
# ledger's own modules. Keep it short: an entry whose module no longer needs it fails the test.
ALLOWED: dict[str, str] = {
    # The benchmark's fixture: it bulk-creates thousands of member accounts (and one system
    # account under the reference "bench") with bench-only limits, unaudited, in one statement.
    # No ledger service opens accounts that way, on purpose: the product opens them one by one,
    # audited. This is measuring scaffolding, never run by the product.
    "bench/population.py": "bulk-created benchmark accounts",
}


def violations(source: str, filename: str = "<source>") -> list[str]:
    """Each direct use of a ledger model's manager (or of `apps.get_model("ledger", …)`), as `line: code`."""
    tree = ast.parse(source, filename=filename)
    model_names: set[str] = set()  # local names bound to a ledger model
    module_names: set[str] = set()  # local names bound to the ledger.models module
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            for alias in node.names:
                if node.module == "ledger.models" and alias.name in LEDGER_MODELS:
                    model_names.add(alias.asname or alias.name)
                elif node.module == "ledger" and alias.name == "models":
                    module_names.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "ledger.models" and alias.asname:
                    module_names.add(alias.asname)

    def is_ledger_model(node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return node.id in model_names
        if isinstance(node, ast.Attribute) and node.attr in LEDGER_MODELS:
            value = node.value
            if isinstance(value, ast.Name) and value.id in module_names:
                return True
            # `import ledger.models` then `ledger.models.Account`
            return ast.unparse(value) == "ledger.models"
        return False

    def is_manager(node: ast.AST) -> bool:
        return isinstance(node, ast.Attribute) and node.attr in MANAGERS and is_ledger_model(node.value)

    def is_get_model(node: ast.AST) -> bool:
        return (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get_model"
            and bool(node.args)
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and node.args[0].value.split(".")[0] == "ledger"
        )

    found = [(node.lineno, ast.unparse(node)) for node in ast.walk(tree) if is_manager(node) or is_get_model(node)]
    return [f"{line}: {code}" for line, code in sorted(found)]


def checked_modules() -> list[Path]:
    return [
        path
        for package in sorted(PROJECT - {"ledger"})
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    ]


def test_no_module_outside_the_ledger_touches_ledger_rows() -> None:
    found = {}
    for path in checked_modules():
        name = str(path.relative_to(ROOT))
        if name in ALLOWED:
            continue
        hits = violations(path.read_text(encoding="utf-8"), filename=name)
        if hits:
            found[name] = hits
    assert found == {}, "read through ledger.selectors, write through ledger.services, lock through ledger.locks"


def test_every_allowed_module_still_needs_it() -> None:
    stale = [name for name in ALLOWED if not violations((ROOT / name).read_text(encoding="utf-8"), filename=name)]
    assert stale == []


def test_the_scan_covers_the_apps() -> None:
    names = {str(path.relative_to(ROOT)) for path in checked_modules()}
    assert {"currency/selectors/public.py", "config/metrics.py", "demo/story.py"} <= names
    assert not any(name.startswith(("ledger/", "tests/")) for name in names)
    assert {"Account", "Entry", "Hold", "Transaction", "Seal", "TransactionKind", "ExportJob"} <= LEDGER_MODELS


def test_the_check_catches_a_violation() -> None:
    source = """
from ledger.models import Account, Seal as S
from ledger import models as ledger_models
import ledger.models
from currency.models import Comptoir

Account.objects.filter(kind="member")
S.objects.first()
ledger_models.Hold._default_manager.select_for_update().get(pk=1)
ledger.models.Entry.objects.count()
apps.get_model("ledger", "Transaction")
Comptoir.objects.all()
"""
    assert [hit.split(":")[0] for hit in violations(source)] == ["7", "8", "9", "10", "11"]


def test_the_check_leaves_legitimate_uses_alone() -> None:
    source = """
from ledger import selectors
from ledger.models import Account

def kind(account: Account) -> bool:
    return account.kind == Account.Kind.MEMBER and selectors.system_balance("world", "EUR") == 0
"""
    assert violations(source) == []
