"""Transaction kinds: each app registers the kinds of the postings it makes; the ledger lists only its own.

A kind is a row of `TransactionKind` (its code is the primary key), so the database refuses a
transaction of a kind no app registered. An app declares its kinds in its `kinds.py` as a list of
`TransactionKindSpec` (code and translated label) and registers them in its AppConfig.ready:

    from ledger import kinds
    kinds.register(*MY_KINDS)

The rows are written twice over, on purpose: each app's own migration inserts its kinds (so a
migrated database has them whatever runs next), and a `post_migrate` handler upserts every
registered kind after each migrate or test flush (a flush empties the table).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class TransactionKindSpec:
    """A kind of transaction: its code (stored on every transaction), its translated label, and
    whether it is a member paying a member (the transparency page counts those as the economy's
    activity; a conversion, a fee, demurrage or a reversal is not)."""

    code: str
    label: str | Promise
    member_payment: bool = False


# The ledger's own kinds: the postings it makes whoever asks.
TRANSFER = "transfer"
POSTING = "posting"
HOLD_CAPTURE = "hold_capture"
REVERSAL = "reversal"
# One period of a standing order paid (ledger.services.standing_orders).
STANDING_ORDER = "standing_order"

LEDGER_KINDS = [
    TransactionKindSpec(TRANSFER, _("Transfer"), member_payment=True),
    TransactionKindSpec(POSTING, _("Posting")),
    TransactionKindSpec(HOLD_CAPTURE, _("Hold captured"), member_payment=True),
    TransactionKindSpec(REVERSAL, _("Reversal")),
    TransactionKindSpec(STANDING_ORDER, _("Standing order"), member_payment=True),
]

_registered: dict[str, TransactionKindSpec] = {}


def register(*specs: TransactionKindSpec) -> None:
    """Declare kinds (from an AppConfig.ready). A code registered twice must keep its label."""
    for spec in specs:
        known = _registered.get(spec.code)
        if known is not None and known != spec:
            raise ValueError(f"transaction kind {spec.code!r} is registered twice with different labels")
        _registered[spec.code] = spec


def registered() -> list[TransactionKindSpec]:
    """Every registered kind, by code."""
    return [_registered[code] for code in sorted(_registered)]


def member_payment_kinds() -> list[str]:
    """The codes of the registered kinds that are members paying members, by code."""
    return [spec.code for spec in registered() if spec.member_payment]


def label(code: str) -> str:
    """The translated label of a kind (its code if no app registered it)."""
    spec = _registered.get(code)
    return str(spec.label) if spec is not None else code


def kinds_insert(model: Any, codes: list[str], using: str = DEFAULT_DB_ALIAS) -> None:
    """Insert the kinds missing from the table (idempotent); `model` may be a migration's model."""
    model.objects.using(using).bulk_create([model(code=code) for code in codes], ignore_conflicts=True)


def kinds_sync(*, using: str = DEFAULT_DB_ALIAS, apps: Any = None, **_kwargs: Any) -> None:
    """post_migrate: upsert every registered kind (a test flush empties the table). Nothing to do
    when the database is migrated back to before the kind table."""
    from django.apps import apps as global_apps

    try:
        model = (apps or global_apps).get_model("ledger", "TransactionKind")
    except LookupError:
        return
    kinds_insert(model, [spec.code for spec in registered()], using=using)


def choices() -> list[tuple[str, str]]:
    """(code, label) of every registered kind, in the order of registration (the API schema's enum)."""
    return [(spec.code, str(spec.label)) for spec in _registered.values()]


def kinds_migration(codes: list[str]) -> Any:
    """The migration operation by which an app adds its kinds' rows (idempotent); migrating back
    deletes those no transaction uses. An app's migration: `operations = [kinds_migration([...])]`."""
    from django.db import migrations

    def insert(apps: Any, schema_editor: Any) -> None:
        kinds_insert(apps.get_model("ledger", "TransactionKind"), codes, using=schema_editor.connection.alias)

    def delete_unused(apps: Any, schema_editor: Any) -> None:
        db = schema_editor.connection.alias
        used = apps.get_model("ledger", "Transaction").objects.using(db).filter(kind__in=codes).values("kind")
        model = apps.get_model("ledger", "TransactionKind")
        model.objects.using(db).filter(code__in=codes).exclude(code__in=used).delete()

    return migrations.RunPython(insert, delete_unused)
