"""Who is in the cooperative: the colleges and their weights, the shareholders (and admitting one),
transfers between shareholders, and the general assembly (voters at a date, the weighted tally)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cooperative import selectors
from cooperative.assembly import Tally, tally
from cooperative.models import Shareholder, ShareMovement
from cooperative.services.register import share_transfer
from cooperative.services.setup import college_weight_problems, shareholder_admit
from cooperative.views.forms import AdmitForm, TallyForm, TransferForm
from core.errors import ApplicationError
from core.forms import add_service_error

from ._common import administered, board_context, day_on, readable, short

QUANTITY_ERRORS = {"above_maximum_holding", "below_minimum_holding", "not_enough_shares"}
TRANSFER_FIELD_FOR = {code: "quantity" for code in QUANTITY_ERRORS} | {"not_admitted": "to_shareholder"}


@login_required
def colleges(request: HttpRequest, pk: int) -> HttpResponse:
    cooperative = readable(request, pk)
    voters = {entry.college.pk: len(entry.voters) for entry in selectors.voters_at(cooperative)}
    colleges_found = list(selectors.members_per_college(cooperative))
    rows = [
        {"college": college, "admitted": college.admitted or 0, "voters": voters.get(college.pk, 0)}  # type: ignore[attr-defined]
        for college in colleges_found
    ]
    context = board_context(request, cooperative, "colleges")
    context.update(
        {
            "rows": rows,
            "total_weight": sum(college.weight for college in colleges_found),
            "problems": college_weight_problems(cooperative),
        }
    )
    return render(request, "cooperative/colleges.html", context)


@login_required
def shareholders(request: HttpRequest, pk: int) -> HttpResponse:
    cooperative = readable(request, pk)
    form = AdmitForm(request.POST or None, cooperative=cooperative)
    if request.method == "POST":
        administered(request, pk)  # auditors read this page but admit nobody
        if form.is_valid():
            data = form.cleaned_data
            as_member = data["who"] == "member"
            try:
                admitted = shareholder_admit(
                    cooperative=cooperative,
                    college=data["college"],
                    member=data["member"] if as_member else None,
                    legal_name="" if as_member else data["legal_name"],
                    siren="" if as_member else data["siren"],
                    address=data["address"],
                    admitted_on=data["admitted_on"],
                    admission_decision=data["admission_decision"],
                    actor=request.user,
                )
            except ApplicationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(
                    request,
                    _("%(name)s is admitted into the college “%(college)s”.")
                    % {"name": admitted.display_name, "college": admitted.college.name},
                )
                return redirect(reverse("cooperative-shareholders", kwargs={"pk": cooperative.pk}))
    totals: dict[int, int] = {}
    for holding in selectors.holdings_at(cooperative):
        totals[holding.shareholder.pk] = totals.get(holding.shareholder.pk, 0) + holding.shares
    people = Shareholder.objects.filter(cooperative=cooperative).select_related("member", "college").order_by("id")
    context = board_context(request, cooperative, "shareholders")
    context.update({"rows": [{"shareholder": s, "shares": totals.get(s.pk, 0)} for s in people], "form": form})
    return render(request, "cooperative/shareholders.html", context, status=422 if form.errors else 200)


@login_required
def transfer(request: HttpRequest, pk: int) -> HttpResponse:
    cooperative = readable(request, pk)
    form = TransferForm(request.POST or None, cooperative=cooperative)
    if request.method == "POST":
        administered(request, pk)
        if form.is_valid():
            data = form.cleaned_data
            try:
                movement = share_transfer(
                    cooperative=cooperative,
                    from_shareholder=data["from_shareholder"],
                    to_shareholder=data["to_shareholder"],
                    share_class=data["share_class"],
                    quantity=data["quantity"],
                    board_decision=data["board_decision"],
                    effective_on=data["effective_on"],
                    actor=request.user,
                )
            except ApplicationError as exc:
                add_service_error(form, exc, TRANSFER_FIELD_FOR)
            else:
                messages.success(
                    request,
                    ngettext(
                        "Transfer recorded as movement n° %(number)d: %(quantity)d share of class %(code)s "
                        "from %(from)s to %(to)s.",
                        "Transfer recorded as movement n° %(number)d: %(quantity)d shares of class %(code)s "
                        "from %(from)s to %(to)s.",
                        movement.quantity,
                    )
                    % {
                        "number": movement.number,
                        "quantity": movement.quantity,
                        "code": movement.share_class.code,
                        "from": data["from_shareholder"].display_name,
                        "to": data["to_shareholder"].display_name,
                    },
                )
                return redirect(reverse("cooperative-register", kwargs={"pk": cooperative.pk}) + f"#m{movement.number}")
    transfers = selectors.register(cooperative).filter(kind=ShareMovement.Kind.TRANSFER).order_by("-number")[:20]
    context = board_context(request, cooperative, "transfer")
    context.update({"form": form, "transfers": transfers})
    return render(request, "cooperative/transfer.html", context, status=422 if form.errors else 200)


def _percent(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return formats.number_format((value * 100).quantize(Decimal("0.01")), 2, use_l10n=True) + " %"


def _tally_errors(form: TallyForm, exc: ApplicationError) -> None:
    """The service names fields `votes.<college>.<vote>`; the form's are `<vote>_<college>`."""
    for name, errors in (exc.fields or {}).items():
        parts = name.split(".")
        target = f"{parts[2]}_{parts[1]}" if len(parts) == 3 and parts[0] == "votes" else name
        for error in errors:
            form.add_error(target if target in form.fields else None, str(error))
    if not exc.fields:
        form.add_error(None, str(exc.message))


@login_required
def assembly(request: HttpRequest, pk: int) -> HttpResponse:
    """Voters by college at a date, and the tally helper (a computation: it writes nothing, so it is a GET)."""
    cooperative = readable(request, pk)
    date_form, on = day_on(request)
    voters = selectors.voters_at(cooperative, on)
    form = TallyForm(request.GET if "tally" in request.GET else None, colleges=[entry.college for entry in voters])
    result: Tally | None = None
    if form.is_bound and form.is_valid():
        try:
            result = tally(cooperative=cooperative, votes=form.votes(), majority=form.cleaned_data["majority"], on=on)
        except ApplicationError as exc:  # InvalidInput (counts), InvalidCollegeWeights
            _tally_errors(form, exc)
    results: list[dict[str, Any]] = []
    if result is not None:
        results = [{"result": row, "percent": _percent(row.share_for)} for row in result.colleges]
    context = board_context(request, cooperative, "assembly")
    context.update(
        {
            "date_form": date_form,
            "on": on,
            "day": short(on),
            "voters": voters,
            "voter_count": sum(len(entry.voters) for entry in voters),
            "problems": college_weight_problems(cooperative),
            "form": form,
            "rows": form.rows(),
            "result": result,
            "results": results,
            "weighted_percent": _percent(result.weighted_for) if result else "",
        }
    )
    status = 422 if (form.errors or date_form.errors) else 200
    return render(request, "cooperative/assembly.html", context, status=status)
