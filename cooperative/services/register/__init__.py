"""Every write to the share register: subscriptions, transfers, redemptions, cancellations.

Each locks the cooperative's row first (so movements are numbered without gaps and the statutory
rules are checked against a register nobody else is changing), checks the rules with a message
the administrator can act on, posts the euros on the ledger (EUR world ↔ the capital account) and
records the numbered movement, all in one database transaction.

The package is split by behaviour: `rules` (the statutory checks, the cooperative's lock, who may
write) and `movements` (the numbered movements and their ledger postings). The names below are the
public ones: callers write `from cooperative.services.register import share_transfer`.
"""

from cooperative.services.register.movements import (
    movement_cancel,
    redemption_record_locked,
    share_transfer,
    subscription_record_locked,
)
from cooperative.services.register.rules import (
    check_first_holding,
    check_floor,
    check_giving,
    check_lockup,
    check_receiving,
    holder_status_follow,
    lock_cooperative,
    months_after,
    months_before,
    require_administrator,
)

__all__ = [
    "check_first_holding",
    "check_floor",
    "check_giving",
    "check_lockup",
    "check_receiving",
    "holder_status_follow",
    "lock_cooperative",
    "months_after",
    "months_before",
    "movement_cancel",
    "redemption_record_locked",
    "require_administrator",
    "share_transfer",
    "subscription_record_locked",
]
