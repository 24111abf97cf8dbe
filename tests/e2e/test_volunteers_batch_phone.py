"""On a 360 px phone, an association rewards two volunteers at once from its time bank page: each
chosen by name through the picker, the hours typed the French way; axe finds nothing on the page
and each volunteer's time account grows by exactly their hours."""

from __future__ import annotations

import pytest

from members.models import Member
from tests.conftest import PASSWORD, account_of

from .axe import violations
from .conftest import log_in, no_horizontal_scroll

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def pick(page, field: str, typed: str, name: str) -> None:
    """Type part of a name in the picker `field`, and choose `name` from its list with the keyboard."""
    combobox = page.locator(f"#{field}")
    combobox.press_sequentially(typed, delay=30)
    page.locator(f"#{field}_listbox [role=option]", has_text=name).wait_for()
    combobox.press("ArrowDown")
    combobox.press("Enter")
    assert combobox.input_value() == name


def test_an_association_rewards_two_volunteers_at_once_on_a_phone(page, live_server, make_member):
    make_member(kind=Member.Kind.ASSOCIATION, username="laruche", display_name="La Ruche")
    louis = make_member(username="louis", display_name="Louis Gaborit")
    camille = make_member(username="camille", display_name="Camille Rousseau")
    before = [account_of(louis, "HRS").balance, account_of(camille, "HRS").balance]

    page.set_viewport_size({"width": 360, "height": 800})
    log_in(page, live_server, "laruche", PASSWORD)
    page.goto(f"{live_server.url}/timebank/")
    form = page.locator("#reward-batch-form")
    assert "Récompenser plusieurs bénévoles" in page.locator("section", has=form).inner_text()
    assert no_horizontal_scroll(page)

    form.locator("#id_batch-description").fill("Fête de la musique")
    pick(page, "id_lines-0-volunteer", "gabo", "Louis Gaborit")
    form.locator("#id_lines-0-hours").fill("1,5")
    pick(page, "id_lines-1-volunteer", "rouss", "Camille Rousseau")
    form.locator("#id_lines-1-hours").fill("2")
    page.click("#reward-batch-submit")

    page.wait_for_selector(".messages >> text=2 bénévoles ont été récompensés.")
    assert page.url == f"{live_server.url}/timebank/"
    assert no_horizontal_scroll(page)
    assert violations(page, "/timebank/") == []
    after = [account_of(louis, "HRS").balance, account_of(camille, "HRS").balance]
    assert [now - then for now, then in zip(after, before, strict=True)] == [150, 200]
