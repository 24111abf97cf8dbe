"""Leaving Bocage: the member's own page (/me/close/: the rules, what is still to settle, the gift
of what is left to the community fund, the confirmation), the goodbye page, and the staff's page
where an administrator writes off a leaving member's hours or SEL units."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ApplicationError
from ledger.units import UnitKind, get_unit
from members.models import Member
from members.selectors import member_or_none

from ..errors import MemberCannotLeave
from ..forms import LeaveForm, ReasonForm
from ..leaving import leaving_check, settlement_rules
from ..selectors import may_decide_applications
from ..services import leaving_gift, leaving_write_off, member_leave


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


def _render(request: HttpRequest, member: Member | None, form: LeaveForm, *, status: int = 200) -> HttpResponse:
    context = {"member": member, "form": form}
    if member is not None:
        context.update(obstacles=leaving_check(member), settlements=settlement_rules(member))
    return render(request, "membership/leaving.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def leaving(request: HttpRequest) -> HttpResponse:
    member = member_or_none(request.user)
    if request.method == "GET" or member is None:
        return _render(request, member, LeaveForm(user=request.user))
    form = LeaveForm(request.POST, user=request.user)
    if not form.is_valid():
        return _render(request, member, form, status=400)
    try:
        member_leave(member=member, actor=request.user)
    except MemberCannotLeave as exc:
        messages.error(request, _("You cannot leave yet: %(what)s") % {"what": exc.message})
        return _render(request, member, LeaveForm(user=request.user), status=422)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return _render(request, member, LeaveForm(user=request.user), status=exc.status)
    logout(request)
    return redirect("leaving-goodbye")


@login_required
@require_POST
def leaving_gift_view(request: HttpRequest) -> HttpResponse:
    member = member_or_none(request.user)
    if member is None:
        raise Http404
    try:
        leaving_gift(
            member=member,
            account_id=_int(request.POST.get("account")),
            version=_int(request.POST.get("version")),
            actor=request.user,
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Thank you: what was left is given to the community fund."))
    return redirect("leaving")


@require_GET
def leaving_goodbye(request: HttpRequest) -> HttpResponse:
    return render(request, "membership/leaving_goodbye.html")


def _staff_only(request: HttpRequest) -> None:
    if not may_decide_applications(request.user):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def member_leaving_staff(request: HttpRequest, member_id: int) -> HttpResponse:
    """For staff: what keeps a member from leaving, and writing off their hours or SEL units."""
    _staff_only(request)
    member = Member.objects.filter(pk=member_id).select_related("user").first()
    if member is None:
        raise Http404
    form = ReasonForm()
    status = 200
    writing_off = 0
    if request.method == "POST":
        writing_off = _int(request.POST.get("account"))
        form = ReasonForm(request.POST)
        if form.is_valid():
            try:
                leaving_write_off(
                    account_id=writing_off,
                    version=_int(request.POST.get("version")),
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except ApplicationError as exc:
                messages.error(request, str(exc.message))
                status = exc.status
            else:
                messages.success(request, _("The balance is written off."))
                return redirect("membership-member-leaving", member_id=member.pk)
        else:
            status = 400
    settlements = settlement_rules(member)
    return render(
        request,
        "membership/leaving_staff.html",
        {
            "member": member,
            "obstacles": leaving_check(member),
            "settlements": settlements,
            "write_offs": [
                row
                for row in settlements
                if get_unit(row.account.unit).kind == UnitKind.MUTUAL_CREDIT and row.account.balance != 0
            ],
            "form": form,
            "writing_off": writing_off,
        },
        status=status,
    )
