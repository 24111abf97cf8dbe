"""Joining online: the sign-up form, the e-mail link's page, the welcome page, the terms of use."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.errors import ApplicationError, NotFound
from core.ratelimit import client_address
from members import selectors

from ..errors import SignupLinkInvalid, SignupRateLimited
from ..forms import SignupForm
from ..models import Application, LegalDocument
from ..signup import current_document, current_documents, pending_signup_for, signup_confirm, signup_rate_check
from ..signup import signup_request as signup_request_service


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            signup_rate_check(ip=client_address(request), email=form.cleaned_data["email"])
        except SignupRateLimited as exc:
            form.add_error(None, str(exc.message))
        else:
            signup_request_service(data=form.data_object(), documents=current_documents())
            request.session["signup_email"] = form.cleaned_data["email"]
            return redirect("signup-sent")
    return render(
        request,
        "membership/signup.html",
        {
            "form": form,
            "terms": current_document(LegalDocument.Kind.TERMS),
            "privacy": current_document(LegalDocument.Kind.PRIVACY),
            "outside_allowed": settings.BOCAGE_SIGNUP_OUTSIDE_TERRITORY,
            "approval_required": settings.BOCAGE_SIGNUP_REQUIRES_APPROVAL,
        },
    )


@require_http_methods(["GET"])
def signup_sent(request: HttpRequest) -> HttpResponse:
    """The same page whether the address was new or already had an account (nothing revealed)."""
    return render(
        request,
        "membership/signup_sent.html",
        {"email": request.session.get("signup_email", ""), "hours": settings.BOCAGE_SIGNUP_LINK_HOURS},
    )


@require_http_methods(["GET", "POST"])
def signup_confirm_page(request: HttpRequest, token: str) -> HttpResponse:
    """The mail's link: GET shows a button (a mail scanner opening the link creates nothing), POST
    creates the member and logs them in; a link opened again says it is already confirmed."""
    try:
        pending = pending_signup_for(token)
    except SignupLinkInvalid as exc:
        return render(request, "membership/signup_invalid.html", {"message": exc.message}, status=404)
    if pending.confirmed_at is not None:
        return render(request, "membership/signup_confirmed_already.html")
    if request.method == "GET":
        return render(request, "membership/signup_confirm.html", {"pending": pending})
    try:
        member, _created = signup_confirm(token=token)
    except ApplicationError as exc:
        return render(request, "membership/signup_invalid.html", {"message": exc.message}, status=exc.status)
    login(request, member.user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("signup-welcome")


@login_required
@require_http_methods(["GET"])
def signup_welcome(request: HttpRequest) -> HttpResponse:
    try:
        member = selectors.member_of(request.user)
    except NotFound:
        raise Http404 from None
    application = Application.objects.filter(member=member).first()
    return render(
        request,
        "membership/welcome.html",
        {"member": member, "application": application, "valid": member.membership_valid_on()},
    )


@require_http_methods(["GET"])
def terms(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "membership/terms.html",
        {"document": current_document(LegalDocument.Kind.TERMS), "association_name": settings.BOCAGE_ASSOCIATION_NAME},
    )
