"""Second factor (django-otp): who must give one, enrolment, verification, removal, enforcement.

A user gives a second factor after the password when their role requires it — staff and auditors
(`ledger.audit_ledger`) while `BOCAGE_OTP_REQUIRED` is on — or when they enrolled one of their own
accord: someone who chose a second factor expects to be asked for it, whatever the setting says.

A second factor is one authenticator app (TOTP, `otp_totp`) plus ten backup codes (`otp_static`,
each usable once). Enrolment keeps the new secret in the session until a code computed from it
is confirmed, so an abandoned or mistyped enrolment writes nothing. Wrong codes count against the
device (django-otp's exponential throttling) and as failed logins for django-axes, so the
lockout of the password also bounds guessing of the second factor.
"""

from __future__ import annotations

import time
from binascii import unhexlify
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model, user_logged_in, user_login_failed
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from core import usercache
from core.api_errors import error_body
from core.audit import audit_record
from core.errors import InvalidInput, PermissionDenied
from core.typing import Actor

from .errors import SecondFactorInvalid
from .services import api_tokens_revoke_all

BACKUP_CODE_COUNT = 10
# The ledger's permission to read everything (ledger.selectors.AUDIT_PERMISSION), named here by its
# string: this app sits below the ledger and does not import it.
AUDIT_PERMISSION = "ledger.audit_ledger"
# The secret of an enrolment in progress: in the session until a code from it is confirmed.
PENDING_KEY_SESSION_KEY = "bocage_otp_pending_key"
# Backup codes just made, shown once by the next page and then forgotten.
NEW_CODES_SESSION_KEY = "bocage_otp_new_codes"
TOTP_DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup"


def otp_required_by_role(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Staff and auditors must give a second factor while BOCAGE_OTP_REQUIRED is on."""
    if not getattr(settings, "BOCAGE_OTP_REQUIRED", False) or not user.is_authenticated:
        return False
    # The same rule as ledger.selectors.can_read_everything. Asked on every page by the middleware:
    # kept a few seconds (core.usercache), forgotten when the user or their permissions change.
    return usercache.cached(
        user.pk,
        _BY_ROLE,
        lambda: bool(user.is_staff or user.has_perm(AUDIT_PERMISSION)),  # type: ignore[attr-defined]
    )


_BY_ROLE = usercache.register("otp-role")
_HAS_DEVICE = usercache.register("otp-device")


def has_second_factor(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether the user has a confirmed device: asked on every page by the middleware, so kept a few
    seconds (core.usercache), and forgotten as soon as one of their devices is saved or deleted."""
    if not user.is_authenticated:
        return False
    return usercache.cached(user.pk, _HAS_DEVICE, lambda: bool(user_has_device(user, confirmed=True)))


def connect_device_signals() -> None:
    """Forget a user's cached answer when one of their devices changes (members' AppConfig.ready)."""
    for model in (TOTPDevice, StaticDevice):
        usercache.connect_model(model, lambda device: [device.user_id], f"bocage-otp-{model.__name__}")


def second_factor_needed(user: AbstractBaseUser | AnonymousUser) -> bool:
    """True when logging in takes a code after the password: required by role, or chosen."""
    return bool(user.is_authenticated and (otp_required_by_role(user) or has_second_factor(user)))


def is_verified(user: Any) -> bool:
    """Whether this session's user gave a second factor (django-otp's middleware sets otp_device)."""
    return getattr(user, "otp_device", None) is not None


def normalise_code(code: str) -> str:
    # People copy codes with spaces ("123 456") or type backup codes in capitals.
    return "".join(code.split()).replace("-", "").lower()


def _totp_matches(key: str, code: str) -> int | None:
    """The time step at which `code` is valid for the hex `key` (±1 step), or None."""
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = TOTP(unhexlify(key.encode()))
    totp.time = time.time()
    if totp.verify(int(code), tolerance=1):
        return int(totp.t())
    return None


def pending_key(request: HttpRequest) -> str:
    """The secret offered to this session's enrolment (made on first use, kept until confirmed)."""
    key = request.session.get(PENDING_KEY_SESSION_KEY)
    if not key:
        key = random_hex(20)
        request.session[PENDING_KEY_SESSION_KEY] = key
    return str(key)


def enrolment_uri(user: AbstractBaseUser, key: str) -> str:
    """The otpauth:// URI an authenticator app scans (issuer Bocage, 6 digits, 30 s)."""
    # An unsaved device: django-otp builds the URI exactly as it will check the codes.
    return str(TOTPDevice(user=user, key=key, name=TOTP_DEVICE_NAME).config_url)


def _new_backup_codes(device: StaticDevice) -> list[str]:
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _index in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def second_factor_enrol(*, user: AbstractBaseUser, key: str, code: str, actor: Actor) -> tuple[TOTPDevice, list[str]]:
    """Confirm an authenticator app with a code from it; returns its device and ten backup codes.

    Raises InvalidInput (a second factor is already enrolled) and SecondFactorInvalid (wrong
    code): nothing is written then.
    """

    step = _totp_matches(key, normalise_code(code))
    if step is None:
        raise SecondFactorInvalid
    with transaction.atomic(durable=True):
        # The user's row lock makes two enrolments of one account take turns.
        get_user_model().objects.select_for_update().get(pk=user.pk)
        if user_has_device(user, confirmed=True):
            raise InvalidInput(_("A second factor is already set up for this account."))
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        # last_t: the confirming code may not be replayed to verify a session.
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, key=key, confirmed=True, last_t=step)
        backup = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
        codes = _new_backup_codes(backup)
        audit_record(
            actor=actor,
            action="otp_device_add",
            target=user,
            device=device.persistent_id,
            backup_device=backup.persistent_id,
            backup_codes=len(codes),
        )
        # Tokens issued on the password alone would go on bypassing the factor just turned on.
        api_tokens_revoke_all(user=user, actor=actor, reason="otp_device_add")
    return device, codes


