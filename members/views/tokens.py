"""Member pages: the user's API tokens (the membership page is membership/'s)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.errors import NotFound

from .. import selectors, services


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The user's API tokens (one per device): when made, last used, until when; revoke one."""
    if request.method == "POST":
        try:
            token = selectors.api_token_of(request.user, int(request.POST.get("token", "0") or 0))
        except (NotFound, ValueError):
            raise Http404 from None
        services.api_token_revoke(token=token, actor=request.user)
        messages.success(request, _("The token is revoked: the device using it must log in again."))
        return redirect("api-tokens")
    return render(
        request,
        "members/api_tokens.html",
        {"tokens": selectors.api_tokens_live_of(request.user), "token_days": settings.BOCAGE_API_TOKEN_DAYS},
    )
