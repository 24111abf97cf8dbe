"""Small facts about one user that every page's shell reads, kept a few seconds in the cache.

Every logged-in page wears the same shell: the menu (what this user may reach), its "to handle"
badges (core.inbox), the bell's unread count, and the second-factor check of the middleware. Read
from the database, that is a dozen queries before the page's own. Here each fact is kept under the
user's id for `BOCAGE_USER_CACHE_SECONDS` (30 s by default; 0 turns the cache off) and forgotten
at once when it changes for a reason we see:

- the user writes anything (`ForgetOnWriteMiddleware`: a POST, PUT, PATCH or DELETE by them), so
  what they just did shows on the next page;
- a notification reaches them or they read one (core.notifications);
- the apps' signals: their member row, a place they manage, a counter they staff, a second-factor
  device (each app connects its own, in its `AppConfig.ready`).

What changes by someone else's hand without telling the user (a listing reported to moderators, a
new dispute) shows within the delay. Nothing here decides access: views check permissions on every
request; the cache only shapes what the shell shows.

The cache is Django's default one (Redis in production, one process's memory on the embedded
default). A cache that fails is skipped: the fact is read from the database, the page still answers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

T = TypeVar("T")

_PREFIX = "bocage:user"
_names: set[str] = set()
_MISSING = object()


def register(name: str) -> str:
    """Declare a fact's name (at import): `forget` forgets every declared fact of a user."""
    _names.add(name)
    return name


def _key(user_id: int, name: str) -> str:
    return f"{_PREFIX}:{user_id}:{name}"


def _seconds() -> int:
    return int(getattr(settings, "BOCAGE_USER_CACHE_SECONDS", 30))


def cache_get(key: str, default: Any = None) -> Any:
    """cache.get, but a cache that fails answers `default` (the caller then reads the database)."""
    try:
        return cache.get(key, default)
    except Exception:
        logger.warning("cache unreachable; reading from the database", exc_info=True)
        return default


def cache_set(key: str, value: Any, seconds: int) -> None:
    """cache.set, but a cache that fails keeps nothing."""
    try:
        cache.set(key, value, seconds)
    except Exception:
        logger.warning("cache unreachable; not kept", exc_info=True)


def cache_delete(key: str) -> None:
    """cache.delete, but a cache that fails forgets nothing (what it keeps then lasts its delay)."""
    try:
        cache.delete(key)
    except Exception:
        logger.warning("cache unreachable; not forgotten", exc_info=True)


def cached(user_id: int | None, name: str, compute: Callable[[], T]) -> T:
    """The user's fact `name`: from the cache, else `compute()` (then kept). None user: computed."""
    seconds = _seconds()
    if user_id is None or seconds <= 0:
        return compute()
    if name not in _names:
        raise ValueError(f"undeclared user fact {name!r}: core.usercache.register it at import")
    key = _key(user_id, name)
    found = cache_get(key, _MISSING)
    if found is not _MISSING:
        return found
    value = compute()
    cache_set(key, value, seconds)
    return value


def forget(user_ids: Iterable[int | None], names: Iterable[str] | None = None) -> None:
    """Forget these users' facts (only `names` if given: a notification touches the inbox and the
    bell, not the menu's roles): their next page reads them afresh."""
    chosen = _names if names is None else set(names) & _names
    keys = [_key(user_id, name) for user_id in set(user_ids) if user_id is not None for name in chosen]
    if not keys:
        return
    try:
        cache.delete_many(keys)
    except Exception:
        # They then last no longer than the delay.
        logger.warning("user cache unreachable; facts not forgotten", exc_info=True)


def forget_user(user_id: int | None) -> None:
    forget([user_id])


def forget_now_and_on_commit(user_ids: Iterable[int | None], names: Iterable[str] | None = None) -> None:
    """Forget now, and again once the surrounding transaction commits: a page read by another
    request in between, from the rows as they were before, is not kept past the commit."""
    from django.db import transaction

    ids = [user_id for user_id in user_ids if user_id is not None]
    if not ids or _seconds() <= 0:
        return
    chosen = None if names is None else tuple(names)
    forget(ids, chosen)
    transaction.on_commit(lambda: forget(ids, chosen))


class ForgetOnWriteMiddleware:
    """After a logged-in user's POST, PUT, PATCH or DELETE, forget their facts (after the answer:
    what the write changed is committed, and the next page, often the redirect, shows it)."""

    _SAFE = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method not in self._SAFE:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                forget_user(user.pk)
        return response


def connect_users_m2m(through: Any, uid: str) -> None:
    """Forget the users a many-to-many relation to users adds or removes (`through`: its table):
    the user whose side changed, or the users named on the other side. A clear from the other side
    names nobody: the delay covers it."""
    from django.contrib.auth import get_user_model
    from django.db.models.signals import m2m_changed

    def changed(sender: Any, instance: Any, action: str, pk_set: Any, **kwargs: Any) -> None:
        if not action.startswith("post_"):
            return
        if isinstance(instance, get_user_model()):
            forget_now_and_on_commit([instance.pk])
        elif pk_set:
            forget_now_and_on_commit(pk_set)

    m2m_changed.connect(changed, sender=through, weak=False, dispatch_uid=uid)


def connect_model(model: Any, user_id_of: Callable[[Any], Iterable[int | None]], uid: str) -> None:
    """Forget the users `user_id_of(instance)` names whenever a row of `model` is saved or deleted."""
    from django.db.models.signals import post_delete, post_save

    def changed(sender: Any, instance: Any, **kwargs: Any) -> None:
        forget_now_and_on_commit(user_id_of(instance))

    post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}-save")
    post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}-delete")
