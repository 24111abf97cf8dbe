"""The member's "My data" page (RGPD, right of access): ask for a copy of everything Bocage holds
about them, follow its progress (static/js/export-progress.js polls the status endpoint, the same
JSON as the ledger's export pages), download the ZIP until it expires."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.heartbeat import job_progress, job_status

from .. import selectors, services
from ..models import Member, PersonalDataExport


def _member_or_404(request: HttpRequest) -> Member:
    member = selectors.member_or_none(request.user)
    if member is None:
        raise Http404
    return member


def _export_or_404(request: HttpRequest, pk: int) -> PersonalDataExport:
    export = selectors.personal_data_export_of(request.user, pk)
    if export is None:
        raise Http404
    return export


def export_state(export: PersonalDataExport) -> dict[str, Any]:
    """What the page shows and the status endpoint answers: the same facts for both."""
    return job_progress(status=export.status, done=export.progress_done, total=export.progress_total)


@login_required
@require_GET
def personal_data(request: HttpRequest) -> HttpResponse:
    """What the export holds, the button, the latest export's progress and download link."""
    member = _member_or_404(request)
    export = selectors.personal_data_exports_of(member).first()
    context: dict[str, Any] = {
        "export": export,
        "days": settings.BOCAGE_PERSONAL_DATA_EXPORT_DAYS,
        "running": False,
        "waiting": False,
        "percent": 0,
    }
    if export is not None:
        context.update(export_state(export))
    return render(request, "members/personal_data.html", context)


@login_required
@require_POST
def personal_data_request(request: HttpRequest) -> HttpResponse:
    member = _member_or_404(request)
    services.personal_data_export_request(member=member, actor=request.user)
    messages.success(request, _("Your copy is being made; this page shows its progress."))
    return redirect("personal-data")


@login_required
@require_GET
def personal_data_status(request: HttpRequest, pk: int) -> JsonResponse:
    """The page's progress, polled by static/js/export-progress.js (the ledger exports' shape)."""
    export = _export_or_404(request, pk)
    available = export.available
    return JsonResponse(
        job_status(
            export,
            ready=available,
            download_url=reverse("personal-data-download", args=[export.pk]) if available else None,
            file_name=export.download_name if available else "",
        )
    )


@login_required
@require_GET
def personal_data_download(request: HttpRequest, pk: int) -> FileResponse:
    """The ZIP, to its member only (anyone else: 404), until it expires."""
    export = _export_or_404(request, pk)
    if not export.available:
        raise Http404
    response = FileResponse(export.file.open("rb"), as_attachment=True, filename=export.download_name)
    response["Content-Type"] = "application/zip"
    response["Cache-Control"] = "private, no-store"
    return response
