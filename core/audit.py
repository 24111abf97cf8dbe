"""The audit log: every administrative action records who, when, what and why, in the same
database transaction as the action itself (so an action that rolls back leaves no trace, and an
action that commits always has one)."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from babel.dates import format_date
from django.apps import apps as django_apps
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy, to_locale
from django.utils.translation import gettext as _

from core.typing import Actor, acting_user

from .models import AuditEvent


def audit_record(*, actor: Actor, action: str, target: models.Model, reason: str = "", **details: Any) -> AuditEvent:
    """Record an administrative action on `target`; call it inside the action's atomic block."""
    return AuditEvent.objects.create(
        actor=acting_user(actor),
        action=action,
        object_type=target._meta.label_lower,
        object_id=str(target.pk),
        reason=(reason or "")[:500],
        details={key: _plain(value) for key, value in details.items()},
    )


def _plain(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return str(value)


# --- reading the log: each action as a sentence in the reader's language ---------------------
#
# An app declares the actions it records as `AuditActionSpec`s (the code, a lazy sentence with
# `%(name)s` placeholders taken from the event's details, and which details are amounts in minor
# units of which unit) and registers them in its AppConfig.ready:
#
#     from core.audit import register_actions
#     register_actions(*AUDIT_ACTIONS)
#
# Besides the details: `%(id)s` is the object's id, `%(object)s` the object named by its type
# ("Reconversion n° 3"), `%(label)s` the object's own name (a campaign's title), `%(person)s` the
# person it concerns (a member's display name), `%(reason)s` the reason; "—" when there is none.
# An unknown code, or details that do not fit the sentence, read as the raw code: the log never
# fails to show an event.

LOCAL_UNIT = "local"  # an amount's unit: the local currency (settings.BOCAGE_LOCAL_UNIT)
OBJECT_UNIT = "object"  # an amount's unit: the object's own `unit` (an account's)

# Names of the amounts a detail may hold as a dict ({"min_balance": …, "max_balance": …}).
_AMOUNT_NAMES = {
    "min_balance": gettext_lazy("lower limit"),
    "max_balance": gettext_lazy("upper limit"),
}

# The generic actions of the audited admin (core.admin_helpers: `<model>_create` and so on).
_ADMIN_VERBS = {
    "create": gettext_lazy("Created in the administration: %(object)s"),
    "change": gettext_lazy("Changed in the administration: %(object)s (%(fields)s)"),
    "delete": gettext_lazy("Deleted in the administration: %(object)s"),
}


@dataclass(frozen=True)
class AuditActionSpec:
    code: str
    template: str | Promise
    # (detail, unit): the detail is an amount in the unit's minor units; LOCAL_UNIT for the local currency.
    amounts: tuple[tuple[str, str], ...] = ()
    # Details holding an ISO date, written the reader's way (`7 mai 2027`).
    dates: tuple[str, ...] = ()


_actions: dict[str, AuditActionSpec] = {}


def register_actions(*specs: AuditActionSpec) -> None:
    """Declare audit actions (from an AppConfig.ready). A code registered twice must keep its spec."""
    for spec in specs:
        known = _actions.get(spec.code)
        if known is not None and known != spec:
            raise ValueError(f"audit action {spec.code!r} is registered twice with different sentences")
        _actions[spec.code] = spec


def registered_actions() -> list[AuditActionSpec]:
    return [_actions[code] for code in sorted(_actions)]


AmountFormatter = Callable[[int, str], str]


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_text(item)}" for key, item in value.items())
    if value is None:
        return "—"
    return str(value)


def _model_of(object_type: str) -> type[models.Model] | None:
    try:
        return django_apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_label(object_type: str, object_id: str) -> str:
    """`Reconversion n° 3` (the translated verbose name), or the raw `type #id` for an unknown type."""
    model = _model_of(object_type)
    if model is None:
        return f"{object_type} #{object_id}"
    return _("%(name)s #%(id)s") % {"name": capfirst(str(model._meta.verbose_name)), "id": object_id}


_PERSON_FIELDS = ("member", "holder", "shareholder", "owner", "author", "to_shareholder", "user")


