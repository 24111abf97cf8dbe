"""Writes of members: every one takes the actor that does it.

The flows that reach the ledger (joining opens accounts, the fee is posted, closing needs empty
accounts) sit above it, in membership/: this app imports neither."""

from .api_tokens import api_token_create, api_token_revoke, api_token_touch, api_tokens_revoke_all
from .members import (
    IDENTITY_KINDS,
    MEMBER_FIELDS,
    identity_clean,
    member_closed_mark,
    member_create,
    member_update,
    one_year_from,
)
from .passwords import password_reset_rate_check
from .personal_data import personal_data_export_request
from .profile import (
    EMAIL_CHANGE_SALT,
    email_change_confirm,
    email_change_preview,
    email_change_request,
    masked_iban,
    member_iban_change,
    member_profile_update,
)
from .sessions import user_session_end, user_session_record, user_sessions_end_all, user_sessions_end_others

__all__ = [
    "EMAIL_CHANGE_SALT",
    "IDENTITY_KINDS",
    "MEMBER_FIELDS",
    "api_token_create",
    "api_token_revoke",
    "api_token_touch",
    "api_tokens_revoke_all",
    "email_change_confirm",
    "email_change_preview",
    "email_change_request",
    "identity_clean",
    "masked_iban",
    "member_closed_mark",
    "member_create",
    "member_iban_change",
    "member_profile_update",
    "member_update",
    "one_year_from",
    "password_reset_rate_check",
    "personal_data_export_request",
    "user_session_end",
    "user_session_record",
    "user_sessions_end_all",
    "user_sessions_end_others",
]
