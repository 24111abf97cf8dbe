"""config.collector: what lives as long as a web process is frozen out of the collector's walks,
at import and once more after the process's first requests (never again after that)."""

from __future__ import annotations

import gc
import importlib

import pytest
from django.core.signals import request_finished
from django.urls import get_resolver

from config import collector


@pytest.fixture
def warm_receiver():
    yield
    request_finished.disconnect(dispatch_uid=collector._DISPATCH_UID)


class _Marker:
    """An object the collector tracks (a dict of strings would not be: CPython leaves those out)."""


def _tracked(obj: object) -> bool:
    """Whether a full collection would walk `obj` (frozen objects are in no generation)."""
    return any(candidate is obj for candidate in gc.get_objects())


def test_freeze_loaded_takes_the_urlconf_out_of_the_collections():
    gc.collect()
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018
    alive = _Marker()  # made after the last freeze: in a generation
    assert _tracked(alive)
    moved = collector.freeze_loaded()
    assert moved > 0
    assert not _tracked(alive)
    assert not _tracked(resolver)


def _connected() -> bool:
    return any(key[0] == collector._DISPATCH_UID for key, *_ in request_finished.receivers)


def _request_finished() -> None:
    """What request_finished calls of ours (sending the signal would also run Django's receivers,
    which close database connections)."""
    if _connected():
        collector._count_request(sender=None)


def test_freeze_when_warm_freezes_once_after_the_first_requests(warm_receiver):
    collector.freeze_when_warm(after=3)
    assert _connected()
    _request_finished()
    _request_finished()
    early = _Marker()
    assert _tracked(early), "two requests: nothing frozen yet"
    _request_finished()
    assert not _tracked(early), "the third request froze what was alive"
    assert not _connected(), "the receiver left after the freeze"
    late = _Marker()
    for _ in range(5):
        _request_finished()
    assert _tracked(late), "frozen once, never again: later objects are collected as before"


def test_the_wsgi_application_is_frozen_at_import_and_counts_its_requests(warm_receiver):
    from config import wsgi

    importlib.reload(wsgi)  # as a worker imports it (an earlier test may have, and served since)
    assert gc.get_freeze_count() > 0
    assert not _tracked(wsgi.application)
    assert _connected()
