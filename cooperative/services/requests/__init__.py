"""Members' requests: subscribing shares (approved by the board, then paid) and redeeming them.

Subscription: request (member page, share campaign, or an administrator) → the board approves
(admitting a newcomer into their college) → the payment is recorded (EUR to the capital account)
and the shares are issued: a numbered movement, whose certificate can then be printed. Without
board approval in the statutes, a request is approved at once.

Redemption: request → the board approves (the payment falls due after the statutory delay) →
the payment is recorded when made (capital account → EUR out), the shares are redeemed. Every
statutory rule is checked at the request (for a friendly answer) and again under the
cooperative's lock when the register changes.

The package is split by behaviour: `subscriptions` and `redemptions`. The names below are the
public ones: callers write `from cooperative.services.requests import share_subscribe`.
"""

from cooperative.services.requests.redemptions import (
    redemption_request_approve,
    redemption_request_create,
    redemption_request_pay,
    redemption_request_reject,
)
from cooperative.services.requests.subscriptions import (
    share_subscribe,
    subscription_request_approve,
    subscription_request_cancel,
    subscription_request_create,
    subscription_request_for_campaign,
    subscription_request_pay,
    subscription_request_reject,
)

__all__ = [
    "redemption_request_approve",
    "redemption_request_create",
    "redemption_request_pay",
    "redemption_request_reject",
    "share_subscribe",
    "subscription_request_approve",
    "subscription_request_cancel",
    "subscription_request_create",
    "subscription_request_for_campaign",
    "subscription_request_pay",
    "subscription_request_reject",
]
