"""On a phone, a member picks the payee by name with the keyboard (the combobox) and pays."""

from __future__ import annotations

import pytest

from members.models import Member
from tests.conftest import PASSWORD, account_of
from tests.currency.funding import give_ach

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_member_types_gabo_picks_louis_gaborit_with_the_keyboard_and_pays(page, live_server, make_member):
    camille = make_member(username="camille", display_name="Camille Rousseau", commune="Martinet")
    louis = make_member(username="lgab85", display_name="Louis Gaborit", commune="Les Achards")
    Member.objects.filter(pk=louis.pk).update(in_directory=True)  # his commune may be shown
    make_member(username="gabin", display_name="Gabin Morel", commune="Martinet")
    give_ach(camille, "50.00")

    log_in(page, live_server, "camille", PASSWORD)
    page.goto(f"{live_server.url}/pay/")
    # Headless Chromium on Linux has no BarcodeDetector: no scan button, the camera-app hint instead.
    assert page.locator("[data-qr-start]").is_hidden()
    assert "appareil photo de votre téléphone" in page.inner_text("[data-qr-fallback]")
    combobox = page.locator("#id_recipient")
    assert combobox.get_attribute("role") == "combobox"
    assert combobox.get_attribute("aria-expanded") == "false"

    combobox.press_sequentially("gabo", delay=30)
    page.wait_for_selector("#id_recipient_listbox [role=option]")
    assert combobox.get_attribute("aria-expanded") == "true"
    assert page.locator("#id_recipient_listbox [role=option]").all_text_contents() == ["Louis Gaborit Les Achards"]
    assert page.inner_text("#id_recipient_status") == "1 membre trouvé, choisissez-le avec les flèches."

    combobox.press("ArrowDown")
    assert combobox.get_attribute("aria-activedescendant") == "id_recipient_listbox_0"
    assert page.get_attribute("#id_recipient_listbox_0", "aria-selected") == "true"
    combobox.press("Enter")  # chooses; does not send the form
    assert combobox.input_value() == "Louis Gaborit"
    assert combobox.get_attribute("aria-expanded") == "false"
    assert page.input_value("input[name=recipient_id]") == str(louis.pk)
    assert page.url == f"{live_server.url}/pay/"

    page.select_option("#id_unit", "ACH")
    page.fill("#id_amount", "12,50")
    page.fill("#id_memo", "Paniers de légumes")
    page.click("#pay-submit")

    page.wait_for_selector("[data-testid=statement-balance]")
    assert "Paniers de légumes" in page.inner_text("table.statement")
    assert account_of(louis, "ACH").balance == 1250
    assert account_of(camille, "ACH").balance == 3750
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
