"""The membership's notifications (core.notifications): the reminder that a membership ends soon."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.notifications import NotificationKind


def _reminder(params: Mapping[str, Any]) -> str:
    date = formats.date_format(datetime.date.fromisoformat(params["date"]), "DATE_FORMAT")
    return _("Your membership ends on %(date)s: renew it to keep paying and being paid.") % {"date": date}


def _application(params: Mapping[str, Any]) -> str:
    if params.get("status") == "approved":
        return _("Your application is accepted: pay your membership to start paying and being paid.")
    return _("Your application is refused: %(reason)s") % {"reason": params.get("reason", "")}


NOTIFICATION_KINDS = (
    NotificationKind(
        code="membership_reminder",
        label=gettext_lazy("My membership ends soon"),
        group=gettext_lazy("Membership"),
        message=_reminder,
    ),
    NotificationKind(
        code="membership_application",
        label=gettext_lazy("My application is decided"),
        group=gettext_lazy("Membership"),
        message=_application,
    ),
)
