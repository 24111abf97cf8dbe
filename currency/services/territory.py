"""A territory's first setup: its communes, its exchange offices and its first administrator.

The file is read and checked by core.territory; its currency is configuration (the settings read
the same file through BOCAGE_TERRITORY_FILE), so this service only refuses a file whose currency
is not the running one. Safe to run again: it brings the database to what the file says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.territory import CommuneSpec, OfficeSpec, Territory
from core.typing import Actor
from currency.errors import TerritoryInvalid, TerritoryMismatch
from currency.models import Comptoir
from members.models import Commune


@dataclass
class SetupReport:
    communes_created: list[str] = field(default_factory=list)
    communes_updated: list[str] = field(default_factory=list)
    communes_removed: list[str] = field(default_factory=list)
    communes_kept: list[str] = field(default_factory=list)  # not in the file, but something refers to them
    offices_created: list[str] = field(default_factory=list)
    offices_updated: list[str] = field(default_factory=list)
    administrator_created: str = ""
    administrator_existing: str = ""


def _commune_apply(spec: CommuneSpec, *, actor: Actor, report: SetupReport) -> Commune:
    commune = (
        Commune.objects.filter(insee_code=spec.insee_code).first()
        or Commune.objects.filter(name=spec.name, insee_code="").first()
    )
    wanted = {"name": spec.name, "postal_code": spec.postal_code, "insee_code": spec.insee_code}
    if commune is None:
        commune = Commune(**wanted)
        changes = wanted
        report.communes_created.append(spec.name)
    else:
        changes = {key: value for key, value in wanted.items() if getattr(commune, key) != value}
        if not changes:
            return commune
        for key, value in changes.items():
            setattr(commune, key, value)
        report.communes_updated.append(spec.name)
    try:
        commune.full_clean()
    except ValidationError as error:
        raise TerritoryInvalid(
            _("Commune %(name)s: %(problems)s") % {"name": spec.name, "problems": "; ".join(error.messages)}
        ) from None
    commune.save()
    audit_record(actor=actor, action="commune_setup", target=commune, **changes)
    return commune


def _communes_not_in_file(keep: set[int], *, actor: Actor, report: SetupReport) -> None:
    """Remove the communes the file does not list, unless a member, an office, a listing… refers to one."""
    for commune in Commune.objects.exclude(pk__in=keep).order_by("name"):
        try:
            with transaction.atomic():
                audit_record(actor=actor, action="commune_remove", target=commune, name=commune.name)
                commune.delete()
        except ProtectedError:
            report.communes_kept.append(commune.name)
        else:
            report.communes_removed.append(commune.name)


def _office_apply(spec: OfficeSpec, commune: Commune, *, actor: Actor, report: SetupReport) -> Comptoir:
    users = get_user_model().objects.filter(username__in=spec.staff)
    missing = sorted(set(spec.staff) - {user.username for user in users})
    if missing:
        raise TerritoryInvalid(
            _("Office %(name)s: no account for %(usernames)s.") % {"name": spec.name, "usernames": ", ".join(missing)}
        )
    office = Comptoir.objects.filter(name=spec.name).first()
    wanted: dict[str, Any] = {"commune": commune, "address": spec.address, "active": True}
    changes: dict[str, Any]
    if office is None:
        office = Comptoir.objects.create(name=spec.name, **wanted)
        changes = {"name": spec.name, **wanted}
        report.offices_created.append(spec.name)
    else:
        changes = {key: value for key, value in wanted.items() if getattr(office, key) != value}
        if changes:
            Comptoir.objects.filter(pk=office.pk).update(**changes)
            report.offices_updated.append(spec.name)
    added = [user for user in users if not office.staff.filter(pk=user.pk).exists()]
    if added:
        office.staff.add(*added)
        changes["staff_added"] = [user.username for user in added]
    if changes:
        audit_record(actor=actor, action="comptoir_setup", target=office, **changes)
    return office


def territory_setup(*, territory: Territory, administrator_password: str | None, actor: Actor) -> SetupReport:
    """Write the file's communes, offices and first administrator. Raises TerritoryMismatch, TerritoryInvalid."""
    if territory.currency.code != settings.BOCAGE_LOCAL_UNIT:
        raise TerritoryMismatch(
            _(
                "The file's currency is %(file)s but the running settings use %(running)s: set "
                "BOCAGE_TERRITORY_FILE to this file in the environment of every process, then run again."
            )
            % {"file": territory.currency.code, "running": settings.BOCAGE_LOCAL_UNIT}
        )
    report = SetupReport()
    with transaction.atomic(durable=True):
        communes = {spec.name: _commune_apply(spec, actor=actor, report=report) for spec in territory.communes}
        for spec in territory.offices:
            _office_apply(spec, communes[spec.commune], actor=actor, report=report)
        _communes_not_in_file({commune.pk for commune in communes.values()}, actor=actor, report=report)
        if territory.administrator is not None:
            _administrator_apply(territory, administrator_password, actor=actor, report=report)
    return report


def _administrator_apply(territory: Territory, password: str | None, *, actor: Actor, report: SetupReport) -> None:
    spec = territory.administrator
    assert spec is not None
    user_model = get_user_model()
    existing = user_model.objects.filter(username=spec.username).first()
    if existing is not None:
        # Never touch an existing account's password or rights from a file.
        report.administrator_existing = spec.username
        return
    # No password: the account cannot log in until `manage.py changepassword` sets one.
    user = user_model.objects.create_superuser(username=spec.username, email=spec.email, password=password)
    audit_record(actor=actor, action="administrator_create", target=user, username=spec.username)
    report.administrator_created = spec.username
