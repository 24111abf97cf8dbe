"""French typography in the French catalogue: a non-breaking space (U+00A0, or the narrow U+202F)
before « : ; ? ! » and inside guillemets, never a plain space nor none; "n°", never "nº"."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "fr" / "LC_MESSAGES" / "django.po"
SPACES = "\u00a0\u202f"


def _french_strings() -> list[tuple[str, str]]:
    with CATALOGUE.open("rb") as po_file:
        catalog = read_po(po_file)
    found = []
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        found += [(msgid, string) for string in strings if string]
    return found


def typography_slips(text: str) -> list[str]:
    """The places in `text` where French typography wants a non-breaking space and has none."""
    slips = []
    for hit in re.finditer(r"(.)([:;?!»])", text):
        before, mark = hit.groups()
        after = text[hit.end() : hit.end() + 1]
        if before in SPACES:
            continue
        if mark == ":" and (after == "/" or (before.isdigit() and after.isdigit())):
            continue  # a URL (https://) or a time (12:30)
        slips.append(hit.group(0))
    slips += [hit.group(0) for hit in re.finditer(r"«[^\u00a0\u202f]", text)]
    return slips


def test_the_rule_itself():
    assert typography_slips("Motif : refusé") == [" :"]
    assert typography_slips("Motif: refusé ; bien ? oui !") == ["f:", " ;", " ?", " !"]
    assert typography_slips("« titre »") == [" »", "« "]
    assert typography_slips("Motif\u00a0: « titre\u00a0» à 12:30, https://bocage.example") == ["« "]
    assert typography_slips("Motif\u00a0: «\u00a0titre\u00a0» à 12:30, https://bocage.example") == []


def test_every_french_message_has_a_non_breaking_space_before_double_punctuation():
    slips = [(msgid, string) for msgid, string in _french_strings() if typography_slips(string)]
    assert slips == []


def test_the_numero_sign_is_the_degree_sign_everywhere():
    assert [string for _msgid, string in _french_strings() if "nº" in string] == []
