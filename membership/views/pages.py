"""The membership page: my membership (adhésion) and its renewal in ACH."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.errors import ApplicationError, NotFound
from members import selectors

from .. import services
from ..models import Application


@login_required
def membership(request: HttpRequest) -> HttpResponse:
    try:
        member = selectors.member_of(request.user)
    except NotFound:
        raise Http404 from None
    if request.method == "POST":
        try:
            payment = services.membership_renew(member=member, unit=settings.BOCAGE_LOCAL_UNIT, actor=request.user)
        except ApplicationError as exc:
            message = str(exc.message)
            if exc.code == "insufficient_funds":
                message += " " + _("Get ACH at an exchange office first, or pay your membership there in euros.")
            messages.error(request, message)
        else:
            messages.success(
                request, _("Thank you! Your membership now runs until %(date)s.") % {"date": payment.period_end}
            )
        return redirect("membership")
    return render(
        request,
        "membership/membership.html",
        {
            "member": member,
            "fee": services.membership_fee(member),
            "payments": member.membership_payments.all()[:10],
            "valid": member.membership_valid_on(),
            "application": Application.objects.filter(member=member).first(),
        },
    )
