"""`{% account_notices account %}`: what the dashboard should tell about one account's local
currency (ACH: the demurrage coming at the end of the period). The time bank's warning near a
limit is its own tag (`timebank_notices`).
"""

from __future__ import annotations

from typing import Any

from django import template

from currency.selectors.demurrage import demurrage_preview, demurrage_preview_date
from ledger.models import Account
from ledger.units import get_unit

register = template.Library()


@register.inclusion_tag("currency/notices.html")
def account_notices(account: Account) -> dict[str, Any]:
    unit = get_unit(account.unit)
    preview = demurrage_preview(account)
    return {
        "account": account,
        "demurrage": unit.format(unit.to_minor(preview)) if preview is not None else None,
        "demurrage_on": demurrage_preview_date(account) if preview is not None else None,
    }
