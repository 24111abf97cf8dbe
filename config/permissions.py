"""Django's model permissions, read in one query instead of two.

Django's `ModelBackend` reads a user's own permissions and their groups' permissions in two
queries the first time a request asks `has_perm` (every page that decides whether its reader is
staff, an auditor or a moderator). `PermissionsBackend`, listed just before it, reads both in one
query (a union) and keeps the set where `ModelBackend` keeps its own (`user._perm_cache`): the
answer is the same set, and `ModelBackend` then finds it and reads nothing. Nothing outlives the
request's user object: a permission taken away is gone on the next request.

It authenticates nobody and loads no session's user (no `get_user`: a session names the backend
that logged it in, and Django's test client logs in through the first backend that has one):
`ModelBackend` still does both, so the sessions it signed stay valid.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission


class PermissionsBackend:
    def authenticate(self, request: Any, **credentials: Any) -> None:
        return None

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return any(perm.split(".", 1)[0] == app_label for perm in self.get_all_permissions(user_obj))

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                chosen = Permission.objects.all()
            else:
                own = get_user_model().user_permissions.through.objects.filter(user_id=user_obj.pk)
                grouped = Group.permissions.through.objects.filter(group__user=user_obj.pk)
                ids = own.values("permission_id").union(grouped.values("permission_id"))
                chosen = Permission.objects.filter(pk__in=ids)
            rows = chosen.values_list("content_type__app_label", "codename")
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return user_obj._perm_cache
