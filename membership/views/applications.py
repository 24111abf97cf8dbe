"""For staff: the application queue (when the cooperative validates new members) and the members who
joined but have not paid, whose membership an administrator may waive."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import ApplicationError
from members.models import Member

from ..forms import ReasonForm
from ..models import Application
from ..selectors import applications_pending, may_decide_applications, members_without_membership
from ..services import membership_fee, membership_renew
from ..signup import application_approve, application_refuse, membership_waive


def _staff_only(request: HttpRequest) -> None:
    if not may_decide_applications(request.user):
        raise PermissionDenied


def _render(
    request: HttpRequest,
    *,
    refuse_form: ReasonForm | None = None,
    refusing: int | None = None,
    waive_form: ReasonForm | None = None,
    waiving: int | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "membership/applications.html",
        {
            "applications": applications_pending(),
            "unpaid": [(member, membership_fee(member)) for member in members_without_membership()[:100]],
            "refuse_form": refuse_form,
            "refusing": refusing,
            "waive_form": waive_form,
            "waiving": waiving,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET"])
def applications(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    return _render(request)


def _application(pk: int) -> Application:
    application = applications_pending().filter(pk=pk).first()
    if application is None:
        raise Http404
    return application


@login_required
@require_POST
def application_approve_view(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request)
    application = _application(pk)
    try:
        application_approve(application=application, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("%(name)s is accepted.") % {"name": application.member.display_name})
    return redirect("membership-applications")


@login_required
@require_POST
def application_refuse_view(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request)
    application = _application(pk)
    form = ReasonForm(request.POST, prefix=f"refuse-{pk}")
    if not form.is_valid():
        return _render(request, refuse_form=form, refusing=pk, status=400)
    try:
        application_refuse(application=application, actor=request.user, reason=form.cleaned_data["reason"])
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request, _("%(name)s is refused; the reason is sent.") % {"name": application.member.display_name}
        )
    return redirect("membership-applications")


@login_required
@require_POST
def membership_waive_view(request: HttpRequest, member_id: int) -> HttpResponse:
    _staff_only(request)
    member = Member.objects.filter(pk=member_id, status=Member.Status.ACTIVE).first()
    if member is None:
        raise Http404
    form = ReasonForm(request.POST, prefix=f"waive-{member_id}")
    if not form.is_valid():
        return _render(request, waive_form=form, waiving=member_id, status=400)
    try:
        member = membership_waive(member=member, actor=request.user, reason=form.cleaned_data["reason"])
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("The membership of %(name)s is waived until %(date)s.")
            % {"name": member.display_name, "date": member.membership_expires_on},
        )
    return redirect("membership-applications")


@login_required
@require_POST
def membership_paid_in_euros_view(request: HttpRequest, member_id: int) -> HttpResponse:
    """A membership paid in euros at the counter (cash, cheque), recorded by staff: the fee goes on the
    ledger from the euro world to the fees account (membership_renew in EUR)."""
    _staff_only(request)
    member = Member.objects.filter(pk=member_id, status=Member.Status.ACTIVE).first()
    if member is None:
        raise Http404
    try:
        payment = membership_renew(member=member, unit="EUR", actor=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("The membership of %(name)s, paid in euros, runs until %(date)s.")
            % {"name": member.display_name, "date": payment.period_end},
        )
    return redirect("membership-applications")
