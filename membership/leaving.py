"""Leaving Bocage: what keeps a member from leaving and how each unit is settled beforehand.

`leaving_check(member)` gathers the obstacles of every app (members.leaving's registry: each app
finds its own through its selectors); this module provides the ledger's part (the staff's own
account, balances not at zero, amounts on hold), registered in membership.apps. `settlement_rules`
says, per account, what happens to what is left: ACH goes to a business's reconversion or, for
anyone, as a gift to the community fund; hours and the SEL unit must come back to zero, or an
administrator writes them off.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from ledger import memos
from ledger.models import Account
from ledger.selectors import account_entries, holds_pending_on, own_accounts
from ledger.units import UnitKind, get_unit
from members.leaving import BALANCES_NOT_ZERO, HOLDS_PENDING, STAFF_ACCOUNT, Obstacle, obstacles_of
from members.models import Member


def leaving_check(member: Member) -> list[Obstacle]:
    """Everything that keeps `member` from leaving, in the order of members.leaving.CODES (empty:
    they may leave)."""
    return obstacles_of(member)


def member_accounts(member: Member) -> list[Account]:
    return list(own_accounts(member.user))


def obstacles(member: Member) -> Iterator[Obstacle]:
    """The ledger's obstacles: a staff account, balances not at zero, amounts on hold."""
    if member.user.is_staff or member.user.is_superuser:
        yield Obstacle(
            code=STAFF_ACCOUNT,
            message=_(
                "A staff account cannot be closed here: another administrator removes your staff "
                "rights first, or closes your membership."
            ),
        )
    accounts = member_accounts(member)
    for account in accounts:
        if account.balance != 0:
            unit = get_unit(account.unit)
            yield Obstacle(
                code=BALANCES_NOT_ZERO,
                message=_("Your %(unit)s account is at %(amount)s: it must be at zero. %(rule)s")
                % {"unit": unit.code, "amount": unit.format(account.balance), "rule": settlement_rule(member, account)},
                url=f"{reverse('leaving')}#settlement-{unit.code}",  # the account's rule and settlement
                details=_amount_details(account, account.balance),
            )
    for hold in holds_pending_on(accounts).select_related("debit_account", "credit_account").order_by("id"):
        mine = hold.debit_account if hold.debit_account in accounts else hold.credit_account
        unit = get_unit(hold.unit)
        what = memos.display(hold.memo, hold.memo_code or "", hold.memo_params)
        yield Obstacle(
            code=HOLDS_PENDING,
            message=_("%(amount)s is on hold (%(what)s): wait until it is settled or released.")
            % {"amount": unit.format(hold.amount), "what": what or _("a reservation")},
            details={**_amount_details(mine, hold.amount), "hold": hold.pk},
        )


def _amount_details(account: Account, minor: int) -> dict[str, object]:
    unit = get_unit(account.unit)
    return {
        "account": account.pk,
        "unit": unit.code,
        "amount": str(unit.to_decimal(minor)),
        "amount_display": unit.format(minor),
    }


def may_reconvert(member: Member) -> bool:
    """Only businesses reconvert ACH into euros (currency.selectors.reconversion_business_of)."""
    return member.kind == Member.Kind.BUSINESS


def settlement_rule(member: Member, account: Account) -> str:
    """What happens to what is left in this account, in the reader's language."""
    unit = get_unit(account.unit)
    if unit.kind == UnitKind.BACKED:
        if may_reconvert(member):
            return _(
                "As a business, you may reconvert it into euros (reconversion page), or give what is left "
                "to the community fund."
            )
        return _("Spend it with other members, or give what is left to the community fund.")
    if unit.kind == UnitKind.MUTUAL_CREDIT:
        return _(
            "Mutual credit must come back to zero by trading with other members; otherwise an "
            "administrator may write off what is left, on a decision of the network."
        )
    return _("It must come back to zero.")


@dataclass(frozen=True)
class AccountSettlement:
    """One account on the leaving page: its balance, the rule, and what the member may do."""

    account: Account
    balance_display: str
    held_display: str
    rule: str
    giftable: int  # minor units the member may give to the community fund now (0: no button)
    version: int  # the id of the account's last entry: the gift's idempotency key names it
    reconversion_url: str


def account_version(account: Account) -> int:
    """The id of the account's last entry (0 for none): the balance a settlement was computed on."""
    return account_entries(account=account).order_by("-id").values_list("id", flat=True).first() or 0


def settlement_rules(member: Member) -> list[AccountSettlement]:
    rows = []
    for account in member_accounts(member):
        unit = get_unit(account.unit)
        backed = unit.kind == UnitKind.BACKED
        giftable = account.balance - account.held if backed and account.status == Account.Status.OPEN else 0
        rows.append(
            AccountSettlement(
                account=account,
                balance_display=unit.format(account.balance),
                held_display=unit.format(account.held),
                rule=settlement_rule(member, account),
                giftable=max(giftable, 0),
                version=account_version(account),
                reconversion_url=reverse("reconversion-list") if backed and may_reconvert(member) else "",
            )
        )
    return rows
