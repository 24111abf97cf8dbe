"""The third-party models' admins, held to the same rule as ours (core.admin_helpers): users and
groups are editable with every change audited; login attempts and second-factor devices
are read-only. `config` comes after auth, axes and django_otp in INSTALLED_APPS, so their admins are
registered by the time this module replaces them."""

from __future__ import annotations

from typing import Any

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.admin_helpers import AuditedAdmin, ReadOnlyAdmin
from core.audit import audit_record
from core.typing import Actor
from members.otp import second_factors_remove_by_staff


def _replace(model: type[models.Model], admin_class: type[admin.ModelAdmin]) -> None:
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, admin_class)


# auth.User: editable, audited — user_change / user_create with before/after of every changed field (staff and
# superuser flags, groups, permissions); a password change is audited as user_password_change (never its value).
class BocageUserAdmin(AuditedAdmin, UserAdmin):
    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        with transaction.atomic():  # the new password and its audit row commit together
            return super().user_change_password(request, id, form_url)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        entry = super().log_change(request, obj, message)
        # user_change_password saves through its own form, not save_related: its only hook is this log call.
        if request.resolver_match is not None and request.resolver_match.url_name == "auth_user_password_change":
            audit_record(actor=request.user, action="user_password_change", target=obj, fields=["password"])
        return entry


# auth.Group: editable, audited (group_change / group_create with the permissions before and after).
class BocageGroupAdmin(AuditedAdmin, GroupAdmin):
    pass


def access_attempts_forget(*, attempts: QuerySet[AccessAttempt], actor: Actor) -> int:
    """Lift the lockouts of these failed-login records (django-axes counts them), audited. Raises nothing."""
    with transaction.atomic():
        for attempt in attempts.select_for_update():
            audit_record(
                actor=actor,
                action="login_unlock",
                target=attempt,
                username=attempt.username,
                ip_address=attempt.ip_address,
                failures=attempt.failures_since_start,
            )
        deleted, _by_model = attempts.delete()
    return deleted


# axes.AccessAttempt: read-only; unlocking is an action (access_attempts_forget, audited).
class ReadOnlyAccessAttemptAdmin(ReadOnlyAdmin, AccessAttemptAdmin):
    actions = ["unlock"]

    @admin.action(description=_("Unlock: forget the selected failed logins"))
    def unlock(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        count = access_attempts_forget(attempts=queryset, actor=request.user)
        self.message_user(request, _("%(count)d failed login record(s) forgotten.") % {"count": count})


# axes.AccessLog: read-only (the login history).
class ReadOnlyAccessLogAdmin(ReadOnlyAdmin, AccessLogAdmin):
    pass


# axes.AccessFailureLog: read-only (the failed-login history).
class ReadOnlyAccessFailureLogAdmin(ReadOnlyAdmin, AccessFailureLogAdmin):
    pass


class SecondFactorRemoveMixin(admin.ModelAdmin):
    actions = ["remove_second_factor"]

    @admin.action(description=_("Remove the second factor of these devices' owners (lost phone)"))
    def remove_second_factor(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        count = second_factors_remove_by_staff(user_ids=queryset.values_list("user_id", flat=True), actor=request.user)
        self.message_user(request, _("Second factor removed for %(count)d account(s).") % {"count": count})


# otp_totp.TOTPDevice: read-only (its secret stays hidden: django-otp's OTP_ADMIN_HIDE_SENSITIVE_DATA, on by
# default); enrolled by its owner (members.otp); an action removes a lost one (second_factors_remove, audited).
class ReadOnlyTOTPDeviceAdmin(SecondFactorRemoveMixin, ReadOnlyAdmin, TOTPDeviceAdmin):
    pass


# otp_static.StaticDevice: read-only (backup codes are renewed by their owner through members.otp); the same
# removal action as the app's.
class ReadOnlyStaticDeviceAdmin(SecondFactorRemoveMixin, ReadOnlyAdmin, StaticDeviceAdmin):
    pass


_replace(User, BocageUserAdmin)
_replace(Group, BocageGroupAdmin)
_replace(AccessAttempt, ReadOnlyAccessAttemptAdmin)
_replace(AccessLog, ReadOnlyAccessLogAdmin)
_replace(AccessFailureLog, ReadOnlyAccessFailureLogAdmin)
_replace(TOTPDevice, ReadOnlyTOTPDeviceAdmin)
_replace(StaticDevice, ReadOnlyStaticDeviceAdmin)
