"""At an exchange office: a clerk records a membership fee paid in euros (cash, cheque, card)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.forms import add_service_error
from core.l10n import format_long_date
from currency.selectors.comptoirs import comptoirs_for
from ledger.units import get_unit
from members.models import Member

from ..services import membership_fee, membership_renew
from .forms import MembershipAtComptoirForm


@login_required
def membership_at_comptoir(request: HttpRequest) -> HttpResponse:
    comptoirs = comptoirs_for(request.user)
    if not comptoirs.exists():
        raise DjangoPermissionDenied
    form = MembershipAtComptoirForm(request.POST or None, comptoirs=comptoirs, initial={"comptoir": comptoirs.first()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        member = data["member"]
        try:
            payment = membership_renew(
                member=member,
                unit="EUR",
                actor=request.user,
                comptoir=data["comptoir"],
                payment_method=data["payment_method"],
                idempotency_key=f"web:{request.user.pk}:{data['idempotency_key']}",
            )
        except ApplicationError as exc:
            if exc.code == "idempotency_key_reused":
                form.add_error(
                    None, _("This form was already sent. Please check the cash report and fill in a new one.")
                )
            elif exc.code in {"member_closed", "membership_not_approved"}:
                form.add_error("member", str(exc.message))
            else:
                add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("Membership of %(name)s paid: %(amount)s received, valid until %(date)s.")
                % {
                    "name": member.display_name,
                    "amount": get_unit("EUR").format(payment.amount),
                    "date": format_long_date(payment.period_end),
                },
            )
            return redirect("comptoir-membership")
    euro = get_unit("EUR")
    fees = [
        (label, euro.format(euro.to_minor(membership_fee(Member(kind=kind))))) for kind, label in Member.Kind.choices
    ]
    return render(
        request,
        "membership/comptoir.html",
        {"form": form, "fees": fees},
        status=400 if form.is_bound and form.errors else 200,
    )
