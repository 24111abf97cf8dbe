"""Developers' helper: fill a .po catalogue from a {msgid: translation} dict in a Python file.

    python scripts/po_fill.py locale/fr/LC_MESSAGES/django.po translations.py

Entries already translated keep their translation, fuzzy guesses are replaced; the .po stays
the source of truth.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po


def main(po_path: str, dict_path: str) -> None:
    translations = runpy.run_path(dict_path)["FR"]
    locale = Path(po_path).parent.parent.name  # locale/<lang>/LC_MESSAGES/django.po
    with open(po_path, "rb") as po_file:
        catalog = read_po(po_file, locale=locale)  # the locale brings the right Plural-Forms
    for message in catalog:
        if not message.id:
            continue
        # A plural entry may be keyed by its (singular, plural) pair or by its singular alone.
        ids = [message.id, message.id[0]] if isinstance(message.id, tuple) else [message.id]
        keys = [f"{message.context}\x04{i}" if message.context else i for i in ids]
        key = next((k for k in keys if k in translations), keys[0])
        untranslated = not message.string or (isinstance(message.string, tuple) and not all(message.string))
        if (untranslated or message.fuzzy) and key in translations:
            message.string = translations[key]
            message.flags.discard("fuzzy")
    with open(po_path, "wb") as po_file:
        write_po(po_file, catalog, width=100)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
