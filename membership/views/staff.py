"""The staff's member pages: a new member, and members imported from a CSV file (checked, then imported)."""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.csv import csv_response
from core.errors import InvalidInput
from core.forms import add_service_error

from .. import services
from ..member_import import MAX_LINES, TEMPLATE_HEADER, ImportFileError, LineResult, counts, parse
from .forms import MemberCreateForm, MemberImportForm

# The file checked last, kept in the session until it is imported: the confirmation names it by its digest.
PENDING = "member_import_pending"
# The last import's report, for its CSV download.
REPORT = "member_import_report"

REPORT_HEADER = [
    gettext_lazy("Line"),
    gettext_lazy("Name"),
    gettext_lazy("E-mail"),
    gettext_lazy("Username"),
    gettext_lazy("Result"),
    gettext_lazy("Reasons"),
]


def _staff_only(request: HttpRequest) -> None:
    """The same rule as POST /api/members/ (IsAdminUser)."""
    if not request.user.is_staff:
        raise PermissionDenied


@login_required
def member_create(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    form = MemberCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.member_invite(actor=request.user, **form.cleaned_data)
        except InvalidInput as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s is a member (username %(username)s): a link to choose a password was sent to %(email)s.")
                % {"name": member.display_name, "username": member.user.username, "email": member.user.email},
            )
            return redirect(f"{reverse('audit-accounts')}?{urlencode({'q': member.user.username})}")
    return render(request, "membership/member_create.html", {"form": form})


def _report_context(results: list[LineResult]) -> dict[str, object]:
    return {"results": results, "counts": counts(results)}


@login_required
def member_import(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    context: dict[str, object] = {"max_lines": MAX_LINES, "header": ";".join(TEMPLATE_HEADER)}
    form = MemberImportForm()
    if request.method == "POST" and "digest" in request.POST:
        return _import(request, context)
    if request.method == "POST":
        form = MemberImportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data["file"]
            try:
                parsed = parse(data)
            except ImportFileError as exc:
                form.add_error("file", str(exc.message))
            else:
                results = services.members_import(actor=request.user, lines=parsed.lines, dry_run=True)
                digest = hashlib.sha256(data).hexdigest()
                request.session[PENDING] = {"digest": digest, "data": data.decode("latin-1")}
                context.update(_report_context(results), step="check", digest=digest, ignored=parsed.ignored_columns)
                return render(request, "membership/member_import.html", context)
    context["form"] = form
    return render(request, "membership/member_import.html", context)


def _import(request: HttpRequest, context: dict[str, object]) -> HttpResponse:
    pending = request.session.get(PENDING) or {}
    if not pending or pending.get("digest") != request.POST["digest"]:
        messages.error(request, _("This file was already imported or is no longer known: choose it again."))
        return redirect("member-import")
    data = pending["data"].encode("latin-1")  # the bytes as uploaded (Latin-1 maps each byte to one character)
    del request.session[PENDING]
    results = services.members_import(actor=request.user, lines=parse(data).lines, dry_run=False)
    request.session[REPORT] = [
        [result.line, result.name, result.email, result.username, result.outcome_label, " ; ".join(result.errors)]
        for result in results
    ]
    context.update(_report_context(results), step="done")
    return render(request, "membership/member_import.html", context)


@login_required
def member_import_template(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    return csv_response(request, filename="membres-modele.csv", header=TEMPLATE_HEADER, rows=[])


@login_required
def member_import_report(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    rows = request.session.get(REPORT, [])
    return csv_response(request, filename="import-membres-rapport.csv", header=REPORT_HEADER, rows=rows)
