"""The board's queue: subscription requests to approve, reject or mark paid; redemption requests to
approve, reject or mark paid once due. Auditors see the queue without its forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from cooperative import selectors
from cooperative.models import Cooperative, RedemptionRequest, SubscriptionRequest
from cooperative.services.requests import (
    redemption_request_approve,
    redemption_request_pay,
    redemption_request_reject,
    subscription_request_approve,
    subscription_request_pay,
    subscription_request_reject,
)
from cooperative.views.forms import ApproveForm, PayForm, RejectForm
from core.amounts import format_euros
from core.errors import ApplicationError
from core.forms import add_service_error

from ._common import administered, board_context, readable, short

SR = SubscriptionRequest.Status
RR = RedemptionRequest.Status
FORMS: dict[str, type[forms.Form]] = {"approve": ApproveForm, "reject": RejectForm, "pay": PayForm}


def _forms(prefix: str, pk: int, bound: dict[str, forms.Form]) -> dict[str, forms.Form]:
    # One set of forms per request on the page: distinct ids keep every label tied to its field.
    return {
        name: bound.get(name) or form_class(auto_id=f"{prefix}-{name}-{pk}-%s") for name, form_class in FORMS.items()
    }


def _queue_page(
    request: HttpRequest, cooperative: Cooperative, *, status: int = 200, bound_for: str = "", **bound: forms.Form
) -> HttpResponse:
    subscriptions = selectors.subscription_requests_visible(request.user, cooperative).filter(
        status__in=[SR.REQUESTED, SR.APPROVED]
    )
    redemptions = selectors.redemption_requests_visible(request.user, cooperative).filter(
        status__in=[RR.REQUESTED, RR.APPROVED]
    )
    today = timezone.localdate()
    context = board_context(request, cooperative, "approvals")
    context["subscriptions"] = [
        {
            "request": item,
            "name": _subscriber(item),
            "amount": item.amount,
            **_forms("subscription", item.pk, bound if bound_for == f"subscription-{item.pk}" else {}),
        }
        for item in subscriptions
    ]
    context["redemptions"] = [
        {
            "request": item,
            "amount": item.quantity * item.share_class.nominal_value,
            "due": item.due_on is not None and item.due_on <= today,
            **_forms("redemption", item.pk, bound if bound_for == f"redemption-{item.pk}" else {}),
        }
        for item in redemptions
    ]
    return render(request, "cooperative/approvals.html", context, status=status)


def _subscriber(item: SubscriptionRequest) -> str:
    if item.member is not None:
        return item.member.display_name
    return item.shareholder.display_name if item.shareholder else ""


@login_required
def approvals(request: HttpRequest, pk: int) -> HttpResponse:
    return _queue_page(request, readable(request, pk))


def _act(
    request: HttpRequest,
    pk: int,
    request_id: int,
    *,
    kind: str,
    action: str,
    run: Callable[[Any, dict[str, Any]], str],
) -> HttpResponse:
    """Find the request, validate its form, run the service; a refusal shows on the queue's form."""
    cooperative = administered(request, pk)
    model = SubscriptionRequest if kind == "subscription" else RedemptionRequest
    item = model.objects.filter(cooperative=cooperative, pk=request_id).first()
    if item is None:
        raise Http404
    form = FORMS[action](request.POST, auto_id=f"{kind}-{action}-{item.pk}-%s")
    if form.is_valid():
        try:
            message = run(item, form.cleaned_data)
        except ApplicationError as exc:
            if not exc.fields:
                # A rule of the statutes or a request already decided: said above the queue, which
                # may no longer show this request's form.
                messages.error(request, str(exc.message))
                return _queue_page(request, cooperative, status=422)
            add_service_error(form, exc)
        else:
            messages.success(request, message)
            return redirect("cooperative-approvals", pk=cooperative.pk)
    return _queue_page(request, cooperative, status=422, bound_for=f"{kind}-{item.pk}", **{action: form})


