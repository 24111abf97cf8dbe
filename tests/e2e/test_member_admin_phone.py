"""An administrator on a 360 px phone adds a member from the menu, then imports a small file: every
page fits the screen (axe-core checks each one through the `browser` fixture)."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from members.models import Member
from tests.conftest import PASSWORD

from .conftest import go_to, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= 360"
SHOTS = os.environ.get("BOCAGE_E2E_SCREENSHOTS", "")


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="fr-FR", viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_an_administrator_adds_and_imports_members_on_a_phone(phone, live_server, django_user_model, tmp_path):
    django_user_model.objects.create_user(username="secretaire", password=PASSWORD, is_staff=True)
    log_in(phone, live_server, "secretaire", PASSWORD)

    go_to(phone, "Gestion", "Nouveau membre")
    phone.wait_for_url(f"{live_server.url}/members/new/")
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    phone.get_by_label("Professionnel (prestataire)").check()
    phone.fill("#id_display_name", "Boulangerie Gabôrit")
    phone.fill("#id_email", "pain@example.org")
    phone.locator("#id_commune").select_option(label="Martinet (85150)")
    phone.fill("#id_siren", "123456789")
    shot(phone, "member-create")
    phone.get_by_role("button", name="Créer le membre").click()
    expect(phone.locator("#id_siren_error")).to_be_visible()  # waits for the answer page
    assert not Member.objects.exists()
    phone.fill("#id_siren", "732829320")
    phone.get_by_role("button", name="Créer le membre").click()
    phone.wait_for_url(f"{live_server.url}/audit/accounts/?q=boulangerie.gaborit")
    assert Member.objects.get().display_name == "Boulangerie Gabôrit"

    go_to(phone, "Gestion", "Importer des membres")
    phone.wait_for_url(f"{live_server.url}/members/import/")
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    csv_file = tmp_path / "membres.csv"
    csv_file.write_bytes(
        "nom;email;commune\nAnne Morin;anne@example.org;Martinet\nPaul Roy;paul@example.org;Paris\n".encode("cp1252")
    )
    phone.locator("#id_file").set_input_files(str(csv_file))
    phone.get_by_role("button", name="Vérifier le fichier").click()
    phone.locator("[data-testid=import-report]").wait_for()
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    shot(phone, "member-import-check")
    assert Member.objects.count() == 1
    phone.get_by_role("button", name="Importer 1 membre").click()
    phone.get_by_role("heading", name="Import terminé").wait_for()
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    shot(phone, "member-import-done")
    assert sorted(Member.objects.values_list("display_name", flat=True)) == ["Anne Morin", "Boulangerie Gabôrit"]
