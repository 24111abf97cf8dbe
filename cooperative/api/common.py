"""What the register's API views share: finding the cooperative and what the caller may see, input."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request

from cooperative import selectors
from cooperative.api.serializers.inputs import OnQuerySerializer
from cooperative.errors import CooperativeNotFound
from cooperative.models import (
    College,
    Cooperative,
    ShareClass,
    Shareholder,
    ShareMovement,
)
from cooperative.services.register import require_administrator
from core.api import checked_id, valid
from core.errors import InvalidInput, PermissionDenied
from core.typing import RequestUser

ON_PARAMETER = OpenApiParameter(
    "on", OpenApiTypes.DATE, OpenApiParameter.QUERY, required=False, description="YYYY-MM-DD; absent: today."
)


def day_asked(request: Request) -> datetime.date | None:
    """The `?on=` date (400 if malformed), or None for today."""
    on: datetime.date | None = valid(OnQuerySerializer, request.query_params)["on"]
    return on


def cooperative_for(user: RequestUser, pk: int) -> Cooperative:
    """Every member sees the cooperatives (to subscribe); 404 for an id that names none."""
    found = selectors.cooperatives_visible_to(user).filter(pk=checked_id(pk)).first()
    if found is None:
        raise CooperativeNotFound()
    return found


def register_readable(user: RequestUser, pk: int) -> Cooperative:
    """The cooperative if the caller may read its register (administrators, auditors); 403 otherwise."""
    cooperative = cooperative_for(user, pk)
    if not selectors.can_read_register(user):
        raise PermissionDenied(_("Only the register's administrators and auditors may read this."))
    return cooperative


def administered(user: RequestUser, pk: int) -> Cooperative:
    """The cooperative if the caller administers registers; 403 otherwise (auditors included)."""
    cooperative = cooperative_for(user, pk)
    require_administrator(user)
    return cooperative


def _unknown(field: str, message: str) -> InvalidInput:
    return InvalidInput(fields={field: [message]})


def share_class_of(cooperative: Cooperative, pk: int, field: str = "share_class") -> ShareClass:
    found = ShareClass.objects.filter(cooperative=cooperative, pk=pk).first()
    if found is None:
        raise _unknown(field, _("This cooperative has no such share class."))
    return found


def college_of(cooperative: Cooperative, pk: int, field: str = "college") -> College:
    found = College.objects.filter(cooperative=cooperative, pk=pk).first()
    if found is None:
        raise _unknown(field, _("This cooperative has no such college."))
    return found


def shareholder_in(cooperative: Cooperative, pk: int, field: str = "shareholder") -> Shareholder:
    found = Shareholder.objects.select_related("member", "college").filter(cooperative=cooperative, pk=pk).first()
    if found is None:
        raise _unknown(field, _("This cooperative has no such shareholder."))
    return found


def cancellations(movements: list[ShareMovement]) -> dict[int, int]:
    """{movement id: number of the movement that cancels it} for these movements."""
    rows = ShareMovement.objects.filter(reverses__in=[movement.pk for movement in movements])
    return {reverses_id: number for reverses_id, number in rows.values_list("reverses_id", "number")}
