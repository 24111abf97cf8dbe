"""The forgotten-password page: Django's, its mail through the outbox (core.mail), limited per
address and per e-mail (members.services.password_reset_rate_check)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpResponse

from core.mail import QueuedPasswordResetForm
from core.ratelimit import client_address

from ..errors import PasswordResetRateLimited
from ..services import password_reset_rate_check


class PasswordResetView(auth_views.PasswordResetView):
    form_class = QueuedPasswordResetForm

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            password_reset_rate_check(ip=client_address(self.request), email=form.cleaned_data["email"])
        except PasswordResetRateLimited as exc:
            form.add_error(None, str(exc.message))
            response = self.form_invalid(form)
            response.status_code = exc.status
            return response
        return super().form_valid(form)
