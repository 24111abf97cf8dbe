"""What the cooperative pages share: who may see and do what (404 for what one may not see, 403
for an auditor who tries to write), placing service refusals on forms, dates read from `?on=`."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import formats, timezone

from cooperative import selectors
from cooperative.models import Cooperative, Shareholder, ShareMovement
from cooperative.views.forms import DateForm
from core.errors import NotFound


def cooperative_or_404(pk: int) -> Cooperative:
    try:
        return selectors.cooperative_get(cooperative_id=pk)
    except NotFound:
        raise Http404 from None


def readable(request: HttpRequest, pk: int) -> Cooperative:
    """The cooperative for those who read its register (administrators, auditors); 404 for others."""
    cooperative = cooperative_or_404(pk)
    if not selectors.can_read_register(request.user):
        raise Http404
    return cooperative


def administered(request: HttpRequest, pk: int) -> Cooperative:
    """The cooperative for its administrators; an auditor reads but may not write (403); 404 for others."""
    cooperative = readable(request, pk)
    if not selectors.can_administer(request.user):
        raise PermissionDenied
    return cooperative


def board_context(request: HttpRequest, cooperative: Cooperative, section: str) -> dict[str, Any]:
    """What every administrator page needs: the tabs, and whether to show the forms."""
    return {"cooperative": cooperative, "section": section, "can_administer": selectors.can_administer(request.user)}


def movements_of(shareholder: Shareholder) -> QuerySet[ShareMovement]:
    """A shareholder's lines of the register, in order."""
    return selectors.register(shareholder.cooperative).filter(
        Q(from_shareholder=shareholder) | Q(to_shareholder=shareholder)
    )


def cancelled_numbers(cooperative: Cooperative) -> dict[int, int]:
    """{number of a cancelled movement: number of the movement that cancels it}."""
    return dict(
        ShareMovement.objects.filter(cooperative=cooperative, reverses__isnull=False).values_list(
            "reverses__number", "number"
        )
    )


def day_on(request: HttpRequest) -> tuple[DateForm, datetime.date | None]:
    """The `?on=` date of a page (None: today), and its form to show again; a wrong date is shown as an error."""
    form = DateForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["on"]
    return form, None


def short(day: datetime.date | None) -> str:
    return formats.date_format(day or timezone.localdate(), "SHORT_DATE_FORMAT")
