"""What every app's pages share with their forms: a service's refusal shown on the form."""

from __future__ import annotations

from django import forms

from core.errors import ApplicationError


def add_service_error(form: forms.BaseForm, exc: ApplicationError, field_for: dict[str, str] | None = None) -> None:
    """Put a refusal on the form: on its fields when the service names them, else where `field_for` says."""
    for name, errors in (exc.fields or {}).items():
        target = name if name in form.fields else None
        for error in errors if isinstance(errors, (list, tuple)) else [errors]:
            form.add_error(target, str(error))
    if exc.fields and exc.code == "invalid":
        return  # the field errors say it all; the generic "request is invalid" would only add noise
    target = (field_for or {}).get(exc.code)
    if target not in form.fields:
        target = None
    if target is not None and target in (exc.fields or {}):
        return  # already said on that field
    form.add_error(target, str(exc.message))
