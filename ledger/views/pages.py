"""Member pages of the ledger: dashboard, pay someone, statement (page and CSV)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from djmoney.money import Money

from core.csv import csv_response
from core.errors import ApplicationError, NotFound
from core.inbox import inbox_for
from members.selectors import member_or_none

from .. import selectors, services
from ..models import Account
from ..units import Unit, get_unit
from .forms import PayForm

STATEMENT_PAGE_SIZE = 50


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """A logged-in user's home: what waits for them ("To handle", core.inbox) first, then a
    member's accounts; staff without a member land on their queue and the places they work."""
    accounts = list(selectors.own_accounts(request.user))
    member = member_or_none(request.user)
    return render(
        request, "ledger/dashboard.html", {"accounts": accounts, "member": member, "inbox": inbox_for(request)}
    )


def form_parties(request: HttpRequest, form: forms.Form) -> tuple[Account, Account] | None:
    """The payer's and the payee's accounts a pay form names (its `unit` and `recipient`); when
    either has no account in that unit, the reason goes on the form and the answer is None."""
    data = form.cleaned_data
    try:
        payer = selectors.member_account_for_unit(username=request.user.get_username(), unit=data["unit"])
    except NotFound:
        form.add_error("unit", _("You have no account in this unit."))
        return None
    try:
        payee = selectors.member_account_for_unit(username=data["recipient"].user.get_username(), unit=data["unit"])
    except NotFound:
        form.add_error("recipient", _("This member has no account in this unit."))
        return None
    return payer, payee


def _post_payment(request: HttpRequest, form: PayForm) -> HttpResponse | None:
    """Call the transfer service; on refusal, put the reason on the form and return None."""
    data = form.cleaned_data
    parties = form_parties(request, form)
    if parties is None:
        return None
    payer, payee = parties
    unit = get_unit(payer.unit)
    try:
        txn = services.transfer_create(
            from_account=payer,
            to_account=payee,
            amount=Money(data["amount"], unit.code),
            memo=data["memo"],
            actor=request.user,
            idempotency_key=f"web:{request.user.pk}:{data['idempotency_key']}",
        )
    except ApplicationError as exc:
        if exc.code == "idempotency_key_reused":
            form.add_error(None, _("This form was already sent. Please check your statement and fill in a new one."))
        else:
            amount_codes = {"invalid_amount", "insufficient_funds", "limit_exceeded"}
            form.add_error("amount" if exc.code in amount_codes else None, str(exc.message))
        return None
    messages.success(
        request,
        _("Paid %(amount)s to %(payee)s (transaction #%(id)s).")
        % {"amount": unit.format(unit.to_minor(data["amount"])), "payee": payee.label, "id": txn.pk},
    )
    return redirect("statement", account_id=payer.pk)


@login_required
def pay(request: HttpRequest) -> HttpResponse:
    form = PayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        response = _post_payment(request, form)
        if response is not None:
            return response
    return render(request, "ledger/pay.html", {"form": form})


def _visible_account(request: HttpRequest, account_id: int) -> Account:
    try:
        return selectors.account_get_visible(user=request.user, account_id=account_id)
    except NotFound:
        raise Http404 from None


@login_required
def statement(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _visible_account(request, account_id)
    before = request.GET.get("before")
    before_id = int(before) if before and before.isdigit() else None
    entries = selectors.account_statement(account=account, before_id=before_id, limit=STATEMENT_PAGE_SIZE + 1)
    older = entries[STATEMENT_PAGE_SIZE - 1].pk if len(entries) > STATEMENT_PAGE_SIZE else None
    unit = get_unit(account.unit)
    shown = entries[:STATEMENT_PAGE_SIZE]
    parties = selectors.statement_counterparties(account=account, entries=shown)
    rows = [
        {
            "entry": entry,
            "amount": signed_amount(unit, entry.amount),
            "balance_after": unit.format(entry.balance_after),
            "credit": entry.amount > 0,
            "party": parties.get(entry.pk, ""),
        }
        for entry in shown
    ]
    return render(
        request,
        "ledger/statement.html",
        {"account": account, "rows": rows, "older": older, "first_page": before_id is None},
    )


def signed_amount(unit: Unit, minor: int) -> str:
    """`+12,50 ACH` for a credit, `−12,50 ACH` (a real minus sign) for a debit: not colour alone."""
    text = unit.format(minor)
    return f"+{text}" if minor > 0 else text


STATEMENT_CSV_HEADER = (
    _lazy("Date"),
    _lazy("Transaction"),
    _lazy("Kind"),
    _lazy("Other party"),
    _lazy("Description"),
    _lazy("Amount"),
    _lazy("Balance after"),
    _lazy("Unit"),
)
STATEMENT_CSV_CHUNK = 500


@login_required
def statement_csv(request: HttpRequest, account_id: int) -> HttpResponseBase:
    """The whole statement, newest first, French unless `?lang=en` (core.csv); streamed, and read
    a chunk of entries at a time, each chunk with its other parties (one query per chunk)."""
    account = _visible_account(request, account_id)
    unit = get_unit(account.unit)

    def rows() -> Iterator[list[object]]:
        entries = selectors.account_entries(account=account).iterator(chunk_size=STATEMENT_CSV_CHUNK)
        while chunk := list(itertools.islice(entries, STATEMENT_CSV_CHUNK)):
            parties = selectors.statement_counterparties(account=account, entries=chunk)
            for entry in chunk:
                yield [
                    entry.transaction.created_at,
                    entry.transaction_id,
                    entry.transaction.get_kind_display(),
                    parties.get(entry.pk, ""),
                    entry.transaction.memo_display,
                    unit.to_decimal(entry.amount),
                    unit.to_decimal(entry.balance_after),
                    account.unit,
                ]

    return csv_response(
        request,
        filename=f"statement-{account.pk}-{account.unit}.csv",
        header=STATEMENT_CSV_HEADER,
        rows=rows(),
        streaming=True,
    )
