import re
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
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


ROOT = Path(__file__).resolve().parents[2]
APPS = [
    "core",
    "config",
    "members",
    "ledger",
    "currency",
    "timebank",
    "exchange",
    "crowdfunding",
    "cooperative",
    "portal",
]
TEMPLATE_TRANSLATE = re.compile(r"""\{%\s*(?:translate|trans)\s+(["'])(.+?)\1(?:\s+context\s+(["'])(.+?)\3)?""")


def _catalogued() -> set[tuple[str | None, str]]:
    with (LOCALE / "fr" / "LC_MESSAGES" / "django.po").open("rb") as po_file:
        catalog = read_po(po_file)
    return {(message.context, message.id[0] if isinstance(message.id, tuple) else message.id) for message in catalog}


def test_every_message_in_the_python_code_is_in_the_french_catalogue():
    """Catches a string added to the code without `make messages` (which needs GNU gettext)."""
    keywords = {
        **DEFAULT_KEYWORDS,
        "gettext_lazy": None,
        "ngettext_lazy": (1, 2),
        "pgettext_lazy": ((1, "c"), 2),
        "pgettext": ((1, "c"), 2),
    }
    known = _catalogued()
    missing = []
    for app in APPS:
        for filename, _lineno, message, _comments, context in extract_from_dir(
            str(ROOT / app), method_map=[("**/migrations/**", "ignore"), ("**.py", "python")], keywords=keywords
        ):
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid and (context, msgid) not in known:
                missing.append(f"{app}/{filename}: {msgid!r}")
    assert missing == []


def test_every_translate_tag_in_the_templates_is_in_the_french_catalogue():
    known = _catalogued()
    missing = []
    for template in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/templates/**/*.html")]:
        for match in TEMPLATE_TRANSLATE.finditer(template.read_text()):
            if (match.group(4), match.group(2)) not in known:
                missing.append(f"{template.relative_to(ROOT)}: {match.group(2)!r}")
    assert missing == []
