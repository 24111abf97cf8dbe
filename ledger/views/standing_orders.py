"""A member's standing orders: the list (as payer and as payee), a new one, one's history, cancel."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.errors import ApplicationError, NotFound

from .. import selectors, services
from .. import selectors_standing_orders as order_selectors
from ..models import StandingOrder
from ..notifications import reason_text
from ..units import get_unit
from .forms import StandingOrderForm
from .pages import form_parties

AMOUNT_CODES = {"invalid_amount", "insufficient_funds", "limit_exceeded", "unit_mismatch"}
FIELD_OF_CODE = {"invalid_day": "day", "start_in_past": "start", "end_before_start": "end", "no_payment_due": "end"}


def _row(order: StandingOrder) -> dict[str, Any]:
    return {
        "order": order,
        "amount": get_unit(order.unit).format(order.amount),
        "payer": selectors.party_label(order.from_account),
        "payee": selectors.party_label(order.to_account),
    }


@login_required
def standing_order_list(request: HttpRequest) -> HttpResponse:
    paying, receiving = order_selectors.standing_orders_of(request.user)
    return render(
        request,
        "ledger/standing_orders.html",
        {"paying": [_row(o) for o in paying], "receiving": [_row(o) for o in receiving]},
    )


@login_required
def standing_order_new(request: HttpRequest) -> HttpResponse:
    form = StandingOrderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        order = _create(request, form)
        if order is not None:
            messages.success(request, _("Standing order #%(id)s authorised.") % {"id": order.pk})
            return redirect("standing-order", pk=order.pk)
    return render(request, "ledger/standing_order_new.html", {"form": form})


def _create(request: HttpRequest, form: StandingOrderForm) -> StandingOrder | None:
    """Call the service; on refusal, put the reason on the form and return None."""
    data = form.cleaned_data
    parties = form_parties(request, form)
    if parties is None:
        return None
    payer, payee = parties
    try:
        return services.standing_order_create(
            from_account=payer,
            to_account=payee,
            amount=Money(data["amount"], payer.unit),
            period=data["period"],
            day=data["day"],
            start=data["start"],
            end=data["end"],
            memo=data["memo"],
            actor=request.user,
            idempotency_key=f"web:{request.user.pk}:{data['idempotency_key']}",
        )
    except ApplicationError as exc:
        if exc.code == "idempotency_key_reused":
            form.add_error(
                None, _("This form was already sent. Please check your standing orders and fill in a new one.")
            )
        else:
            field = "amount" if exc.code in AMOUNT_CODES else FIELD_OF_CODE.get(exc.code)
            form.add_error(field, str(exc.message))
        return None


def _visible(request: HttpRequest, pk: int) -> StandingOrder:
    try:
        return order_selectors.standing_order_get_visible(user=request.user, order_id=pk)
    except NotFound:
        raise Http404 from None


@login_required
def standing_order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = _visible(request, pk)
    executions = [
        {"execution": execution, "reason": reason_text(execution.reason) if execution.reason else ""}
        for execution in order_selectors.standing_order_executions(order)
    ]
    return render(
        request,
        "ledger/standing_order_detail.html",
        {
            **_row(order),
            "executions": executions,
            "may_cancel": order.status == StandingOrder.Status.ACTIVE
            and (order_selectors.is_payer(request.user, order) or request.user.is_staff),
        },
    )


@login_required
def standing_order_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the confirmation; POST: cancel (the payer or staff; the payee is refused)."""
    order = _visible(request, pk)
    if request.method == "POST":
        try:
            services.standing_order_cancel(order=order, actor=request.user)
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
            return redirect("standing-order", pk=order.pk)
        messages.success(request, _("Standing order #%(id)s cancelled: nothing more will be paid.") % {"id": order.pk})
        return redirect("standing-order", pk=order.pk)
    if not (order_selectors.is_payer(request.user, order) or request.user.is_staff):
        messages.error(request, _("Only the payer may cancel a standing order."))
        return redirect("standing-order", pk=order.pk)
    return render(request, "ledger/standing_order_cancel.html", _row(order))
