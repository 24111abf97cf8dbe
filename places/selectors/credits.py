"""The ledger accounts behind plans and carnets (opened on first use).

- Money paid for a plan or a carnet goes to the seller's account in the price's unit: the place's
  (`place:<id>`), or the network's (`network`, system code `place`) for a network-wide offer.
- Booking credits (units of kind `credit`: CRJ days, CRH hours) are issued by the seller's issuance
  account in that unit (system code `issuance`, reference `place:<id>` or `network`; unbounded
  below, as the local currency's issuance is), credited to one account per carnet (`pass:<id>`)
  and one per subscription and allowance (`allowance:<subscription>:<allowance>`), system code
  `credit`, never below zero. A booking holds credits from those accounts towards the issuer;
  expired credits go back to it.
"""

from __future__ import annotations

from ledger.models import Account
from ledger.services import system_account
from places.models import Place

NETWORK_REFERENCE = "network"


def seller_reference(place: Place | None) -> str:
    return place.account_reference if place is not None else NETWORK_REFERENCE


def seller_account(place: Place | None, unit: str) -> Account:
    """Where the money for a plan or a carnet goes: the place's account, or the network's."""
    return system_account(Account.SystemCode.PLACE, unit, seller_reference(place))


def credit_issuer(place: Place | None, unit: str) -> Account:
    """The account that issues (and takes back) a seller's booking credits in `unit`."""
    return system_account(Account.SystemCode.ISSUANCE, unit, seller_reference(place))


def allowance_account(subscription_id: int, allowance_id: int, unit: str) -> Account:
    """The credits one allowance of one subscription holds for its current period."""
    return system_account(Account.SystemCode.CREDIT, unit, f"allowance:{subscription_id}:{allowance_id}")


def carnet_account(pass_id: int, unit: str) -> Account:
    """The credits left on a carnet."""
    return system_account(Account.SystemCode.CREDIT, unit, f"pass:{pass_id}")
