"""`{% timebank_notices account %}`: the dashboard's warning when a time account nears a limit."""

from __future__ import annotations

from typing import Any

from django import template

from ledger.models import Account
from timebank.selectors import timebank_warning

register = template.Library()


@register.inclusion_tag("timebank/notices.html")
def timebank_notices(account: Account) -> dict[str, Any]:
    return {"account": account, "warning": timebank_warning(account)}