def person_of(obj: Any) -> str:
    """The person an object concerns, by display name (a member, a shareholder…); "" if none."""
    if obj._meta.label_lower == django_settings.AUTH_USER_MODEL.lower():
        member = getattr(obj, "member", None)  # a user without a member: its username
        return str(member) if member is not None else str(obj.get_username())
    if hasattr(obj, "display_name"):
        return str(obj.display_name)
    for name in _PERSON_FIELDS:
        try:
            related = getattr(obj, name, None)
        except Exception:  # a missing related row: no person rather than an error page
            related = None
        if isinstance(related, models.Model):
            return person_of(related)
    return ""


def _amounts_text(raw: Any, unit: str, format_amount: AmountFormatter) -> str | None:
    """An amount (int, minor units) or a dict of named amounts, formatted; None if neither."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return format_amount(raw, unit)
    if isinstance(raw, dict):
        parts = []
        for key, value in raw.items():
            name = str(_AMOUNT_NAMES.get(key, key))
            shown = format_amount(value, unit) if isinstance(value, int) else _("none")
            parts.append(f"{name} {shown}")
        return ", ".join(parts)
    return None


def describe(
    event: AuditEvent,
    *,
    object_text: str,
    person: str = "",
    label: str = "",
    object_unit: str = "",
    format_amount: AmountFormatter | None = None,
) -> str:
    """The event as a sentence in the active language; its raw code if unknown or unfit."""
    spec = _actions.get(event.action)
    details = event.details if isinstance(event.details, dict) else {}
    values: dict[str, Any] = {key: _text(value) for key, value in details.items()}
    values.update(
        id=event.object_id, object=object_text, person=person or "—", label=label or "—", reason=event.reason or "—"
    )
    if spec is None:
        model_name, _sep, verb = event.action.rpartition("_")
        if verb in _ADMIN_VERBS and model_name == event.object_type.rpartition(".")[2]:
            values.setdefault("fields", "")
            values["fields"] = values["fields"] or "—"
            return str(_ADMIN_VERBS[verb]) % values
        return event.action
    try:
        for name, unit in spec.amounts:
            code = {LOCAL_UNIT: django_settings.BOCAGE_LOCAL_UNIT, OBJECT_UNIT: object_unit}.get(unit, unit)
            if format_amount is not None and code:
                shown = _amounts_text(details.get(name), code, format_amount)
                if shown is not None:
                    values[name] = shown
        for name in spec.dates:
            raw = details.get(name)
            if isinstance(raw, str) and raw:
                day = datetime.date.fromisoformat(raw)
                values[name] = format_date(day, format="d MMMM y", locale=to_locale(get_language() or "fr"))
        return str(spec.template) % values
    except (KeyError, ValueError, TypeError):
        return event.action


@dataclass
class DescribedEvent:
    event: AuditEvent
    sentence: str
    object_text: str
    person: str
    details_json: str


ObjectLoader = Callable[[type[models.Model], list[str]], Iterable[models.Model]]


def describe_events(
    events: Iterable[AuditEvent],
    *,
    format_amount: AmountFormatter | None = None,
    load_objects: ObjectLoader | None = None,
) -> list[DescribedEvent]:
    """Sentences for a page of events. The objects they name are read by `load_objects` (the
    caller's selector, one query per type: core reads no other app's rows); without it, or for
    an object gone since, the sentence names the object by its type and id only."""
    events = list(events)
    wanted: dict[str, set[str]] = {}
    for event in events:
        wanted.setdefault(event.object_type, set()).add(event.object_id)
    found: dict[tuple[str, str], Any] = {}
    for object_type, ids in wanted.items():
        model = _model_of(object_type)
        if model is None or load_objects is None:
            continue
        try:
            found.update({(object_type, str(row.pk)): row for row in load_objects(model, sorted(ids))})
        except (ValueError, TypeError, ValidationError):  # ids that are not this model's keys
            continue
    described = []
    for event in events:
        obj = found.get((event.object_type, event.object_id))
        try:
            person = person_of(obj) if obj is not None else ""
            label = str(obj) if obj is not None else ""
            unit = str(getattr(obj, "unit", "") or "")
        except Exception:  # a row that cannot name itself: the sentence without it, never an error page
            person = label = unit = ""
        object_text = object_label(event.object_type, event.object_id)
        described.append(
            DescribedEvent(
                event=event,
                sentence=describe(
                    event,
                    object_text=object_text,
                    person=person,
                    label=label,
                    object_unit=unit,
                    format_amount=format_amount,
                ),
                object_text=object_text,
                person=person,
                details_json=json.dumps(event.details, ensure_ascii=False, sort_keys=True, indent=2)
                if event.details
                else "",
            )
        )
    return described
