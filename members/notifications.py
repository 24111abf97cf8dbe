"""The members' notifications (core.notifications): the security alert that the IBAN changed."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.notifications import NotificationKind


def _iban_changed(params: Mapping[str, Any]) -> str:
    date = formats.date_format(datetime.date.fromisoformat(params["date"]), "DATE_FORMAT")
    return _("Your IBAN was changed on %(date)s (now %(iban)s). If it was not you, contact the association.") % {
        "date": date,
        "iban": params["iban"],
    }


NOTIFICATION_KINDS = (
    NotificationKind(
        code="iban_changed",
        label=gettext_lazy("My IBAN was changed"),
        group=gettext_lazy("Security"),
        message=_iban_changed,
        always_emailed=True,  # a security alert: mailed whatever the member's choices
    ),
)
