"""Member pages of the ledger: dashboard, pay someone, statement (page and CSV)."""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.csv import SafeWriter
from core.errors import ApplicationError, NotFound
from members.models import Member

from .. import selectors, services
from ..models import Account
from ..units import get_unit
from .forms import PayForm

STATEMENT_PAGE_SIZE = 50


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    accounts = list(selectors.own_accounts(request.user))
    member = Member.objects.filter(user__username=request.user.get_username()).first()
    return render(request, "ledger/dashboard.html", {"accounts": accounts, "member": member})


def _post_payment(request: HttpRequest, form: PayForm) -> HttpResponse | None:
    """Call the transfer service; on refusal, put the reason on the form and return None."""
    data = form.cleaned_data
    try:
        payer = selectors.member_account_for_unit(username=request.user.get_username(), unit=data["unit"])
    except NotFound:
        form.add_error("unit", _("You have no account in this unit."))
        return None
    try:
        payee = selectors.member_account_for_unit(username=data["recipient"], unit=data["unit"])
    except NotFound:
        form.add_error("recipient", _("No member with this username."))
        return None
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
    members = (
        Member.objects.exclude(user__username=request.user.get_username())
        .select_related("user")
        .order_by("display_name")[:500]
    )
    return render(request, "ledger/pay.html", {"form": form, "members": members})


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
    rows = [
        {
            "entry": entry,
            "amount": unit.format(entry.amount),
            "balance_after": unit.format(entry.balance_after),
            "credit": entry.amount > 0,
        }
        for entry in entries[:STATEMENT_PAGE_SIZE]
    ]
    return render(
        request,
        "ledger/statement.html",
        {"account": account, "rows": rows, "older": older, "first_page": before_id is None},
    )


@login_required
def statement_csv(request: HttpRequest, account_id: int) -> StreamingHttpResponse:
    account = _visible_account(request, account_id)
    unit = get_unit(account.unit)
    writer = SafeWriter()

    def rows() -> Iterator[str]:
        yield "\ufeff"  # lets spreadsheet programs read the UTF-8 accents right
        yield writer.writerow(["date", "transaction", "kind", "memo", "amount", "balance_after", "unit"])
        for entry in selectors.account_entries(account=account).iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    timezone.localtime(entry.transaction.created_at).isoformat(timespec="seconds"),
                    entry.transaction_id,
                    entry.transaction.kind_id,
                    entry.transaction.memo_display,
                    unit.to_decimal(entry.amount),
                    unit.to_decimal(entry.balance_after),
                    account.unit,
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="statement-{account.pk}-{account.unit}.csv"'
    return response
