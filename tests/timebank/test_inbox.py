"""The time bank's inbox provider: services received, waiting for the receiver's confirmation."""

from __future__ import annotations

import pytest
from djmoney.money import Money

from core.inbox import inbox_of
from timebank.inbox import services_to_confirm
from timebank.services import service_record_create, service_record_decline

pytestmark = pytest.mark.django_db


def record(provider, receiver, hours: str = "1.5"):
    return service_record_create(
        provider=provider, receiver=receiver, hours=Money(hours, "HRS"), description="Jardinage", actor=provider.user
    )


def test_the_receiver_has_the_record_to_confirm_the_provider_has_nothing(make_member):
    gardener, neighbour = make_member(username="jardinier"), make_member(username="voisine")
    first = record(gardener, neighbour)
    record(gardener, neighbour, "2")
    record(neighbour, gardener, "1")
    [item] = services_to_confirm(neighbour.user)
    assert (item.key, item.kind, item.count, item.url, str(item.label)) == (
        "timebank",
        "member",
        2,
        "/timebank/",
        "services reçus à confirmer",
    )
    assert inbox_of(gardener.user).counts == {"timebank": 1}
    service_record_decline(record=first, actor=neighbour.user)
    assert inbox_of(neighbour.user).counts == {"timebank": 1}
    assert services_to_confirm(make_member(username="autre").user) == []
