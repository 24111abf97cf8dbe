"""The member's notifications: the list (newest first), opening one (it is then read), marking
them read, and the choice of which kinds are also e-mailed. Every change is a POST."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import notifications as service
from .models import Notification

PAGE_SIZE = 20


def _me(request: HttpRequest) -> User:
    """The logged-in user (every view here is behind login_required)."""
    user = request.user
    assert isinstance(user, User)
    return user


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    mine = Notification.objects.filter(recipient=_me(request)).order_by("-created_at", "-pk")
    page = Paginator(mine, PAGE_SIZE).get_page(request.GET.get("page"))
    items = [{"notification": item, "text": service.notification_text(item)} for item in page]
    return render(
        request,
        "core/notifications.html",
        {"page": page, "items": items, "unread": service.unread_count(_me(request))},
    )


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of the user's notifications read and go to what it is about (another's: 404)."""
    notification = get_object_or_404(Notification, pk=pk, recipient=_me(request))
    service.mark_read(_me(request), [notification.pk])
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    return redirect("notifications")


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of the user's notifications read and come back to the list (another's: 404)."""
    notification = get_object_or_404(Notification, pk=pk, recipient=_me(request))
    service.mark_read(_me(request), [notification.pk])
    return HttpResponseRedirect(_back_to_list(request))


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = service.mark_read(_me(request))
    if count:
        messages.success(request, _("All your notifications are marked as read."))
    return HttpResponseRedirect(_back_to_list(request))


def _back_to_list(request: HttpRequest) -> str:
    page = request.POST.get("page", "")
    url = reverse("notifications")
    return f"{url}?page={page}" if page.isdigit() and page != "1" else url


class EmailPreferencesForm(forms.Form):
    """One checkbox per registered kind, grouped as the registry groups them."""

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kinds = service.kinds_for(user)
        initial_choices = service.email_choices(user)
        for kind in self.kinds:
            self.fields[kind.code] = forms.BooleanField(
                label=str(kind.label), required=False, initial=initial_choices.get(kind.code, kind.emailed_by_default)
            )

    def groups(self) -> list[dict[str, Any]]:
        grouped: dict[str, dict[str, Any]] = {}
        for kind in self.kinds:
            group = grouped.setdefault(str(kind.group), {"label": kind.group, "fields": []})
            group["fields"].append(self[kind.code])
        return list(grouped.values())


@login_required
def notification_preferences(request: HttpRequest) -> HttpResponse:
    form = EmailPreferencesForm(request.POST or None, user=_me(request))
    if request.method == "POST" and form.is_valid():
        service.email_choices_set(_me(request), form.cleaned_data)
        messages.success(request, _("Your e-mail choices are saved."))
        return redirect("notification-preferences")
    return render(
        request,
        "core/notification_preferences.html",
        {"form": form, "groups": form.groups(), "has_email": bool(_me(request).email)},
    )
