"""What Bocage holds about a member (RGPD, right of access): a registry of sections, one per kind of row.

members imports only core, so each app registers the sections of its own models in its
`AppConfig.ready`, like core.inbox's providers:

```python
def ready(self) -> None:
    from members.personal_data import register

    from .personal_data import SECTIONS

    register(*SECTIONS)
```

A `Section` names a file of the member's export (`key`, "exchange/listings" → `exchange/listings.json`
and `.csv`), the `model` its rows are, and `rows(member)`: that member's rows, a QuerySet of the
model or an iterable of dicts. `fields` are the exported columns (None: every concrete field, so a
field added later is exported without anyone remembering to); secrets are never exported, whatever
`fields` says (`SECRET_FIELDS`: password hashes, token digests, OTP keys, session keys). `computed(row)`
adds or replaces columns (an amount in minor units becomes a decimal in its unit, with the unit code);
`files(member)` gives documents to put beside the rows (a share certificate's PDF).

`exempt(model, reason)` names a model that refers to a member or a user but holds nothing personal
about them that is not exported elsewhere; the test that walks the project's models
(tests/members/test_personal_data.py) fails on a model neither covered nor exempted.

`erase(member) -> int | None` erases the member's rows of the section when they leave
(members.erasure.member_erase calls every section's in key order, and returns how many rows each
changed); a section without one says why in `keeps` (the books, the register, a project's
content: tests/members/test_personal_data.py fails on a section with neither, and the proof test,
tests/members/test_erasure.py, still searches every table). An app above the one that registered a
section may give it its erase (`erase_with`: the audit log's redaction is the ledger's), and
`erase_step(key, erase)` adds an erase for rows no section exports (the mail outbox, the admin's log).
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from django.db import models

# Never exported, on any model: what would let someone log in or act as the member.
SECRET_FIELDS = frozenset(
    {
        "password",
        "digest",
        "password_fingerprint",
        "key",
        "secret",
        "bin_key",
        "token",
        "session_key",
        "session_data",
        "request_hash",
        "idempotency_key",
        "search_key",
    }
)

Rows = Callable[[Any], "models.QuerySet[Any] | Iterable[dict[str, Any]]"]


@dataclass(frozen=True)
class Section:
    """One file of a member's export: `key` (path in the ZIP, without extension), a lazy `label`,
    the `model` of its rows, `rows(member)`, the `fields` exported (None: every concrete one)."""

    key: str
    label: Any
    model: type[models.Model]
    rows: Rows
    fields: tuple[str, ...] | None = None
    computed: Callable[[Any], dict[str, Any]] | None = None
    # Documents that go with the rows (share certificates): files(member) -> [(name, bytes)], written
    # in the ZIP under `<key>/<name>`.
    files: Callable[[Any], Iterable[tuple[str, bytes]]] | None = None
    # The erasure on leaving (pseudonymisation, members.erasure): erase(member) -> rows changed.
    erase: Callable[[Any], int | None] | None = None
    # Without an erase: why the rows stay as they are when the member leaves.
    keeps: str = ""

    def columns(self) -> list[str]:
        if self.fields is not None:
            names = list(self.fields)
        else:
            names = [field.name for field in self.model._meta.concrete_fields]
        return [name for name in names if name not in SECRET_FIELDS]

    def records(self, member: Any) -> Iterator[dict[str, Any]]:
        """The member's rows as dicts of the columns, then what `computed` adds (values as stored:
        `plain` makes them JSON's, core.csv writes them for a spreadsheet)."""
        columns = self.columns()
        for row in self.rows(member):
            if isinstance(row, dict):
                record = {name: row.get(name) for name in columns if name in row}
                record.update({name: value for name, value in row.items() if name not in SECRET_FIELDS})
            else:
                record = {name: field_value(row, name) for name in columns}
                if self.computed is not None:
                    record.update(self.computed(row))
            yield record


def field_value(instance: models.Model, name: str) -> Any:
    """A field's stored value: a relation as the id it holds, a file as its name."""
    field = instance._meta.get_field(name)
    if field.many_to_many:
        return [related.pk for related in getattr(instance, name).all()]
    if field.is_relation and isinstance(field, models.Field):
        return getattr(instance, field.attname)
    value = getattr(instance, name)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or ""
    return value


def plain(value: Any) -> Any:
    """A value JSON can hold: dates ISO, decimals as strings (exact), lazy texts as text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return f"{value:f}"
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    return str(value)


_sections: dict[str, Section] = {}
_exempt: dict[type[models.Model], str] = {}
_erase_steps: dict[str, Callable[[Any], int | None]] = {}


def register(*sections: Section) -> None:
    """Add sections (by key: registering again, as a test reloading an app may, changes nothing)."""
    for section in sections:
        _sections.setdefault(section.key, section)


def sections() -> list[Section]:
    """Every registered section, by key (the order of the files in the ZIP)."""
    return [_sections[key] for key in sorted(_sections)]


def exempt(model: type[models.Model], reason: str) -> None:
    """Declare that `model` refers to members or users but needs no section of its own, and why."""
    if not reason.strip():
        raise ValueError(f"exempting {model._meta.label} needs a reason")
    _exempt.setdefault(model, reason)


def exemptions() -> dict[type[models.Model], str]:
    return dict(_exempt)


def covered_models() -> set[type[models.Model]]:
    return {section.model for section in _sections.values()}


def erase_with(key: str, erase: Callable[[Any], int | None]) -> None:
    """Give the registered section `key` its erase (from an app above the one that registered it)."""
    _sections[key] = replace(_sections[key], erase=erase)


def erase_step(key: str, erase: Callable[[Any], int | None]) -> None:
    """An erase on leaving for rows no section exports (run after the sections', by key)."""
    _erase_steps.setdefault(key, erase)


def erase_steps() -> list[tuple[str, Callable[[Any], int | None]]]:
    return [(key, _erase_steps[key]) for key in sorted(_erase_steps)]
