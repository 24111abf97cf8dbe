"""Pledges (ledger holds towards the campaign's escrow) and matchfunding pools.

Lock order, the same in every write: the campaign row, then reward tiers, then the matching pool,
then the pledge, then the ledger's accounts (inside the ledger's services). Locking the campaign
row serialises the pledges of one campaign with each other and with the decision at the deadline:
once a campaign is decided, no pledge can change any more.

A change of amount voids the pledge's hold and puts a new one (numbered by `version`, each with
its own ledger idempotency key) in the same database transaction, so the backer's available
balance never counts both, and a refusal (insufficient funds) leaves the old hold in place.

The package is split by behaviour: `backing` (a backer's pledge: create, change, withdraw, the
reward's delivery), `matching` (matchfunding pools and the matching holds) and `steps` (what
both share). The names below are the public ones: callers write
`from crowdfunding.services.pledges import pledge_create`.
"""

from crowdfunding.services.pledges.backing import (
    pledge_change,
    pledge_create,
    pledge_mark_delivered,
    pledge_withdraw,
)
from crowdfunding.services.pledges.matching import match_for, pool_close, pool_create

__all__ = [
    "match_for",
    "pledge_change",
    "pledge_create",
    "pledge_mark_delivered",
    "pledge_withdraw",
    "pool_close",
    "pool_create",
]
