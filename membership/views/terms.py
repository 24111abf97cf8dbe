"""Accepting a new version of the terms of use or the privacy notice (membership.terms)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ..terms import documents_to_accept, leave_url, terms_accept


def _next_url(request: HttpRequest) -> str:
    """Where to go once accepted: the page asked for, if it is on this site, else the dashboard."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def terms_accept_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        terms_accept(user=request.user, actor=request.user)
        return HttpResponseRedirect(_next_url(request))
    documents = documents_to_accept(request.user)
    if not documents:
        return HttpResponseRedirect(_next_url(request))
    return render(
        request,
        "membership/terms_accept.html",
        {"documents": documents, "next": _next_url(request), "leave_url": leave_url()},
    )
