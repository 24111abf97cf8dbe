"""The auditors' pages: the books (trial balance at a date, any account's statement for a date
range as a page, CSV or PDF) and the exports made in the background (FEC, statements).

For staff and holders of `ledger.audit_ledger`; anyone else gets a 404, as for any page they may
not see. Auditors read everything and may ask for exports; they change nothing else.
"""

from __future__ import annotations

import datetime
import os
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.csv import csv_response
from core.dates import DateField
from core.errors import ApplicationError
from core.heartbeat import background_work_status, job_progress, job_status

from .. import books, export_requests, exports, fec
from ..models import Account, ExportJob
from ..selectors import can_read_everything, statement_counterparties
from ..units import all_units

STATEMENT_PAGE_ROWS = 500
TRIAL_BALANCE_PAGE_ROWS = 100
SEARCH_RESULTS = 50


class DayForm(forms.Form):
    on = DateField(label=gettext_lazy("On"), required=False)


class TrialBalanceForm(DayForm):
    unit = forms.ChoiceField(label=gettext_lazy("Unit"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = self.fields["unit"]
        assert isinstance(unit, forms.ChoiceField)
        unit.choices = [("", _("All units")), *((code, code) for code in all_units())]


class _Counted:
    """The accounts for the paginator, counted already by the totals' query: no second pass over
    every account to count them."""

    def __init__(self, accounts: QuerySet[Any], count: int) -> None:
        self.accounts, self.total = accounts, count

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, key: Any) -> Any:
        return self.accounts[key]


class RangeForm(forms.Form):
    date_from = DateField(label=gettext_lazy("From"))
    date_to = DateField(label=gettext_lazy("To"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data


class FecForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Fiscal year"), min_value=2000, max_value=2100)
    entity = forms.ChoiceField(label=gettext_lazy("Legal entity"))
    books = forms.ChoiceField(
        label=gettext_lazy("Books"),
        choices=[
            (exports.BOOKS_STATUTORY, gettext_lazy("Statutory FEC (euros, local currency at par)")),
            (exports.BOOKS_NON_STATUTORY, gettext_lazy("Non-statutory file (hours, SEL units)")),
        ],
    )
    encoding = forms.ChoiceField(
        label=gettext_lazy("Encoding"),
        choices=[(fec.LATIN_9, "ISO-8859-15"), (fec.UTF_8, "UTF-8")],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        entity = self.fields["entity"]
        assert isinstance(entity, forms.ChoiceField)
        entity.choices = fec.fec_entities()  # the cooperatives as they are now, not at import


def _auditor_only(request: HttpRequest) -> None:
    if not can_read_everything(request.user):
        raise Http404


def _account_or_404(account_id: int) -> Account:
    account = Account.objects.select_related("holder").filter(pk=account_id).first()
    if account is None:
        raise Http404
    return account


@login_required
def audit_home(request: HttpRequest) -> HttpResponse:
    _auditor_only(request)
    return render(request, "ledger/audit/home.html", {})


def _trial_balance_day(request: HttpRequest) -> tuple[TrialBalanceForm, datetime.date, str]:
    _auditor_only(request)
    # The day shown in the filter is the day of the figures, today unless another is asked.
    form = TrialBalanceForm(request.GET or None, initial={"on": timezone.localdate()})
    day, unit = timezone.localdate(), ""
    if form.is_valid():
        day = form.cleaned_data["on"] or day
        unit = form.cleaned_data["unit"] or ""
    return form, day, unit


@login_required
def trial_balance(request: HttpRequest) -> HttpResponse:
    """The per-unit totals, then one page of accounts (of one unit, or all), in id order."""
    form, day, unit = _trial_balance_day(request)
    totals = books.trial_balance_totals(day)
    count = sum(line.accounts for line in totals if line.unit == unit or not unit)
    accounts: Any = _Counted(books.trial_balance_accounts(day, unit or None), count)
    page = Paginator(accounts, TRIAL_BALANCE_PAGE_ROWS).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "ledger/audit/trial_balance.html",
        {"form": form, "day": day, "unit": unit, "totals": totals, "page": page, "query": query.urlencode()},
    )


@login_required
def trial_balance_csv(request: HttpRequest) -> HttpResponseBase:
    """Every account's balance at the date, streamed: constant memory whatever the members."""
    _form, day, _unit = _trial_balance_day(request)
    return csv_response(
        request,
        filename=f"trial-balance-{day.isoformat()}.csv",
        header=books.TRIAL_BALANCE_CSV_HEADER,
        rows=books.trial_balance_csv_rows(day),
        streaming=True,
    )


@login_required
def account_search(request: HttpRequest) -> HttpResponse:
    _auditor_only(request)
    query = request.GET.get("q", "").strip()[:100]
    accounts = Account.objects.select_related("holder").order_by("unit", "id")
    if query:
        match = (
            Q(holder__display_name__icontains=query)
            | Q(holder__user__username__icontains=query)
            | Q(name__icontains=query)
            | Q(system_code__icontains=query)
            | Q(reference__icontains=query)
        )
        if query.isdigit():
            match |= Q(pk=int(query))
        accounts = accounts.filter(match)
    else:
        accounts = accounts.filter(kind=Account.Kind.SYSTEM)
    return render(request, "ledger/audit/accounts.html", {"query": query, "accounts": list(accounts[:SEARCH_RESULTS])})


def _statement(request: HttpRequest, account_id: int) -> tuple[RangeForm, books.Statement]:
    _auditor_only(request)
    account = _account_or_404(account_id)
    today = timezone.localdate()
    data = request.GET if "date_from" in request.GET else {"date_from": today.replace(day=1), "date_to": today}
    form = RangeForm(data)
    if form.is_valid():
        date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    else:
        date_from, date_to = today.replace(day=1), today
    return form, books.statement_for_range(account=account, date_from=date_from, date_to=date_to)


@login_required
def account_statement(request: HttpRequest, account_id: int) -> HttpResponse:
    form, statement = _statement(request, account_id)
    entries = list(statement.entries()[: STATEMENT_PAGE_ROWS + 1])
    shown = entries[:STATEMENT_PAGE_ROWS]
    parties = statement_counterparties(account=statement.account, entries=shown)
    return render(
        request,
        "ledger/audit/statement.html",
        {
            "form": form,
            "statement": statement,
            "account": statement.account,
            "entries": [(entry, parties.get(entry.pk, "")) for entry in shown],
            "truncated": len(entries) > STATEMENT_PAGE_ROWS,
            "range": f"date_from={statement.date_from.isoformat()}&date_to={statement.date_to.isoformat()}",
        },
    )


def _statement_filename(statement: books.Statement, extension: str) -> str:
    return (
        f"statement-{statement.account.pk}-{statement.unit}-"
        f"{statement.date_from.isoformat()}-{statement.date_to.isoformat()}.{extension}"
    )


@login_required
def account_statement_csv(request: HttpRequest, account_id: int) -> HttpResponseBase:
    _form, statement = _statement(request, account_id)
    return csv_response(
        request,
        filename=_statement_filename(statement, "csv"),
        header=books.STATEMENT_CSV_HEADER,
        rows=books.statement_csv_rows(statement),
    )


@login_required
def account_statement_pdf(request: HttpRequest, account_id: int) -> HttpResponse:
    _form, statement = _statement(request, account_id)
    response = HttpResponse(books.statement_pdf(statement), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_statement_filename(statement, "pdf")}"'
    return response


@login_required
def export_list(request: HttpRequest) -> HttpResponse:
    _auditor_only(request)
    jobs = ExportJob.objects.select_related("requested_by").order_by("-created_at", "-id")[:50]
    form = FecForm(initial={"year": timezone.localdate().year - 1})
    return render(
        request,
        "ledger/audit/exports.html",
        {"jobs": jobs, "fec_form": form, "background_stopped": background_work_status().stopped},
    )


@login_required
@require_POST
def export_create(request: HttpRequest) -> HttpResponse:
    """Queue an export: an FEC (`kind=fec`, `year`, `entity`, `books`, `encoding`) or a statement
    (`account_id`, `date_from`, `date_to`)."""
    _auditor_only(request)
    kind = request.POST.get("kind", "")
    keys = ("year", "entity", "books", "encoding", "account_id", "date_from", "date_to")
    parameters = {key: request.POST.get(key) for key in keys}
    try:
        job = export_requests.export_request(kind=kind, parameters=parameters, actor=request.user)
    except ApplicationError as exc:
        problems = [str(error) for errors in (exc.fields or {}).values() for error in errors] or [str(exc.message)]
        for problem in problems:
            messages.error(request, problem)
        return redirect("audit-exports")
    messages.success(request, _("The export is queued; this page shows its progress."))
    return redirect("audit-export", pk=job.pk)


def _job_or_404(request: HttpRequest, pk: int) -> ExportJob:
    job = exports.export_visible_to(request.user, pk)
    if job is None:
        raise Http404
    return job


def _export_state(job: ExportJob) -> dict[str, Any]:
    """What the export page shows and its status endpoint answers: the same facts for both."""
    return job_progress(status=job.status, done=job.progress_done, total=job.progress_total)


@login_required
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_or_404(request, pk)
    return render(
        request,
        "ledger/audit/export.html",
        {"job": job, **_export_state(job), "file_name": os.path.basename(job.file.name or "")},
    )


@login_required
def export_status(request: HttpRequest, pk: int) -> JsonResponse:
    """The export page's progress, polled by static/js/export-progress.js (no meta refresh).

    `status` is the job's (queued, running, done, failed); `waiting` says no worker runs, so the
    page polls slowly; `label` and `progress` are the texts the page shows, in the reader's language.
    """
    job = _job_or_404(request, pk)
    done = job.status == ExportJob.Status.DONE
    return JsonResponse(
        job_status(
            job,
            ready=done,
            download_url=reverse("audit-export-download", args=[job.pk]) if done and job.file else None,
            file_name=os.path.basename(job.file.name or "") if done else "",
        )
    )


@login_required
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    job = _job_or_404(request, pk)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=os.path.basename(job.file.name))
