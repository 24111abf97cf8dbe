"""What waits in the local currency (core.inbox): a business's payment requests still open, the
reconversions staff must decide or pay, and the exchange office as a clerk's shortcut."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from core.inbox import MEMBER, STAFF, InboxItem, counted
from currency.models import PaymentRequest, Reconversion
from currency.selectors.comptoirs import comptoirs_for
from currency.selectors.payments import payment_requests_of
from currency.selectors.reconversions import may_manage_reconversions, reconversions_visible_to


def payment_requests_open(user: User) -> list[InboxItem]:
    """The user's own payment requests (QR codes) still waiting for a payer and not expired.

    A payment request names no payer (whoever scans the code pays it), so what waits is on the
    payee's side: a code shown at the counter, to be paid or cancelled.
    """
    count = (
        payment_requests_of(user)
        .filter(status=PaymentRequest.Status.OPEN)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        .count()
    )
    return counted(
        count,
        key="payment_requests",
        label=ngettext_lazy("payment request waiting to be paid", "payment requests waiting to be paid", count),
        url=reverse("payment-request-list"),
        kind=MEMBER,
    )


def reconversions_to_handle(user: User) -> list[InboxItem]:
    """For staff who manage them: requests to approve or reject, approved ones to pay by a SEPA file
    (the page as a shortcut when none waits)."""
    if not may_manage_reconversions(user):
        return []
    R = Reconversion.Status
    counts = reconversions_visible_to(user).aggregate(
        requested=Count("id", filter=Q(status=R.REQUESTED)), approved=Count("id", filter=Q(status=R.APPROVED))
    )
    url = reverse("reconversion-list")
    if not (counts["requested"] or counts["approved"]):
        return [InboxItem(key="reconversions", label=_("Reconversions"), url=url, kind=STAFF, count=None)]
    items = []
    if counts["requested"]:
        items.append(
            InboxItem(
                key="reconversions",
                label=ngettext_lazy(
                    "reconversion request to decide", "reconversion requests to decide", counts["requested"]
                ),
                url=url,
                kind=STAFF,
                count=counts["requested"],
            )
        )
    if counts["approved"]:
        items.append(
            InboxItem(
                key="reconversions",
                label=ngettext_lazy(
                    "approved reconversion to pay by transfer",
                    "approved reconversions to pay by transfer",
                    counts["approved"],
                ),
                url=url,
                kind=STAFF,
                count=counts["approved"],
            )
        )
    return items


def comptoir_shortcut(user: User) -> list[InboxItem]:
    """The exchange office, for those who work at one (and staff): a shortcut, not a count.

    Nothing waits for a clerk: a conversion is recorded and posted at once, and the day's cash
    report is read, not closed. So the clerk's home shows where to work, and no badge.
    """
    if not comptoirs_for(user).exists():
        return []
    return [
        InboxItem(
            key="comptoir",
            label=_("Exchange office: record a conversion, the day's cash report"),
            url=reverse("comptoir-home"),
            kind=STAFF,
            count=None,
        )
    ]
