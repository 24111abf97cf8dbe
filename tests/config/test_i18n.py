from pathlib import Path

from babel.messages.pofile import read_po
from django.test import Client
from django.utils import translation

from ledger.units import get_unit

LOCALE = Path(__file__).resolve().parents[2] / "locale"


def test_every_french_message_is_translated_and_not_fuzzy():
    with (LOCALE / "fr" / "LC_MESSAGES" / "django.po").open("rb") as po_file:
        catalog = read_po(po_file)
    missing = [message.id for message in catalog if message.id and (not message.string or message.fuzzy)]
    assert missing == []
    assert len(catalog) > 100


def test_french_is_the_default_and_english_is_available(db):
    page = Client().get("/accounts/login/")
    assert page.status_code == 200
    assert "Se connecter" in page.content.decode()
    english = Client(headers={"accept-language": "en"}).get("/accounts/login/")
    assert "Log in" in english.content.decode()


def test_unit_names_follow_the_language():
    with translation.override("fr"):
        assert str(get_unit("HRS").name) == "Heures (banque de temps)"
    with translation.override("en"):
        assert str(get_unit("HRS").name) == "Hours (time bank)"
