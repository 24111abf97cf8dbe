"""API token authentication: DRF's scheme (`Authorization: Token …`) over members.ApiToken.

A token is looked up by the SHA-256 of its key. On PostgreSQL the token and its user come from one
plain query: building `select_related("user").get(…)` through the ORM cost about 0.4 ms of CPU per
API request, a tenth of a whole transfer (ledger_bench, HTTP workload); the same SELECT written
once costs a quarter of that. SQLite keeps the ORM (it returns dates as text). Then the token must
be live (not revoked, not expired, issued under the user's current password); its expiry slides
forward on use, written at most once per BOCAGE_API_TOKEN_TOUCH_SECONDS (members.services). A user
who owes a consent to a new version of the terms gets 403 `terms_not_accepted` (membership.terms).
"""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from members import tokens
from members.models import ApiToken
from members.services import api_token_touch
from membership.terms import terms_check


def _columns(model: Any) -> tuple[list[str], list[str]]:
    fields = model._meta.concrete_fields
    return [field.attname for field in fields], [field.column for field in fields]


@functools.cache
def _token_query(token_model: Any, user_model: Any, alias: str) -> tuple[str, list[str], list[str]]:
    """The SELECT of a token and its user, and the attribute names of its columns, in order."""
    quote = connections[alias].ops.quote_name
    user_names, user_columns = _columns(user_model)
    token_names, token_columns = _columns(token_model)
    select = ", ".join([f"u.{quote(c)}" for c in user_columns] + [f"t.{quote(c)}" for c in token_columns])
    user_pk = quote(user_model._meta.pk.column)
    token_user = quote(token_model._meta.get_field("user").column)
    token_digest = quote(token_model._meta.get_field("digest").column)
    sql = (
        f"SELECT {select} FROM {quote(token_model._meta.db_table)} t "  # noqa: S608 - names from the models
        f"JOIN {quote(user_model._meta.db_table)} u ON u.{user_pk} = t.{token_user} WHERE t.{token_digest} = %s"
    )
    return sql, user_names, token_names


class TokenExpired(exceptions.AuthenticationFailed):
    default_detail = _("This token has expired or was revoked: ask for a new one.")
    default_code = "token_expired"


class TokenAuthentication(authentication.TokenAuthentication):
    model = ApiToken

    def _find(self, digest: str) -> tuple[Any, Any] | None:
        user_model = get_user_model()
        alias = router.db_for_read(ApiToken)
        connection = connections[alias]
        if connection.vendor != "postgresql":
            token = ApiToken.objects.select_related("user").filter(digest=digest).first()
            return None if token is None else (token.user, token)
        sql, user_names, token_names = _token_query(ApiToken, user_model, alias)
        with connection.cursor() as cursor:
            cursor.execute(sql, [digest])
            row = cursor.fetchone()
        if row is None:
            return None
        user = user_model.from_db(alias, user_names, row[: len(user_names)])
        token = ApiToken.from_db(alias, token_names, row[len(user_names) :])
        token.user = user
        return user, token

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        if "\x00" in key:
            # No token holds one (PostgreSQL text cannot even hold one).
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        found = self._find(tokens.key_digest(key))
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user, token = found
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if (
            token.revoked_at is not None
            or token.expires_at <= timezone.now()
            or not tokens.issued_under_current_password(token, user)
        ):
            raise TokenExpired()
        api_token_touch(token=token)
        terms_check(user)  # 403 terms_not_accepted: a new version of the terms waits on the site
        return user, token
