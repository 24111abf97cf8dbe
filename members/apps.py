from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self) -> None:
        from core.audit import register_actions
        from core.notifications import register as notification_kinds_register
        from core.retention import register as retention_register

        from . import (
            personal_data,
            personal_data_sections,
            retention,
            sessions,  # noqa: F401  (connects the login and logout receivers)
        )
        from .audit_actions import AUDIT_ACTIONS
        from .notifications import NOTIFICATION_KINDS

        register_actions(*AUDIT_ACTIONS)

        personal_data.register(*personal_data_sections.SECTIONS)
        personal_data_sections.exemptions()
        personal_data_sections.erase_steps()
        notification_kinds_register(*NOTIFICATION_KINDS)
        retention_register(*retention.RULES)
        self._connect_user_cache()

    @staticmethod
    def _connect_user_cache() -> None:
        """What the pages' shell keeps per user (core.usercache) is forgotten when the user, their
        permissions, their member row or their second-factor devices change."""
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.db.models.signals import m2m_changed

        from core import usercache

        from .models import Member
        from .otp import connect_device_signals

        user_model = get_user_model()
        usercache.connect_model(user_model, lambda user: [user.pk], "bocage-usercache-user")
        usercache.connect_model(Member, lambda member: [member.user_id], "bocage-usercache-member")
        connect_device_signals()

        for through in (user_model.user_permissions.through, user_model.groups.through):
            usercache.connect_users_m2m(through, f"bocage-usercache-{through.__name__}")

        def group_permissions_changed(sender: object, instance: object, action: str, **kwargs: object) -> None:
            # A group's permissions changed: every user of the group.
            if action.startswith("post_") and isinstance(instance, Group):
                usercache.forget_now_and_on_commit(instance.user_set.values_list("pk", flat=True))

        m2m_changed.connect(
            group_permissions_changed,
            sender=Group.permissions.through,
            weak=False,
            dispatch_uid="bocage-usercache-group-permissions",
        )
