"""Reads of reconversions and their SEPA exports: a business sees its own, staff the whole queue."""

from __future__ import annotations

from django.db.models import QuerySet

from core.errors import NotFound
from core.typing import RequestUser
from currency.models import Reconversion, SepaExport
from ledger.selectors import can_read_everything
from members.models import Member


def may_manage_reconversions(user: RequestUser) -> bool:
    """Staff approve and reject reconversions and put them into SEPA files (auditors only read)."""
    return bool(user.is_authenticated and user.is_staff)


def reconversion_business_of(user: RequestUser) -> Member | None:
    """The business the user asks reconversions for: their own member if it is a business, else None."""
    member = Member.objects.filter(user__pk=user.pk).first() if user.pk else None
    if member is None or member.kind != Member.Kind.BUSINESS:
        return None
    return member


def reconversions_visible_to(user: RequestUser) -> QuerySet[Reconversion]:
    """Staff: all; a member: their own."""
    reconversions = Reconversion.objects.select_related("member", "export").order_by("-id")
    if not user.is_authenticated:
        return reconversions.none()
    if user.is_staff:
        return reconversions
    return reconversions.filter(member__user_id=user.pk)


def reconversion_get_visible(*, user: RequestUser, reconversion_id: int) -> Reconversion:
    reconversion = reconversions_visible_to(user).filter(pk=reconversion_id).first()
    if reconversion is None:
        raise NotFound()
    return reconversion


def sepa_exports_visible_to(user: RequestUser) -> QuerySet[SepaExport]:
    """Staff, and auditors who read every payment the association makes."""
    if not can_read_everything(user):
        return SepaExport.objects.none()
    return SepaExport.objects.order_by("-id")


def sepa_export_get_visible(*, user: RequestUser, export_id: int) -> SepaExport:
    export = sepa_exports_visible_to(user).filter(pk=export_id).first()
    if export is None:
        raise NotFound()
    return export
