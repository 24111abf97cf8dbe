"""Helpers of the statutory-rule tests (no tests here): transfers, requests and redemptions as the
administrators and members make them, the messages read in English.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import translation

from cooperative.models import Cooperative, Shareholder
from cooperative.services.register import share_transfer
from cooperative.services.requests import (
    redemption_request_approve,
    redemption_request_create,
    subscription_request_create,
)
from members.models import Member
from tests.cooperative.helpers import administrator, college, share_class

D = datetime.date


ONLY_ADMINISTRATORS = "Only an administrator of the register may do this."


NOT_PENDING = "This request has already been decided."


OUT_OF_ORDER = "A movement cannot be dated before the register's last movement, nor in the future."


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def transfer(cooperative: Cooperative, giver: Shareholder, taker: Shareholder, quantity: int, code: str = "A", **kw):
    return share_transfer(
        cooperative=cooperative,
        from_shareholder=giver,
        to_shareholder=taker,
        share_class=share_class(cooperative, code),
        quantity=quantity,
        board_decision=kw.pop("board_decision", "CA cession"),
        actor=kw.pop("actor", administrator()),
        effective_on=kw.pop("effective_on", D(2023, 9, 1)),
    )


def ask(cooperative: Cooperative, member: Member, quantity: int, code: str = "A", college_name: str = "Usagers"):
    return subscription_request_create(
        cooperative=cooperative,
        share_class=share_class(cooperative, code),
        quantity=quantity,
        college=college(cooperative, college_name),
        actor=member.user,
    )


def approved_redemption(holder: Shareholder, quantity: int, code: str = "A", on: datetime.date | None = None):
    request = redemption_request_create(
        shareholder=holder, share_class=share_class(holder.cooperative, code), quantity=quantity, actor=administrator()
    )
    return redemption_request_approve(request=request, board_decision="CA remboursement", actor=administrator(), on=on)
