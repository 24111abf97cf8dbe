"""Pages of the exchange offices: record a conversion, print its receipt, the day's cash report."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.errors import ApplicationError, NotFound
from currency.selectors.backing import backing_visible_to
from currency.selectors.comptoirs import (
    comptoir_cash_report,
    comptoir_get_for,
    comptoirs_for,
    conversion_get_visible,
    conversions_on,
    conversions_visible_to,
)
from currency.services.conversions import conversion_create
from currency.views.forms_comptoir import ConversionForm, DayForm
from ledger.units import get_unit

FORM_ERRORS = {"invalid_amount": "amount", "unit_mismatch": "amount", "member_closed": "username"}


def _comptoirs_or_403(request: HttpRequest):
    comptoirs = comptoirs_for(request.user)
    if not comptoirs.exists():
        raise DjangoPermissionDenied
    return comptoirs


def _record(request: HttpRequest, form: ConversionForm) -> HttpResponse | None:
    data = form.cleaned_data
    member = data["username"]
    try:
        conversion = conversion_create(
            comptoir=data["comptoir"],
            member=member,
            amount=Money(Decimal(data["amount"]), "EUR"),
            payment_method=data["payment_method"],
            actor=request.user,
            idempotency_key=f"web:{request.user.pk}:{data['idempotency_key']}",
        )
    except ApplicationError as exc:
        if exc.code == "idempotency_key_reused":
            form.add_error(None, _("This form was already sent. Please check the day's list and fill in a new one."))
        elif exc.code == "membership_expired":
            form.add_error("username", str(exc.message))
        else:
            form.add_error(FORM_ERRORS.get(exc.code), str(exc.message))
        return None
    messages.success(
        request,
        _("%(amount)s converted for %(member)s.")
        % {"amount": get_unit(settings.BOCAGE_LOCAL_UNIT).format(conversion.amount), "member": member.display_name},
    )
    return redirect("conversion-receipt", conversion_id=conversion.pk)


@login_required
def comptoir_home(request: HttpRequest) -> HttpResponse:
    comptoirs = _comptoirs_or_403(request)
    form = ConversionForm(request.POST or None, comptoirs=comptoirs, initial={"comptoir": comptoirs.first()})
    if request.method == "POST" and form.is_valid():
        response = _record(request, form)
        if response is not None:
            return response
    today = timezone.localdate()
    recent = conversions_on(conversions_visible_to(request.user).filter(comptoir__in=comptoirs), today)[:20]
    return render(
        request,
        "currency/comptoir/home.html",
        {
            "form": form,
            "comptoirs": comptoirs,
            "recent": recent,
            "today": today,
            "backing": backing_visible_to(request.user),
        },
    )


@login_required
def conversion_receipt(request: HttpRequest, conversion_id: int) -> HttpResponse:
    try:
        conversion = conversion_get_visible(user=request.user, conversion_id=conversion_id)
    except NotFound:
        raise Http404 from None
    return render(request, "currency/comptoir/receipt.html", {"conversion": conversion})


@login_required
def cash_report(request: HttpRequest, comptoir_id: int) -> HttpResponse:
    try:
        comptoir = comptoir_get_for(user=request.user, comptoir_id=comptoir_id)
    except NotFound:
        raise Http404 from None
    day_form = DayForm(request.GET or {"day": timezone.localdate().isoformat()})
    report = comptoir_cash_report(comptoir=comptoir, day=day_form.day_or_today())
    return render(request, "currency/comptoir/report.html", {"report": report, "day_form": day_form})


urlpatterns = [
    path("comptoir/", comptoir_home, name="comptoir-home"),
    path("comptoir/conversions/<int:conversion_id>/receipt/", conversion_receipt, name="conversion-receipt"),
    path("comptoir/<int:comptoir_id>/report/", cash_report, name="comptoir-report"),
]
