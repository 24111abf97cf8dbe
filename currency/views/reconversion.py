"""Reconversion pages: the staff queue (approve, reject, SEPA export) and a business's own requests."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from djmoney.money import Money

from core.errors import ApplicationError, NotFound
from currency.models import Reconversion
from currency.selectors.backing import check_backing
from currency.selectors.reconversions import (
    may_manage_reconversions,
    reconversion_business_of,
    reconversion_get_visible,
    reconversions_visible_to,
    sepa_export_get_visible,
    sepa_exports_visible_to,
)
from currency.services import reconversions as services
from currency.views.forms_comptoir import ReconversionRequestForm, RejectForm
from ledger.errors import AccountNotFound
from ledger.models import Account
from ledger.selectors import member_account
from ledger.units import get_unit
from members.models import Member
from members.selectors import iban_held_until


def _with_iban_hold(rows: Iterable[Reconversion]) -> list[Reconversion]:
    """The rows, each with `iban_held_until`: when its business's IBAN changed recently (« RIB modifié le … »)."""
    rows = list(rows)
    for row in rows:
        row.iban_held_until = iban_held_until(row.member)  # type: ignore[attr-defined]
    return rows


def _staff_page(request: HttpRequest) -> HttpResponse:
    queue = reconversions_visible_to(request.user).select_related("member")
    context = {
        "requested": _with_iban_hold(queue.filter(status=Reconversion.Status.REQUESTED).order_by("id")),
        "approved": _with_iban_hold(queue.filter(status=Reconversion.Status.APPROVED).order_by("id")),
        "decided": queue.exclude(status__in=[Reconversion.Status.REQUESTED, Reconversion.Status.APPROVED])[:50],
        "exports": sepa_exports_visible_to(request.user)[:50],
        "reject_form": RejectForm(),
        "backing": check_backing(),
    }
    return render(request, "currency/reconversion/staff.html", context)


def _business_page(request: HttpRequest, member: Member, form: ReconversionRequestForm) -> HttpResponse:
    try:
        account: Account | None = member_account(member, settings.BOCAGE_LOCAL_UNIT)
    except AccountNotFound:
        account = None
    context = {
        "member": member,
        "account": account,
        "form": form,
        "requests": reconversions_visible_to(request.user)[:50],
        "fee_rate": f"{(Decimal(str(settings.BOCAGE_RECONVERSION_FEE_RATE)) * 100).normalize():f}\u202f%",
    }
    return render(request, "currency/reconversion/business.html", context)


@login_required
def reconversion_list(request: HttpRequest) -> HttpResponse:
    if may_manage_reconversions(request.user):
        return _staff_page(request)
    member = reconversion_business_of(request.user)
    if member is None:
        return render(request, "currency/reconversion/businesses_only.html", status=403)
    form = ReconversionRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reconversion = services.reconversion_request(
                member=member, amount=Money(form.cleaned_data["amount"], settings.BOCAGE_LOCAL_UNIT), actor=request.user
            )
        except ApplicationError as exc:
            form.add_error("amount" if exc.code in {"invalid_amount", "insufficient_funds"} else None, str(exc.message))
        else:
            messages.success(
                request,
                _("Your request for %(amount)s is recorded: the association will review it.")
                % {"amount": get_unit(settings.BOCAGE_LOCAL_UNIT).format(reconversion.amount)},
            )
            return redirect("reconversion-list")
    return _business_page(request, member, form)


def _staff_only(request: HttpRequest) -> None:
    if not may_manage_reconversions(request.user):
        raise DjangoPermissionDenied


def _reconversion(request: HttpRequest, reconversion_id: int) -> Reconversion:
    try:
        return reconversion_get_visible(user=request.user, reconversion_id=reconversion_id)
    except NotFound:
        raise Http404 from None


@login_required
@require_POST
def reconversion_approve(request: HttpRequest, reconversion_id: int) -> HttpResponse:
    _staff_only(request)
    reconversion = _reconversion(request, reconversion_id)
    try:
        approved = services.reconversion_approve(reconversion=reconversion, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("Reconversion #%(id)s approved: %(net)s to transfer, %(fee)s fee.")
            % {
                "id": approved.pk,
                "net": get_unit("EUR").format(approved.amount - approved.fee),
                "fee": get_unit("EUR").format(approved.fee),
            },
        )
    return redirect("reconversion-list")


@login_required
@require_POST
def reconversion_reject(request: HttpRequest, reconversion_id: int) -> HttpResponse:
    _staff_only(request)
    reconversion = _reconversion(request, reconversion_id)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the request is rejected."))
        return redirect("reconversion-list")
    try:
        services.reconversion_reject(reconversion=reconversion, actor=request.user, reason=form.cleaned_data["reason"])
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Reconversion #%(id)s rejected.") % {"id": reconversion.pk})
    return redirect("reconversion-list")


@login_required
@require_POST
def sepa_export(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    try:
        export = services.sepa_export_create(actor=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            ngettext(
                "SEPA file %(id)s created: %(count)s transfer, %(total)s.",
                "SEPA file %(id)s created: %(count)s transfers, %(total)s.",
                export.count,
            )
            % {"id": export.message_id, "count": export.count, "total": get_unit("EUR").format(export.total)},
        )
    return redirect("reconversion-list")


@login_required
def sepa_export_xml(request: HttpRequest, export_id: int) -> HttpResponse:
    _staff_only(request)
    try:
        export = sepa_export_get_visible(user=request.user, export_id=export_id)
    except NotFound:
        raise Http404 from None
    response = HttpResponse(export.xml, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export.message_id}.xml"'
    return response


urlpatterns = [
    path("reconversion/", reconversion_list, name="reconversion-list"),
    path("reconversion/<int:reconversion_id>/approve/", reconversion_approve, name="reconversion-approve"),
    path("reconversion/<int:reconversion_id>/reject/", reconversion_reject, name="reconversion-reject"),
    path("reconversion/export/", sepa_export, name="sepa-export-create"),
    path("reconversion/exports/<int:export_id>.xml", sepa_export_xml, name="sepa-export-xml"),
]