@login_required
@require_POST
def subscription_approve(request: HttpRequest, pk: int, request_id: int) -> HttpResponse:
    def run(item: SubscriptionRequest, data: dict[str, Any]) -> str:
        done = subscription_request_approve(request=item, board_decision=data["board_decision"], actor=request.user)
        return ngettext(
            "The request of %(name)s for %(quantity)d share of class %(code)s is approved; it awaits payment.",
            "The request of %(name)s for %(quantity)d shares of class %(code)s is approved; it awaits payment.",
            done.quantity,
        ) % {"name": _subscriber(done), "quantity": done.quantity, "code": done.share_class.code}

    return _act(request, pk, request_id, kind="subscription", action="approve", run=run)


@login_required
@require_POST
def subscription_reject(request: HttpRequest, pk: int, request_id: int) -> HttpResponse:
    def run(item: SubscriptionRequest, data: dict[str, Any]) -> str:
        done = subscription_request_reject(request=item, reason=data["reason"], actor=request.user)
        return _("The request of %(name)s is rejected.") % {"name": _subscriber(done)}

    return _act(request, pk, request_id, kind="subscription", action="reject", run=run)


@login_required
@require_POST
def subscription_pay(request: HttpRequest, pk: int, request_id: int) -> HttpResponse:
    def run(item: SubscriptionRequest, data: dict[str, Any]) -> str:
        done = subscription_request_pay(request=item, paid_on=data["paid_on"], actor=request.user)
        assert done.movement is not None
        return ngettext(
            "The payment of %(name)s (%(amount)s) is recorded: %(quantity)d share of class %(code)s issued "
            "(movement n° %(number)d).",
            "The payment of %(name)s (%(amount)s) is recorded: %(quantity)d shares of class %(code)s issued "
            "(movement n° %(number)d).",
            done.quantity,
        ) % {
            "name": _subscriber(done),
            "amount": format_euros(done.amount),
            "quantity": done.quantity,
            "code": done.share_class.code,
            "number": done.movement.number,
        }

    return _act(request, pk, request_id, kind="subscription", action="pay", run=run)


@login_required
@require_POST
def redemption_approve(request: HttpRequest, pk: int, request_id: int) -> HttpResponse:
    def run(item: RedemptionRequest, data: dict[str, Any]) -> str:
        done = redemption_request_approve(request=item, board_decision=data["board_decision"], actor=request.user)
        return _("The redemption of %(name)s is approved; it is to be paid on %(date)s.") % {
            "name": done.shareholder.display_name,
            "date": short(done.due_on),
        }

    return _act(request, pk, request_id, kind="redemption", action="approve", run=run)


@login_required
@require_POST
def redemption_reject(request: HttpRequest, pk: int, request_id: int) -> HttpResponse:
    def run(item: RedemptionRequest, data: dict[str, Any]) -> str:
        done = redemption_request_reject(request=item, reason=data["reason"], actor=request.user)
        return _("The redemption of %(name)s is rejected.") % {"name": done.shareholder.display_name}

    return _act(request, pk, request_id, kind="redemption", action="reject", run=run)


@login_required
@require_POST
def redemption_pay(request: HttpRequest, pk: int, request_id: int) -> HttpResponse:
    def run(item: RedemptionRequest, data: dict[str, Any]) -> str:
        done = redemption_request_pay(request=item, paid_on=data["paid_on"], actor=request.user)
        assert done.movement is not None
        return ngettext(
            "The redemption of %(name)s is paid (%(amount)s): %(quantity)d share of class %(code)s redeemed "
            "(movement n° %(number)d).",
            "The redemption of %(name)s is paid (%(amount)s): %(quantity)d shares of class %(code)s redeemed "
            "(movement n° %(number)d).",
            done.quantity,
        ) % {
            "name": done.shareholder.display_name,
            "amount": format_euros(done.quantity * done.share_class.nominal_value),
            "quantity": done.quantity,
            "code": done.share_class.code,
            "number": done.movement.number,
        }

    return _act(request, pk, request_id, kind="redemption", action="pay", run=run)
