"""The mails members/ sends itself (not notifications): each in the member's own language.

Each function returns the `subject` and `body` for core.mail.outbound_email_queue.
"""

from __future__ import annotations

import datetime

from django.utils import formats, translation
from django.utils.translation import gettext as _

from .models import Member


def iban_changed(member: Member, when: datetime.datetime) -> dict[str, str]:
    with translation.override(member.mail_language):
        moment = formats.date_format(when, "DATETIME_FORMAT")
        return {
            "subject": _("Bocage: your IBAN was changed"),
            "body": _(
                "Hello %(name)s,\n\nThe IBAN of your Bocage account was changed on %(date)s; it now ends "
                "with %(last)s. Reconversions to euros wait a few days after such a change.\n\nIf you did "
                "not make this change, contact the association at once and change your password."
            )
            % {"name": member.display_name, "date": moment, "last": member.iban[-4:]},
        }


def email_change_confirm(member: Member, link: str) -> dict[str, str]:
    with translation.override(member.mail_language):
        return {
            "subject": _("Bocage: confirm your new e-mail address"),
            "body": _(
                "Hello %(name)s,\n\nTo use this address for your Bocage account, follow this link "
                "(valid two days, while logged in):\n\n%(link)s\n\nIf you did not ask for this, ignore "
                "this message: nothing changes."
            )
            % {"name": member.display_name, "link": link},
        }


def email_change_notice(member: Member) -> dict[str, str]:
    with translation.override(member.mail_language):
        return {
            "subject": _("Bocage: a change of your e-mail address was asked for"),
            "body": _(
                "Hello %(name)s,\n\nSomeone logged in to your Bocage account asked to replace this e-mail "
                "address with another one. It changes only once the new address confirms it.\n\nIf it was "
                "not you, change your password and end your other sessions (Security page)."
            )
            % {"name": member.display_name},
        }
