"""Text folded for searching: "Gabôrit", "GABORIT" and "gaborit" are one key, on any database.

Python does the folding (NFKD, combining marks dropped, casefold, anything but letters and digits
turned to single spaces), so SQLite and PostgreSQL search alike without the `unaccent` extension:
the key is stored beside the text it folds (e.g. members' `search_key`) and compared with plain
`=` / `LIKE`.
"""

from __future__ import annotations

import unicodedata

# Letters NFKD leaves whole but people type as two: "œuvre" is found by "oeuvre".
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})


def search_key(text: str) -> str:
    """ "Louis  Gabôrit-Le Floc'h" → "louis gaborit le floc h"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold().translate(_LIGATURES)
    return " ".join("".join(char if char.isalnum() else " " for char in plain).split())
