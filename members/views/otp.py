"""Second-factor pages: verify after the password, enrol an authenticator app, see the backup codes
once, and the Security page where a member adds, renews or removes their second factor."""

from __future__ import annotations

from base64 import b32encode
from binascii import unhexlify
from urllib.parse import urlencode

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.errors import ApplicationError

from .. import otp
from ..errors import SecondFactorInvalid


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false", "autofocus": True}
        ),
    )


def _next_url(request: HttpRequest) -> str:
    """Where to go once verified: the page asked for, if it is on this site, else the dashboard."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


@never_cache
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    next_url = _next_url(request)
    if otp.is_verified(user) or not otp.second_factor_needed(user):
        return redirect(next_url)
    if not otp.has_second_factor(user):
        return redirect(_with_next("otp-enrol", next_url))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = otp.second_factor_verify(user=user, code=form.cleaned_data["code"])  # type: ignore[arg-type]
        if device is not None:
            otp.session_verify(request, device)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                message = ngettext(
                    "You used a backup code; %(count)d code left.",
                    "You used a backup code; %(count)d codes left.",
                    left,
                )
                messages.warning(request, message % {"count": left})
            return redirect(next_url)
        otp.second_factor_failed(request, user)  # type: ignore[arg-type]
        if getattr(request, "axes_locked_out", False):
            # The lockout page follows (django-axes' middleware); this session must log in again.
            logout(request)
        form.add_error("code", str(SecondFactorInvalid.default_message))
    return render(request, "registration/otp_verify.html", {"form": form, "next": next_url})


@never_cache
@login_required
def enrol(request: HttpRequest) -> HttpResponse:
    user = request.user
    next_url = _next_url(request)
    if otp.has_second_factor(user):
        # Never a second enrolment over an existing one: an unverified session is sent to verify.
        return redirect("otp-security" if otp.is_verified(user) else _with_next("otp-verify", next_url))
    key = otp.pending_key(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = otp.second_factor_enrol(
                user=user,  # type: ignore[arg-type]
                key=key,
                code=form.cleaned_data["code"],
                actor=user,
            )
        except SecondFactorInvalid as exc:
            form.add_error("code", str(exc.message))
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
            return redirect("otp-security")
        else:
            request.session.pop(otp.PENDING_KEY_SESSION_KEY, None)
            otp.session_verify(request, device)
            otp.keep_new_codes(request, codes)
            return redirect(_with_next("otp-backup-codes", next_url))
    uri = otp.enrolment_uri(user, key)  # type: ignore[arg-type]
    # Inline SVG from our own data: no image request, no third party sees the secret.
    qr_svg = mark_safe(segno.make(uri, error="m").svg_inline(scale=5, border=2, light="#fff", omitsize=True))  # noqa: S308
    secret = b32encode(unhexlify(key)).decode()
    context = {
        "form": form,
        "next": next_url,
        "qr_svg": qr_svg,
        "secret": " ".join(secret[index : index + 4] for index in range(0, len(secret), 4)),
        "required": otp.otp_required_by_role(user),
    }
    return render(request, "registration/otp_enrol.html", context)


@never_cache
@login_required
def backup_codes(request: HttpRequest) -> HttpResponse:
    codes = otp.take_new_codes(request)
    if not codes:
        return redirect("otp-security")
    return render(request, "registration/otp_backup_codes.html", {"codes": codes, "next": _next_url(request)})


@never_cache
@login_required
def security(request: HttpRequest) -> HttpResponse:
    user = request.user
    remove_form = CodeForm(request.POST if request.POST.get("action") == "remove" else None)
    remove_form.fields["code"].widget.attrs.pop("autofocus", None)  # not the first thing on this page
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "renew":
            try:
                codes = otp.backup_codes_renew(user=user, actor=user)  # type: ignore[arg-type]
            except ApplicationError as exc:
                messages.error(request, str(exc.message))
                return redirect("otp-security")
            otp.keep_new_codes(request, codes)
            return redirect("otp-backup-codes")
        if action == "remove" and remove_form.is_valid():
            try:
                otp.second_factor_remove(user=user, code=remove_form.cleaned_data["code"], actor=user)  # type: ignore[arg-type]
            except ApplicationError as exc:
                remove_form.add_error("code", str(exc.message))
            else:
                messages.success(request, _("Your second factor is removed."))
                return redirect("otp-security")
    app = TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).first()
    context = {
        "app": app,
        "backup_left": StaticToken.objects.filter(device__user_id=user.pk, device__confirmed=True).count(),
        "required": otp.otp_required_by_role(user),
        "remove_form": remove_form,
    }
    return render(request, "registration/otp_security.html", context)
