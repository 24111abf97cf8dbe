"""The membership's domain errors (a closed member's own error, member_closed, is members')."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError


class MemberNotEmpty(ApplicationError):
    code = "member_not_empty"
    default_message = _("A member can be closed only with zero balances and no open hold.")
