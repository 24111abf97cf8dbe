"""Pages of payment requests: a business lists and creates its requests, shows the QR code; the
payer opens the link (/pay/r/<token>/) on their phone and confirms."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from djmoney.money import Money

from core.errors import ApplicationError, NotFound
from core.qr import qr_svg
from currency.models import PaymentRequest
from currency.selectors.payments import payment_request_by_token, payment_request_get_for_payee, payment_requests_of
from currency.services.payments import (
    payment_request_cancel,
    payment_request_create,
    payment_request_is_expired,
    payment_request_pay,
)
from currency.views.forms_payments import PaymentRequestForm
from ledger import selectors as ledger_selectors
from ledger.models import Account
from ledger.units import get_unit


def _own_account(request: HttpRequest, unit: str) -> Account:
    return ledger_selectors.member_account_for_unit(username=request.user.get_username(), unit=unit)


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    form = PaymentRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            payee = _own_account(request, data["unit"])
        except NotFound:
            form.add_error("unit", _("You have no account in this unit."))
        else:
            minutes = data["expires_in_minutes"]
            try:
                created = payment_request_create(
                    payee_account=payee,
                    amount=Money(data["amount"], payee.unit),
                    memo=data["memo"],
                    actor=request.user,
                    expires_at=timezone.now() + timedelta(minutes=minutes) if minutes else None,
                )
            except ApplicationError as exc:
                form.add_error("amount" if exc.code == "invalid_amount" else None, str(exc.message))
            else:
                return redirect("payment-request-detail", token=created.token)
    requests = list(payment_requests_of(request.user)[:100])
    return render(request, "currency/payments/list.html", {"form": form, "requests": requests})


def _pay_url(request: HttpRequest, payment_request: PaymentRequest) -> str:
    return request.build_absolute_uri(reverse("payment-request-pay", kwargs={"token": payment_request.token}))


def _for_payee(request: HttpRequest, token: UUID) -> PaymentRequest:
    try:
        return payment_request_get_for_payee(user=request.user, token=token)
    except NotFound:
        raise Http404 from None


@login_required
def request_detail(request: HttpRequest, token: UUID) -> HttpResponse:
    payment_request = _for_payee(request, token)
    pay_url = _pay_url(request, payment_request)
    is_open = payment_request.status == PaymentRequest.Status.OPEN and not payment_request_is_expired(payment_request)
    return render(
        request,
        "currency/payments/detail.html",
        {
            "payment_request": payment_request,
            "pay_url": pay_url,
            "qr": qr_svg(pay_url, title=_("QR code of the payment link")) if is_open else None,
            "is_open": is_open,
            "expired": payment_request_is_expired(payment_request),
        },
    )


@login_required
@require_POST
def request_cancel(request: HttpRequest, token: UUID) -> HttpResponse:
    payment_request = _for_payee(request, token)
    try:
        payment_request_cancel(request=payment_request, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The payment request was cancelled."))
    return redirect("payment-request-detail", token=payment_request.token)


def _is_payee(request: HttpRequest, payment_request: PaymentRequest) -> bool:
    holder = payment_request.payee_account.holder
    return holder is not None and holder.user_id == request.user.pk


@login_required
def request_pay(request: HttpRequest, token: UUID) -> HttpResponse:
    try:
        payment_request = payment_request_by_token(token=token)
    except NotFound:
        raise Http404 from None
    unit = get_unit(payment_request.payee_account.unit)
    error = None
    if request.method == "POST":
        try:
            payer = _own_account(request, unit.code)
            payment_request_pay(request=payment_request, payer_account=payer, actor=request.user)
        except NotFound:
            error = _("You have no account in this unit.")
        except ApplicationError as exc:
            error = str(exc.message)
        else:
            messages.success(
                request,
                _("Paid %(amount)s to %(payee)s.")
                % {"amount": unit.format(payment_request.amount), "payee": payment_request.payee_account.label},
            )
            return redirect("payment-request-pay", token=payment_request.token)
        payment_request.refresh_from_db()
    return render(
        request,
        "currency/payments/pay.html",
        {
            "payment_request": payment_request,
            "expired": payment_request_is_expired(payment_request),
            "is_payee": _is_payee(request, payment_request),
            "error": error,
        },
        status=422 if error else 200,
    )


urlpatterns = [
    path("payments/", request_list, name="payment-request-list"),
    path("payments/<uuid:token>/", request_detail, name="payment-request-detail"),
    path("payments/<uuid:token>/cancel/", request_cancel, name="payment-request-cancel"),
    path("pay/r/<uuid:token>/", request_pay, name="payment-request-pay"),
]
