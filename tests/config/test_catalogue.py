"""The translation catalogue is complete, and pages speak one language.

1. Every msgid of the project's .po files has a French translation (non-empty, not fuzzy; every
   plural form), and the English catalogue names no message the French one lacks.
2. Every message the source asks to translate is in the French catalogue: Python through Babel's
   extractor, templates (`translate`, `blocktranslate`, plurals and contexts) through Django's own
   templatize (what makemessages does) then Babel, so no GNU gettext is needed.
3. A small crawl with the test client (each role; French then English): no common English word in
   the visible text of a French page, no common French word on an English page.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract
from babel.messages.pofile import read_po
from django.test import Client
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale"
# Django's translation functions, as Babel reads them (position of the msgid, plural, context).
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
NOT_SOURCE = {"tests", "scripts", "var", "locale", "static", "templates", "docs", "deploy", "node_modules"}


def _catalog(language: str) -> Catalog:
    with (LOCALE / language / "LC_MESSAGES" / "django.po").open("rb") as po_file:
        return read_po(po_file, locale=language)


def _key(message_id: str | tuple[str, ...], context: str | None) -> tuple[str | None, str]:
    return (context, message_id[0] if isinstance(message_id, tuple) else message_id)


def test_every_msgid_has_a_french_translation_not_fuzzy_in_every_plural_form():
    french, english = _catalog("fr"), _catalog("en")
    untranslated = []
    for message in french:
        if not message.id:
            continue
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(forms) or (message.pluralizable and len(forms) != 2):
            untranslated.append(_key(message.id, message.context))
    french_keys = {_key(message.id, message.context) for message in french if message.id}
    only_in_english = sorted(
        (str(key[0]), key[1])
        for key in (_key(message.id, message.context) for message in english if message.id)
        if key not in french_keys
    )

    assert untranslated == [], f"{len(untranslated)} French msgstr empty or fuzzy: {untranslated}"
    assert only_in_english == [], f"in the English catalogue only (add the French): {only_in_english}"


def _source_messages() -> Iterator[tuple[str, tuple[str | None, str], str | None]]:
    """(where, (context, msgid), plural msgid) of every message the source asks to translate."""
    for path in sorted(ROOT.glob("*/**/*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in NOT_SOURCE or relative.parts[0].startswith(".") or "migrations" in relative.parts:
            continue
        for lineno, message, _comments, context in extract("python", io.BytesIO(path.read_bytes()), KEYWORDS):
            plural = message[1] if isinstance(message, tuple) and len(message) > 1 else None
            yield f"{relative}:{lineno}", _key(message, context), plural
    templates = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("templates/**/*.txt"), *ROOT.glob("*/templates/**/*")]
    for path in sorted(set(templates)):
        relative = path.relative_to(ROOT)
        if not path.is_file() or relative.parts[0] in {".venv", "var"}:
            continue
        code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
        # templatize keeps the template's indentation, which Python's tokenizer refuses (xgettext
        # does not care); a msgid spanning lines keeps its text since the calls hold it escaped.
        code = "\n".join(line.lstrip() for line in code.splitlines())
        for lineno, message, _comments, context in extract("python", io.BytesIO(code.encode()), KEYWORDS):
            plural = message[1] if isinstance(message, tuple) and len(message) > 1 else None
            yield f"{relative}:{lineno}", _key(message, context), plural


def test_every_message_of_the_source_is_in_the_french_catalogue():
    french = _catalog("fr")
    catalogued = {_key(message.id, message.context): message for message in french if message.id}
    missing, without_plural = [], []
    for where, key, plural in _source_messages():
        if not key[1]:
            continue
        entry = catalogued.get(key)
        if entry is None:
            missing.append(f"{where}: {key[1]!r}" + (f" (context {key[0]!r})" if key[0] else ""))
        elif plural and not entry.pluralizable:
            without_plural.append(f"{where}: {key[1]!r} is used with ngettext but catalogued without a plural")
    assert missing == [], f"{len(missing)} messages missing from locale/fr:\n" + "\n".join(missing)
    assert without_plural == [], "\n".join(without_plural)


# --- 3. One language per page ----------------------------------------------------------------------
# Common words of one language that never belong to a page in the other (whole words; hyphenated
# names are one word, so "Saint-Julien-des-Landes" never matches "des").
ENGLISH_WORDS = {
    "the", "and", "your", "you", "account", "accounts", "payment", "payments", "save", "cancel", "submit",
    "search", "please", "with", "from", "of", "to", "is", "are", "request", "requests", "settings", "password",
    "log", "login", "logout", "welcome", "next", "previous", "none", "my", "new", "back", "this", "for",
}  # fmt: skip
FRENCH_WORDS = {
    "le", "les", "des", "du", "vous", "votre", "vos", "aucun", "aucune", "avec", "pour", "est", "sont", "une",
    "mes", "mon", "compte", "comptes", "paiement", "enregistrer", "annuler", "rechercher", "connexion", "et",
    "sur", "dans", "au", "aux",
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre",
    "décembre", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
}  # fmt: skip
# Names that are not words of either language (the territory, communes, brands).
PROPER_NAMES = re.compile(r"Pays des Achards|Les Achards|La Mothe-Achard|Le Girouard|La Chapelle-Achard")
WORD = re.compile(r"[^\W\d_][\w’'-]*")
# Where the crawl does not go: other languages by design, files, the way out.
NOT_CRAWLED = re.compile(
    r"^/(api|admin|static|media|i18n|accounts/logout)/|/(csv|pdf|download|fec)/?$|\.(csv|pdf|txt)$"
)
PAGES_PER_ROLE = 20
# Temporary: words other helpers' parts remove (issue 18), as {path pattern: {word, …}}. The lead
# removes entries as their branches land; a new finding fails the test.
KNOWN_MIXED: dict[str, dict[str, set[str]]] = {"fr": {}, "en": {}}


class _Visible(HTMLParser):
    """The text a reader sees or hears: data outside script/style, plus alt, title, aria-label,
    placeholder and button values; a subtree in another `lang` (a language menu) is skipped."""

    HIDDEN = {"script", "style", "template", "pre", "code"}  # code and raw data are in no language
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, language: str) -> None:
        super().__init__(convert_charrefs=True)
        self.language, self.stack, self.parts, self.links = language, [], [], []

    def _skipping(self) -> bool:
        return any(skip for _tag, skip in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        other_language = bool(values.get("lang")) and not (values.get("lang") or "").startswith(self.language)
        skip = tag in self.HIDDEN or other_language or tag == "select"
        if not self._skipping() and not skip:
            for name in ("alt", "title", "aria-label", "placeholder"):
                if values.get(name):
                    self.parts.append(values[name] or "")
            if tag == "input" and values.get("type") in {"submit", "button"} and values.get("value"):
                self.parts.append(values["value"] or "")
        if tag == "a" and values.get("href") and "download" not in values:
            self.links.append(values["href"] or "")
        if tag not in self.VOID:
            self.stack.append((tag, skip))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self._skipping():
            self.parts.append(data)


def _client(world, role: str, language: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    user = world.user(role)
    if user is not None:
        client.force_login(user)
    return client


def _mixed_words(world, role: str, language: str) -> tuple[int, list[str]]:
    """Crawl from / as `role`; (pages read, findings "path: word «context»")."""
    foreign = ENGLISH_WORDS if language == "fr" else FRENCH_WORDS
    known = KNOWN_MIXED[language]
    client = _client(world, role, language)
    names = {world.resident.display_name, world.business.display_name}
    queue, seen, findings, read = ["/"], {"/"}, [], 0
    while queue and read < PAGES_PER_ROLE:
        path = queue.pop(0)
        response = client.get(path, follow=True)
        path = response.request["PATH_INFO"]
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        read += 1
        parser = _Visible(language)
        parser.feed(response.content.decode("utf-8"))
        text = " ".join(" ".join(parser.parts).split())
        text = PROPER_NAMES.sub(" ", text)
        for name in names:
            text = text.replace(name, " ")
        allowed = set().union(*(words for pattern, words in known.items() if re.search(pattern, path)))
        for match in WORD.finditer(text):
            word = match.group(0)
            if word.lower() in foreign and word.lower() not in allowed:
                context = text[max(0, match.start() - 30) : match.end() + 30]
                findings.append(f"{path}: {word!r} «…{context}…»")
        for href in parser.links:
            target = urlsplit(urljoin(path, href))
            if target.scheme or target.netloc or NOT_CRAWLED.search(target.path):
                continue
            url = target.path + (f"?{target.query}" if target.query else "")
            if url not in seen:
                seen.add(url)
                queue.append(url)
    return read, findings


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fr", "en"])
def test_no_word_of_the_other_language_on_the_pages_of_each_role(language):
    from tests.crawl_world import ROLES, build_world

    world = build_world()
    report, pages = [], {}
    for role in ROLES:
        pages[role], findings = _mixed_words(world, role, language)
        report += [f"[{role}] {finding}" for finding in findings]
    assert report == [], f"{len(report)} words of the other language on {language} pages:\n" + "\n".join(report)
    assert all(count >= 3 for count in pages.values()), pages  # the crawl did reach each role's pages