def backup_codes_renew(*, user: AbstractBaseUser, actor: Actor) -> list[str]:
    """Replace the backup codes (the old ones stop working). Raises InvalidInput without a second factor."""

    with transaction.atomic(durable=True):
        get_user_model().objects.select_for_update().get(pk=user.pk)
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise InvalidInput(_("No second factor is set up for this account."))
        backup, _created = StaticDevice.objects.get_or_create(
            user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
        )
        codes = _new_backup_codes(backup)
        audit_record(actor=actor, action="otp_backup_codes_renew", target=user, backup_device=backup.persistent_id)
    return codes


def second_factor_remove(*, user: AbstractBaseUser, code: str, actor: Actor) -> None:
    """Remove the app and the backup codes, confirmed by a current code.

    Raises PermissionDenied (the role requires a second factor), SecondFactorInvalid (wrong code),
    InvalidInput (nothing to remove); nothing is removed then.
    """
    if otp_required_by_role(user):
        raise PermissionDenied(_("Your role requires a second factor: it cannot be removed."))
    if not has_second_factor(user):
        raise InvalidInput(_("No second factor is set up for this account."))
    if second_factor_verify(user=user, code=code) is None:
        raise SecondFactorInvalid
    with transaction.atomic(durable=True):
        _devices_remove(user_id=user.pk, actor=actor)


def second_factors_remove_by_staff(*, user_ids: Iterable[int], actor: Actor) -> int:
    """A lost phone: remove the app and backup codes of these users, without their code (an
    operator's action; the owner enrols again at the next login). Returns how many users."""
    user_ids = sorted(set(user_ids))
    for user_id in user_ids:
        with transaction.atomic(durable=True):
            _devices_remove(user_id=user_id, actor=actor)
    return len(user_ids)


def _devices_remove(*, user_id: int, actor: Actor) -> None:

    # The user's row lock makes a removal and an enrolment of one account take turns.
    user = get_user_model().objects.select_for_update().get(pk=user_id)
    removed = [device.persistent_id for device in devices_for_user(user, confirmed=None)]
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit_record(actor=actor, action="otp_device_remove", target=user, devices=removed)


def second_factor_verify(*, user: AbstractBaseUser, code: str) -> Device | None:
    """The device that accepts `code` (an app's 6 digits, or a backup code, then spent), or None."""
    code = normalise_code(code)
    if not code or len(code) > 16:
        return None
    # Six digits are the app's; anything else is a backup code: a wrong guess then counts against
    # one device only, and a backup code never reaches the app's replay window.
    model: type[Device] = TOTPDevice if (code.isdigit() and len(code) == 6) else StaticDevice
    with transaction.atomic():
        for device in model.objects.filter(user=user, confirmed=True).select_for_update().order_by("pk"):
            if device.verify_token(code):
                return device
    return None


def second_factor_failed(request: HttpRequest, user: AbstractBaseUser) -> None:
    """Count a wrong code as a failed login for django-axes (same username and address)."""
    user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)


def session_verify(request: HttpRequest, device: Device) -> None:
    """Mark this session as having passed the second factor (a new session key: no fixation)."""
    request.session.cycle_key()
    otp_login(request, device)


def take_new_codes(request: HttpRequest) -> list[str]:
    """Backup codes made by the last request, once: a reload shows them no more."""
    return list(request.session.pop(NEW_CODES_SESSION_KEY, []))


def keep_new_codes(request: HttpRequest, codes: list[str]) -> None:
    request.session[NEW_CODES_SESSION_KEY] = codes


def _forget_pending(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    # A new login starts any enrolment afresh: a secret shown to a previous user is never reused.
    if request is not None and hasattr(request, "session"):
        request.session.pop(PENDING_KEY_SESSION_KEY, None)


user_logged_in.connect(_forget_pending, dispatch_uid="bocage_otp_forget_pending")


class SecondFactorMiddleware:
    """Keeps a user who owes a second factor to the login, verification and enrolment pages.

    After django_otp's OTPMiddleware. Pages redirect to the verification page (or the enrolment
    page when the user has no device yet) with `next`; session calls to the API get 403
    `otp_required`. Token-authenticated API calls pass: their token was issued against a code.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open_paths: tuple[str, ...] | None = None

    def open_paths(self) -> tuple[str, ...]:
        if self._open_paths is None:
            # Resolved on first use: the URLconf is not loaded when middleware is built.
            self._open_paths = (
                reverse("login"),
                reverse("logout"),
                reverse("otp-verify"),
                reverse("otp-enrol"),
                reverse("api-token"),
                reverse("admin:logout"),
                "/i18n/",
                "/healthz",
                "/" + settings.STATIC_URL.lstrip("/"),
            )
        return self._open_paths

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is None
            or not user.is_authenticated
            or is_verified(user)
            or request.path.startswith(self.open_paths())
            or not second_factor_needed(user)
        ):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            if request.headers.get("Authorization", "").startswith("Token "):
                return self.get_response(request)  # DRF authenticates the token, not this session
            body = error_body("otp_required", _("Give your second factor on the site before using the API."))
            return JsonResponse(body, status=403)
        target = "otp-verify" if has_second_factor(user) else "otp-enrol"
        return HttpResponseRedirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
