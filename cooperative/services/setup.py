"""Founding and configuring a cooperative: statutes, share classes, colleges, admitting shareholders."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from cooperative.errors import InvalidCollegeWeights
from cooperative.models import College, Cooperative, ShareClass, Shareholder, SubscriptionRequest
from core.audit import audit_record
from core.errors import InvalidInput
from core.typing import Actor
from ledger.models import Account
from ledger.services import system_account
from members.identity import clean_siren
from members.models import Commune, Member

from .register.rules import lock_cooperative, require_administrator

# SCIC: each college weighs between 10 % and 50 % of the votes (Code de commerce / loi 1947, art. 19 octies).
SCIC_WEIGHT_RANGE = (10, 50)


def _text(value: Any, field: str, max_length: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(fields={field: [_("This field is required.")]})
    if len(text) > max_length:
        raise InvalidInput(fields={field: [_("At most %(count)d characters.") % {"count": max_length}]})
    return text


def _siren(value: str, field: str = "siren") -> str:
    try:
        return clean_siren(value or "")
    except ValidationError as exc:
        raise InvalidInput(fields={field: list(exc.messages)}) from None


def _cents(amount: Money | None, field: str, *, allow_zero: bool = False) -> int:
    if amount is None or str(amount.currency) != "EUR":
        raise InvalidInput(fields={field: [_("An amount in euros.")]})
    cents = amount.amount * 100
    if cents != cents.to_integral_value() or cents < 0 or (cents == 0 and not allow_zero) or cents > 10**13:
        raise InvalidInput(fields={field: [_("A positive amount in euros, with at most two decimals.")]})
    return int(cents)


def _count(
    value: Any, field: str, *, allow_none: bool = False, minimum: int = 0, maximum: int = 1_000_000
) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise InvalidInput(
            fields={field: [_("A whole number from %(min)d to %(max)d.") % {"min": minimum, "max": maximum}]}
        )
    return value


def cooperative_create(
    *,
    name: str,
    legal_form: str,
    siren: str,
    seat_address: str,
    actor: Actor,
    commune: Commune | None = None,
    min_shares_per_member: int = 1,
    max_shares_per_member: int | None = None,
    lockup_months: int = 0,
    redemption_delay_months: int = 0,
    board_approval_required: bool = True,
    capital_floor: Money | None = None,
) -> Cooperative:
    """Register a cooperative and open its EUR capital account. Raises PermissionDenied, InvalidInput."""
    require_administrator(actor)
    if legal_form not in Cooperative.LegalForm.values:
        raise InvalidInput(fields={"legal_form": [_("Choose a legal form.")]})
    compact = _siren(siren)
    minimum = _count(min_shares_per_member, "min_shares_per_member", minimum=1)
    maximum = _count(max_shares_per_member, "max_shares_per_member", allow_none=True, minimum=1)
    if maximum is not None and minimum is not None and maximum < minimum:
        raise InvalidInput(fields={"max_shares_per_member": [_("The maximum must be at least the minimum.")]})
    fields = {
        "name": _text(name, "name", 150),
        "legal_form": legal_form,
        "siren": compact,
        "seat_address": _text(seat_address, "seat_address", 255),
        "commune": commune,
        "min_shares_per_member": minimum,
        "max_shares_per_member": maximum,
        # Months, a hundred years at most (the columns are small integers).
        "lockup_months": _count(lockup_months, "lockup_months", maximum=1200),
        "redemption_delay_months": _count(redemption_delay_months, "redemption_delay_months", maximum=1200),
        "board_approval_required": bool(board_approval_required),
        "capital_floor": 0 if capital_floor is None else _cents(capital_floor, "capital_floor", allow_zero=True),
    }
    if Cooperative.objects.filter(siren=compact).exists():
        raise InvalidInput(fields={"siren": [_("A cooperative with this SIREN is already registered.")]})
    try:
        with transaction.atomic(durable=True):
            account = system_account(Account.SystemCode.CAPITAL, "EUR", reference=f"coop:{compact}")
            cooperative = Cooperative.objects.create(capital_account=account, **fields)
            audit_record(
                actor=actor, action="cooperative_create", target=cooperative, name=cooperative.name, siren=compact
            )
            return cooperative
    except IntegrityError:
        raise InvalidInput(fields={"siren": [_("A cooperative with this SIREN is already registered.")]}) from None


def share_class_create(
    *, cooperative: Cooperative, code: str, name: str, nominal_value: Money, actor: Actor, description: str = ""
) -> ShareClass:
    """Raises PermissionDenied, InvalidInput (code taken, nominal value)."""
    require_administrator(actor)
    code = _text(code, "code", 4).upper()
    with transaction.atomic(durable=True):
        locked = lock_cooperative(cooperative)
        if ShareClass.objects.filter(cooperative=locked, code=code).exists():
            raise InvalidInput(fields={"code": [_("This cooperative already has a class %(code)s.") % {"code": code}]})
        share_class = ShareClass.objects.create(
            cooperative=locked,
            code=code,
            name=_text(name, "name", 100),
            nominal_value=_cents(nominal_value, "nominal_value"),
            description=_text(description, "description", 255, required=False),
        )
        audit_record(
            actor=actor,
            action="share_class_create",
            target=share_class,
            cooperative=locked.pk,
            code=code,
            nominal_value=share_class.nominal_value,
        )
        return share_class


def college_weight_problems(cooperative: Cooperative, weights: dict[str, int] | None = None) -> list[str]:
    """What is wrong with the colleges' weights (empty: a general assembly can be tallied)."""
    if weights is None:
        weights = dict(College.objects.filter(cooperative=cooperative).values_list("name", "weight"))
    problems = []
    if not weights:
        problems.append(_("The cooperative has no college yet."))
    elif sum(weights.values()) != 100:
        problems.append(_("The weights sum to %(total)d %%, not 100 %%.") % {"total": sum(weights.values())})
    if cooperative.legal_form == Cooperative.LegalForm.SCIC and weights:
        low, high = SCIC_WEIGHT_RANGE
        for name, weight in weights.items():
            if not low <= weight <= high:
                problems.append(
                    _("In a SCIC each college weighs between %(low)d %% and %(high)d %%: “%(name)s” has %(weight)d %%.")
                    % {"low": low, "high": high, "name": name, "weight": weight}
                )
    return problems


