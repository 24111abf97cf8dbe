"""House rule (docs/ARCHITECTURE.md, each app's shape): the top-level service owns its transaction with
`transaction.atomic(durable=True)`; a bare `transaction.atomic()` is a savepoint or a nested block, and
each one outside the tests and migrations is listed here with why it may not be durable. A new one fails
until it is listed (or made durable), the way Zulip lints its transaction rules."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SAVEPOINT = "a savepoint around one step that may fail (a unique row, a refusal) while the caller goes on"
PRIMITIVE = "a ledger primitive: other services post inside their own transaction, so it nests"
JOINS = "atomic(savepoint=False): a transaction alone, part of the caller's when nested (its failure fails the caller)"
NESTED = "also called inside another service's transaction (a flow, the seeder, the admin), so it nests"
OWN_STEP = "a claim or a lease of its own, taken before slow work that must not hold the caller's transaction"
READ = "one snapshot for a long read, inside the caller's transaction when there is one"

ALLOWED = {
    "config/admin.py:BocageUserAdmin.user_change_password": NESTED,  # Django's view, with its own atomic
    "config/admin.py:access_attempts_forget": NESTED,
    "crowdfunding/services/closing.py:_settle_share_pledge": SAVEPOINT,
    "crowdfunding/services/pledges/matching.py:_rematch": SAVEPOINT,
    "crowdfunding/notifications.py:campaign_update_deliver": SAVEPOINT,
    "currency/services/territory.py:_communes_not_in_file": SAVEPOINT,
    "exchange/services/reviews.py:review_create": SAVEPOINT,
    "bench/measure.py:_bulk_sql_load": OWN_STEP,
    "bench/places.py:_triggers_off": SAVEPOINT,  # a refused SET (no superuser) leaves the connection usable
    "ledger/export_requests.py:export_request": NESTED,
    "ledger/exports.py:_claim": OWN_STEP,
    "ledger/exports.py:export_run": OWN_STEP,
    "core/idempotency.py:_claim": SAVEPOINT,
    "core/notifications.py:notify": SAVEPOINT,  # the dedupe key's unique row, inside the caller's action
    "core/idempotency.py:_run_in_one_transaction": NESTED,
    "ledger/services/accounts.py:system_account": SAVEPOINT,
    "ledger/services/accounts.py:account_status_set": PRIMITIVE,
    "ledger/services/accounts.py:account_limits_set": PRIMITIVE,
    "ledger/services/postings.py:transaction_post.attempt": PRIMITIVE,  # savepoint=False once the API claimed its key
    "core/mail.py:outbound_email_queue": JOINS,
    "core/notifications.py:notify_many": JOINS,
    "members/erasure.py:member_erase": JOINS,
    "members/services/api_tokens.py:api_tokens_revoke_all": JOINS,
    "members/services/members.py:member_closed_mark": JOINS,
    "members/services/sessions.py:user_sessions_end_all": JOINS,
    "ledger/services/batch.py:_post_batch.attempt": PRIMITIVE,
    "ledger/services/postings.py:transaction_reverse.attempt": PRIMITIVE,
    "ledger/services/holds.py:hold_create.attempt": PRIMITIVE,
    "ledger/services/holds.py:hold_capture.attempt": PRIMITIVE,
    "ledger/services/holds.py:hold_void.attempt": PRIMITIVE,
    "ledger/services/holds.py:hold_expire.attempt": PRIMITIVE,
    "ledger/services/holds.py:holds_capture_batch.attempt": PRIMITIVE,
    "ledger/services/holds.py:holds_void_batch.attempt": PRIMITIVE,
    "ledger/services/standing_orders.py:standing_order_create": SAVEPOINT,
    "ledger/services/standing_orders.py:standing_order_cancel.attempt": PRIMITIVE,
    "ledger/services/standing_orders.py:standing_order_run.attempt": PRIMITIVE,
    "ledger/verification.py:verify_ledger": READ,
    "members/otp.py:second_factor_verify": NESTED,
    "members/services/members.py:member_create": NESTED,
    "membership/services/joining.py:member_join": NESTED,
    "membership/services/leaving.py:member_close": NESTED,
    "members/services/api_tokens.py:api_token_create": NESTED,
    "members/services/api_tokens.py:api_token_revoke": NESTED,
    "members/personal_data_exports.py:_claim": OWN_STEP,
    "members/personal_data_exports.py:personal_data_export_run": OWN_STEP,
    "membership/services/joining.py:member_invite": NESTED,  # each line of an import
    # One line; inside the check's rolled-back transaction.
    "membership/services/joining.py:members_import.run": SAVEPOINT,
    # The check: every line inside one transaction rolled back at the end; then the import's audit row.
    "membership/services/joining.py:members_import": OWN_STEP,
}


def bare_atomics(path: Path) -> list[str]:
    """`file:Outer.inner` for each `transaction.atomic()` of the module that is not durable (`savepoint=` too)."""
    found: list[str] = []
    scope: list[str] = []

    class Visitor(ast.NodeVisitor):
        def visit_scope(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
            scope.append(node.name)
            self.generic_visit(node)
            scope.pop()

        visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = visit_scope

        def visit_Call(self, node: ast.Call) -> None:
            durable = any(
                keyword.arg == "durable" and isinstance(keyword.value, ast.Constant) and keyword.value.value is True
                for keyword in node.keywords
            )
            if ast.unparse(node.func) in {"transaction.atomic", "atomic"} and not node.args and not durable:
                found.append(f"{path.relative_to(ROOT)}:{'.'.join(scope)}")
            self.generic_visit(node)

    Visitor().visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def project_modules() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [
        ROOT / name
        for name in listed.stdout.split()
        if not name.startswith(("tests/", "scripts/")) and "/migrations/" not in name
    ]


def test_every_bare_atomic_is_listed_with_its_reason():
    found = {place for path in project_modules() for place in bare_atomics(path)}

    assert sorted(found - set(ALLOWED)) == [], "make it atomic(durable=True), or list it with its reason"
    assert sorted(set(ALLOWED) - found) == [], "no longer there: take it off the list"


def test_the_lint_sees_a_bare_atomic_and_lets_a_durable_one_pass(tmp_path, monkeypatch):
    module = tmp_path / "service.py"
    module.write_text(
        "from django.db import transaction\n\n"
        "def thing_create():\n    with transaction.atomic():\n        pass\n\n"
        "def thing_update():\n    with transaction.atomic(durable=True):\n        pass\n",
        encoding="utf-8",
    )
    monkeypatch.setitem(globals(), "ROOT", tmp_path)

    assert bare_atomics(module) == ["service.py:thing_create"]
