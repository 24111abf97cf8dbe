"""The user's sessions (/security/sessions/): where they are logged in, and ending any of them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.errors import NotFound

from .. import selectors, services


@login_required
def sessions(request: HttpRequest) -> HttpResponse:
    current = request.session.session_key or ""
    if request.method == "POST":
        if request.POST.get("action") == "others":
            ended = services.user_sessions_end_others(user=request.user, keep_session_key=current, actor=request.user)
            messages.success(
                request,
                ngettext("%(count)s other session ended.", "%(count)s other sessions ended.", ended) % {"count": ended},
            )
            return redirect("sessions")
        try:
            session = selectors.user_session_of(request.user, int(request.POST.get("session", "0") or 0))
        except (NotFound, ValueError):
            raise Http404 from None
        services.user_session_end(session=session, actor=request.user)
        if session.session_key == current:
            return redirect("login")  # one's own session: logged out like with the button
        messages.success(request, _("The session is ended: that device must log in again."))
        return redirect("sessions")
    rows = selectors.user_sessions_of(request.user)
    return render(
        request,
        "members/sessions.html",
        {"sessions": rows, "current": current, "others": sum(1 for row in rows if row.session_key != current)},
    )
