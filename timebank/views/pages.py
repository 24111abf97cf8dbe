"""Pages of the time bank: my hours (with the warning near a limit), record a service given,
confirm or decline the services I received, and reward volunteers (associations, staff)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, NotFound
from core.forms import add_service_error
from ledger import selectors as ledger_selectors
from ledger.units import get_unit
from members.models import Member
from members.selectors import member_or_none
from timebank.selectors import (
    service_record_get_visible,
    service_records_asked,
    service_records_to_confirm,
    timebank_warning,
)
from timebank.services import (
    service_record_confirm,
    service_record_create,
    service_record_decline,
    volunteering_reward,
    volunteering_rewards_batch,
)
from timebank.views.forms import (
    ServiceRecordForm,
    VolunteeringBatchForm,
    VolunteeringRewardForm,
    VolunteerLineForm,
    VolunteerLines,
)

FIELD_OF_CODE = {"invalid_amount": "hours", "insufficient_funds": "hours", "limit_exceeded": "hours"}


def _record_service(request: HttpRequest, form: ServiceRecordForm, me: Member) -> bool:
    data = form.cleaned_data
    receiver = data["receiver"]
    try:
        service_record_create(
            provider=me,
            receiver=receiver,
            hours=data["hours"],
            description=data["description"],
            performed_on=data["performed_on"],
            actor=request.user,
        )
    except ApplicationError as exc:
        add_service_error(form, exc, FIELD_OF_CODE)
        return False
    messages.success(request, _("Service recorded: %(receiver)s will be asked to confirm it.") % {"receiver": receiver})
    return True


def _reward(request: HttpRequest, form: VolunteeringRewardForm, me: Member | None) -> bool:
    data = form.cleaned_data
    association = data["association"] if request.user.is_staff and data["association"] else me
    volunteer = data["volunteer"]
    if association is None:
        form.add_error("association", _("Choose the association."))
        return False
    try:
        association_account = ledger_selectors.member_account_for_unit(username=association.user.username, unit="HRS")
        volunteer_account = ledger_selectors.member_account_for_unit(username=volunteer.user.username, unit="HRS")
        volunteering_reward(
            association_account=association_account,
            member_account=volunteer_account,
            hours=data["hours"],
            description=data["description"],
            actor=request.user,
            idempotency_key=f"web:{request.user.pk}:{data['idempotency_key']}",
        )
    except NotFound:
        form.add_error(None, _("This member has no time account."))
        return False
    except ApplicationError as exc:
        add_service_error(form, exc, FIELD_OF_CODE)
        return False
    messages.success(request, _("%(volunteer)s was rewarded.") % {"volunteer": volunteer})
    return True


def _reward_batch(request: HttpRequest, form: VolunteeringBatchForm, lines: Any, me: Member | None) -> bool:
    """All the lines filled in, rewarded at once (volunteering_rewards_batch); a refusal goes on its line."""
    data = form.cleaned_data
    association = data["association"] if request.user.is_staff and data["association"] else me
    if association is None:
        form.add_error("association", _("Choose the association."))
        return False
    filled: list[VolunteerLineForm] = [line for line in lines if line.cleaned_data.get("volunteer")]
    if not filled:
        form.add_error(None, _("Name at least one volunteer."))
        return False
    rewards = []
    for line in filled:
        try:
            account = ledger_selectors.member_account_for_unit(
                username=line.cleaned_data["volunteer"].user.username, unit="HRS"
            )
        except NotFound:
            line.add_error("volunteer", _("This member has no time account."))
            return False
        rewards.append((account, line.cleaned_data["hours"], data["description"]))
    try:
        association_account = ledger_selectors.member_account_for_unit(username=association.user.username, unit="HRS")
        volunteering_rewards_batch(
            association_account=association_account,
            rewards=rewards,
            actor=request.user,
            idempotency_key=f"web:{request.user.pk}:{data['idempotency_key']}",
        )
    except NotFound:
        form.add_error("association", _("This member has no time account."))
        return False
    except ApplicationError as exc:
        by_line = (exc.fields or {}).get("rewards")
        if isinstance(by_line, dict):
            for position, errors in by_line.items():
                target = "hours" if exc.code in FIELD_OF_CODE else None
                for error in errors if isinstance(errors, list) else [exc.message]:
                    filled[int(position)].add_error(target, str(error))
            return False
        form.add_error(None, str(exc.message))
        return False
    count = len(rewards)
    messages.success(
        request,
        ngettext("%(count)s volunteer was rewarded.", "%(count)s volunteers were rewarded.", count) % {"count": count},
    )
    return True


@login_required
def home(request: HttpRequest) -> HttpResponse:
    me = member_or_none(request.user)
    may_reward = request.user.is_staff or (me is not None and me.kind == Member.Kind.ASSOCIATION)
    record_form = ServiceRecordForm(
        request.POST if request.POST.get("action") == "record" else None,
        initial={"performed_on": timezone.localdate()},
        prefix="record",
    )
    reward_form = VolunteeringRewardForm(
        request.POST if request.POST.get("action") == "reward" else None, prefix="reward"
    )
    batching = request.POST.get("action") == "reward_batch"
    batch_form = VolunteeringBatchForm(request.POST if batching else None, prefix="batch")
    batch_lines = VolunteerLines(request.POST if batching else None, prefix="lines")
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "record" and me is not None and record_form.is_valid() and _record_service(request, record_form, me):
        return redirect("timebank-home")
    if action == "reward" and may_reward and reward_form.is_valid() and _reward(request, reward_form, me):
        return redirect("timebank-home")
    if (
        batching
        and may_reward
        and batch_form.is_valid()
        and batch_lines.is_valid()
        and _reward_batch(request, batch_form, batch_lines, me)
    ):
        return redirect("timebank-home")
    account = ledger_selectors.own_accounts(request.user).filter(unit="HRS").first()
    return render(
        request,
        "timebank/home.html",
        {
            "account": account,
            "warning": timebank_warning(account) if account is not None else None,
            "unit": get_unit("HRS"),
            "record_form": record_form if me is not None else None,
            "reward_form": reward_form if may_reward else None,
            "batch_form": batch_form if may_reward else None,
            "batch_lines": batch_lines,
            "to_confirm": list(service_records_to_confirm(request.user)[:100]),
            "asked": list(service_records_asked(request.user)[:100]),
        },
    )


def _decide(request: HttpRequest, record_id: int, confirm: bool) -> HttpResponse:
    try:
        record = service_record_get_visible(user=request.user, record_id=record_id)
    except NotFound:
        raise Http404 from None
    try:
        if confirm:
            service_record_confirm(record=record, actor=request.user)
            messages.success(
                request,
                _("Confirmed: %(hours)s paid to %(provider)s.")
                % {
                    "hours": get_unit(record.unit).format(record.amount),
                    "provider": record.provider,
                },
            )
        else:
            service_record_decline(record=record, actor=request.user)
            messages.success(request, _("Declined: no hours moved."))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("timebank-home")


@login_required
@require_POST
def record_confirm(request: HttpRequest, record_id: int) -> HttpResponse:
    return _decide(request, record_id, confirm=True)


@login_required
@require_POST
def record_decline(request: HttpRequest, record_id: int) -> HttpResponse:
    return _decide(request, record_id, confirm=False)
