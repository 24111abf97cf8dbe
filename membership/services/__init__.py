"""The membership's flows, above the ledger, in two modules: `joining` (the member and its accounts,
invitations and imports, the yearly fee and its renewal, the reminders) and `leaving` (closing a
member, by staff or by themselves, and settling what is left). Callers import from here:
`from membership.services import member_join`."""

from .joining import (
    member_invite,
    member_join,
    members_import,
    membership_fee,
    membership_reminders_send,
    membership_renew,
    username_propose,
)
from .leaving import leaving_gift, leaving_write_off, member_close, member_leave

__all__ = [
    "leaving_gift",
    "leaving_write_off",
    "member_close",
    "member_invite",
    "member_join",
    "member_leave",
    "members_import",
    "membership_fee",
    "membership_reminders_send",
    "membership_renew",
    "username_propose",
]
