"""GET /members/search/?q=…: the member picker's suggestions (JSON), for signed-in users only.

Each result is the member's id, display name and commune (only for members in the directory, who
agreed to show it): never a username, an e-mail or anything
else. At most members.selectors.SEARCH_LIMIT, only active members, nothing under two letters;
`exclude=self` leaves out the member asking (the pay form).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ..selectors import members_search


def _commune(member) -> str:
    """The commune, for members who agreed to appear in the directory; "" for everyone else."""
    return member.commune.name if member.commune and member.in_directory else ""


@never_cache
@require_GET
@login_required
def member_search(request: HttpRequest) -> JsonResponse:
    query = request.GET.get("q", "")[:100]
    exclude = request.user.pk if request.GET.get("exclude") == "self" else None
    results = members_search(query=query, exclude_user_id=exclude)
    return JsonResponse(
        {"results": [{"id": member.pk, "name": member.display_name, "commune": _commune(member)} for member in results]}
    )
