"""The Django admin keeps the rules: every registered model is either read-only (its writes are
services, reached through admin actions) or edited through a form whose saves are audited.

`ReadOnlyAdmin` and `AuditedAdmin` are the two kinds; tests/config/test_admin_rules.py walks
`admin.site._registry` and holds every model to one of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.forms import BaseFormSet, ModelForm
from django.http import HttpRequest

from core.audit import audit_record
from core.errors import ApplicationError

# Values an audit row must never hold: a password's hash or the typed password itself.
SECRET_FIELDS = frozenset({"password", "password1", "password2", "usable_password"})


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewing only: the rows change through services (admin actions call them)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


def audit_value(value: Any) -> Any:
    """A form value as the audit log keeps it: a row by its id, several rows by their sorted ids."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (QuerySet, list, tuple, set)):
        return sorted(audit_value(item) for item in value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def form_changes(form: ModelForm) -> dict[str, list[Any]]:
    """What a saved admin form changed: {field: [before, after]}, secrets named but never shown."""
    changes: dict[str, list[Any]] = {}
    for name in form.changed_data:
        if name in SECRET_FIELDS:
            changes[name] = ["***", "***"]
            continue
        changes[name] = [audit_value(form.initial.get(name)), audit_value(form.cleaned_data.get(name))]
    return changes


def audit_form_save(*, request: HttpRequest, form: ModelForm, action: str) -> None:
    """Record the admin save of `form` (inside the admin's atomic block), if it changed anything."""
    changes = form_changes(form)
    if changes:
        audit_record(actor=request.user, action=action, target=form.instance, fields=sorted(changes), changes=changes)


class AuditedAdmin(admin.ModelAdmin):
    """Editable: each save (form, list_editable, inline) and each delete writes an AuditEvent
    `<model>_create`, `<model>_change` or `<model>_delete` naming the actor and the fields' before/after."""

    def _action(self, verb: str, model: type[models.Model] | None = None) -> str:
        return f"{(model or self.model)._meta.model_name}_{verb}"

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # After the many-to-many fields are saved, so `after` is what the database now holds.
        audit_form_save(request=request, form=form, action=self._action("change" if change else "create"))

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        model = formset.model
        deleted = [inline_form for inline_form in formset.deleted_forms if inline_form.instance.pk is not None]
        for inline_form in deleted:  # before the delete, while the rows still have their ids
            audit_record(
                actor=request.user,
                action=self._action("delete", model),
                target=inline_form.instance,
                label=str(inline_form.instance),
            )
        super().save_formset(request, form, formset, change)
        for inline_form in formset.forms:
            if inline_form in deleted or not inline_form.has_changed():
                continue
            verb = "create" if inline_form in formset.extra_forms else "change"
            audit_form_save(request=request, form=inline_form, action=self._action(verb, model))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit_record(actor=request.user, action=self._action("delete"), target=obj, label=str(obj))
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        # One by one, so each deleted row has its audit row (the bulk delete would skip them).
        for obj in queryset:
            self.delete_model(request, obj)


def add_service_errors(form: ModelForm | BaseFormSet, exc: ApplicationError | ValidationError) -> None:
    """A service's refusal shown on the admin form, field by field where the service says which."""
    if isinstance(exc, ValidationError):
        form.add_error(None, exc)  # type: ignore[union-attr]
        return
    for field, errors in (exc.fields or {}).items():
        target = field if field in form.fields else None  # type: ignore[union-attr]
        for error in errors if isinstance(errors, list) else [errors]:
            form.add_error(target, str(error))  # type: ignore[union-attr]
    if not exc.fields:
        form.add_error(None, str(exc.message))  # type: ignore[union-attr]


def run_service_action(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    objects: Iterable[Any],
    call: Callable[[Any], Any],
    done_message: Any,
) -> int:
    """Call a service on each selected row, each in its own transaction: refusals become error
    messages naming the row (never a 500), the others go through. Returns how many went through."""
    done = 0
    for obj in objects:
        try:
            call(obj)
        except ApplicationError as exc:
            message = exc.message
            if exc.fields:
                message = " ".join(str(error) for errors in exc.fields.values() for error in errors)
            modeladmin.message_user(request, f"{obj}: {message}", messages.ERROR)
            continue
        done += 1
    if done:
        modeladmin.message_user(request, done_message % {"count": done}, messages.SUCCESS)
    return done


__all__ = [
    "AuditedAdmin",
    "ReadOnlyAdmin",
    "ReadOnlyInline",
    "add_service_errors",
    "audit_form_save",
    "run_service_action",
]