def colleges_define(*, cooperative: Cooperative, colleges: list[dict[str, Any]], actor: Actor) -> list[College]:
    """Create or reweigh the colleges at once: [{"name", "weight", "description"?}], summing to 100 %.

    Existing colleges are matched by name; a college with shareholders cannot be left out.
    Raises PermissionDenied, InvalidInput, InvalidCollegeWeights.
    """
    require_administrator(actor)
    cleaned: dict[str, dict[str, Any]] = {}
    for index, college in enumerate(colleges):
        name = _text(college.get("name"), f"colleges[{index}].name", 100)
        weight = _count(college.get("weight"), f"colleges[{index}].weight", minimum=1, maximum=100)
        if name in cleaned:
            raise InvalidInput(fields={f"colleges[{index}].name": [_("Two colleges have this name.")]})
        cleaned[name] = {
            "weight": weight,
            "description": _text(college.get("description"), f"colleges[{index}].description", 255, required=False),
            "position": index,
        }
    problems = college_weight_problems(cooperative, {name: c["weight"] for name, c in cleaned.items()})
    if problems:
        raise InvalidCollegeWeights(" ".join(problems))
    with transaction.atomic(durable=True):
        locked = lock_cooperative(cooperative)
        existing = {college.name: college for college in College.objects.filter(cooperative=locked)}
        for name, current in existing.items():
            if name not in cleaned and current.shareholders.exists():
                raise InvalidInput(
                    _("The college “%(name)s” has members: move them before removing it.") % {"name": name}
                )
            if name not in cleaned and SubscriptionRequest.objects.filter(college=current).exists():
                raise InvalidInput(
                    _("Subscription requests name the college “%(name)s”: it cannot be removed.") % {"name": name}
                )
        College.objects.filter(cooperative=locked).exclude(name__in=list(cleaned)).delete()
        defined = [
            College.objects.update_or_create(cooperative=locked, name=name, defaults=fields)[0]
            for name, fields in cleaned.items()
        ]
        audit_record(
            actor=actor,
            action="colleges_define",
            target=locked,
            old={name: college.weight for name, college in existing.items()},
            new={name: fields["weight"] for name, fields in cleaned.items()},
        )
        return defined


def shareholder_admit(
    *,
    cooperative: Cooperative,
    college: College,
    actor: Actor,
    member: Member | None = None,
    legal_name: str = "",
    siren: str = "",
    address: str = "",
    admitted_on: datetime.date | None = None,
    admission_decision: str = "",
) -> Shareholder:
    """Admit a member (or a legal person known by its SIREN) into a college; idempotent for a member.

    Raises PermissionDenied, InvalidInput.
    """
    require_administrator(actor)
    if college.cooperative_id != cooperative.pk:
        raise InvalidInput(fields={"college": [_("This college is not this cooperative's.")]})
    if member is None:
        legal_name = _text(legal_name, "legal_name", 150)
        siren = _siren(siren)
    elif legal_name or siren:
        raise InvalidInput(_("Admit either a member or a legal person, not both."))
    with transaction.atomic(durable=True):
        locked = lock_cooperative(cooperative)
        shareholder = admit_locked(
            cooperative=locked,
            college=college,
            member=member,
            legal_name=legal_name,
            siren=siren,
            address=_text(address, "address", 255, required=False),
            admitted_on=admitted_on or timezone.localdate(),
            admission_decision=_text(admission_decision, "admission_decision", 100, required=False),
        )
        audit_record(
            actor=actor,
            action="shareholder_admit",
            target=shareholder,
            reason=shareholder.admission_decision,
            college=college.name,
        )
        return shareholder


def admit_locked(
    *,
    cooperative: Cooperative,
    college: College,
    member: Member | None,
    legal_name: str = "",
    siren: str = "",
    address: str = "",
    admitted_on: datetime.date,
    admission_decision: str = "",
) -> Shareholder:
    """Admit (or re-admit) under the cooperative's lock; a member already admitted stays as is."""
    existing = None
    if member is not None:
        existing = Shareholder.objects.filter(cooperative=cooperative, member=member).first()
    elif siren:
        existing = Shareholder.objects.filter(cooperative=cooperative, siren=siren).first()
    if existing is not None:
        if existing.status != Shareholder.Status.ADMITTED:
            existing.status = Shareholder.Status.ADMITTED
            existing.college = college
            existing.admitted_on = admitted_on
            existing.admission_decision = admission_decision
            existing.save()
        return existing
    return Shareholder.objects.create(
        cooperative=cooperative,
        member=member,
        legal_name=legal_name if member is None else "",
        siren=siren if member is None else "",
        address=address,
        college=college,
        admitted_on=admitted_on,
        admission_decision=admission_decision,
    )
