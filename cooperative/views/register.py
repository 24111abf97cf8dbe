"""The register in order (with its cancel forms), holdings at a date, the capital at a date and its
history plotted. Administrators and auditors read them; only administrators cancel."""

from __future__ import annotations

from collections import defaultdict

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cooperative import selectors
from cooperative.charts import Point, step_chart
from cooperative.models import Cooperative, ShareMovement
from cooperative.services.register import movement_cancel
from cooperative.views.forms import CancelMovementForm
from core.amounts import format_euros
from core.errors import ApplicationError
from core.forms import add_service_error

from ._common import administered, board_context, cancelled_numbers, day_on, readable, short


def _register_page(
    request: HttpRequest, cooperative: Cooperative, *, status: int = 200, bound: dict[int, forms.Form] | None = None
) -> HttpResponse:
    cancelled = cancelled_numbers(cooperative)
    lines = []
    for movement in selectors.register(cooperative):
        cancellable = movement.kind != ShareMovement.Kind.CANCELLATION and movement.number not in cancelled
        form = None
        if cancellable:
            form = (bound or {}).get(movement.number) or CancelMovementForm(auto_id=f"cancel-{movement.number}-%s")
        lines.append({"movement": movement, "cancelled_by": cancelled.get(movement.number), "cancel_form": form})
    context = board_context(request, cooperative, "register")
    context.update({"lines": lines, "capital": selectors.capital_at(cooperative)})
    return render(request, "cooperative/register.html", context, status=status)


@login_required
def register(request: HttpRequest, pk: int) -> HttpResponse:
    return _register_page(request, readable(request, pk))


@login_required
@require_POST
def movement_cancel_page(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    cooperative = administered(request, pk)
    movement = ShareMovement.objects.filter(cooperative=cooperative, number=number).first()
    if movement is None:
        raise Http404
    form = CancelMovementForm(request.POST, auto_id=f"cancel-{number}-%s")
    if form.is_valid():
        try:
            reversal = movement_cancel(
                movement=movement,
                reason=form.cleaned_data["reason"],
                board_decision=form.cleaned_data["board_decision"],
                actor=request.user,
            )
        except ApplicationError as exc:
            if not exc.fields:
                messages.error(request, str(exc.message))
                return _register_page(request, cooperative, status=422)
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("Movement n° %(number)d is cancelled by movement n° %(reversal)d.")
                % {"number": movement.number, "reversal": reversal.number},
            )
            return redirect(reverse("cooperative-register", kwargs={"pk": cooperative.pk}) + f"#m{reversal.number}")
    return _register_page(request, cooperative, status=422, bound={number: form})


@login_required
def holdings(request: HttpRequest, pk: int) -> HttpResponse:
    cooperative = readable(request, pk)
    form, on = day_on(request)
    rows = selectors.holdings_at(cooperative, on)
    per_class: dict[str, dict[str, int]] = defaultdict(lambda: {"shares": 0, "value": 0})
    for holding in rows:
        per_class[holding.share_class.code]["shares"] += holding.shares
        per_class[holding.share_class.code]["value"] += holding.value
    context = board_context(request, cooperative, "holdings")
    context.update(
        {
            "form": form,
            "on": on,
            "day": short(on),
            "holdings": rows,
            "per_class": sorted(per_class.items()),
            "shareholders": len({holding.shareholder.pk for holding in rows}),
            "capital": selectors.capital_at(cooperative, on),
            "query": f"?on={on.isoformat()}" if on else "",
        }
    )
    return render(request, "cooperative/holdings.html", context, status=422 if form.errors else 200)


@login_required
def capital(request: HttpRequest, pk: int) -> HttpResponse:
    cooperative = readable(request, pk)
    form, on = day_on(request)
    history = selectors.capital_history(cooperative)
    points = [Point(day=day, value=cents, label=short(day), display=format_euros(cents)) for day, cents in history]
    chart = None
    if points:
        chart = step_chart(
            chart_id="capital-chart",
            title=_("Subscribed capital of %(name)s") % {"name": cooperative.name},
            points=points,
            description=_(
                "From %(first)s (%(first_value)s) to %(last)s (%(last_value)s); the table below gives each day."
            )
            % {
                "first": points[0].label,
                "first_value": points[0].display,
                "last": points[-1].label,
                "last_value": points[-1].display,
            },
        )
    rows = []
    previous = 0
    for point in points:
        rows.append({"point": point, "change": point.value - previous})
        previous = point.value
    context = board_context(request, cooperative, "capital")
    context.update(
        {
            "form": form,
            "on": on,
            "day": short(on),
            "capital_on": selectors.capital_at(cooperative, on),
            "capital_now": selectors.capital_at(cooperative),
            "chart": chart,
            "rows": rows,
        }
    )
    return render(request, "cooperative/capital.html", context, status=422 if form.errors else 200)
