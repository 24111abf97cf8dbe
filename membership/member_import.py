"""Importing members from a CSV file (the spreadsheet a SEL or an association already keeps).

The file is read as it comes: UTF-8 with or without a BOM, else Windows-1252/Latin-1; `;` (the
French spreadsheet's), `,` or tab between columns, whichever the header line uses. Headers are
matched without regard to case, accents, spaces or dashes, in French or English (COLUMNS).

Each line goes through the same path, `line_import`, whether checked or imported: a check runs every
line inside one transaction that is rolled back (members_import(dry_run=True)), so its verdict is
the real run's. A line whose e-mail or username is already a member's is "already a member" and
skipped, so importing a file again creates nothing new.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import InvalidInput
from core.text import search_key
from core.typing import Actor
from members.models import Commune, Member

MAX_BYTES = 2 * 1024 * 1024
# One request imports the file: each line is its own transaction (~13 ms on PostgreSQL, idle), and
# 1,000 lines stay well inside the workers' 30 s. A request cut short leaves whole members only;
# importing the same file again finishes the job (those already created are skipped).
MAX_LINES = 1000

# Each column: its name in the template (French), then the other names accepted, folded (search_key
# without spaces). The first is also how the report names the column.
COLUMNS: dict[str, tuple[str, ...]] = {
    "kind": ("type", "kind", "genre", "categorie", "statut"),
    "display_name": ("nom", "name", "displayname", "nomaffiche", "raisonsociale"),
    "username": ("identifiant", "username", "login", "utilisateur"),
    "email": ("email", "mail", "courriel", "adressemail", "adresseelectronique"),
    "commune": ("commune", "town", "city", "ville"),
    "address": ("adresse", "address"),
    "phone": ("telephone", "phone", "tel", "portable", "mobile"),
    "siren": ("siren",),
    "siret": ("siret",),
    "vat_number": ("tva", "vat", "vatnumber", "numerotva", "tvaintracommunautaire"),
    "rna": ("rna", "numerorna"),
}
TEMPLATE_HEADER = [names[0] for names in COLUMNS.values()]
REQUIRED = ("display_name", "email")

KINDS: dict[str, str] = {
    **dict.fromkeys(("", "particulier", "individu", "personne", "individual", "person"), Member.Kind.INDIVIDUAL),
    **dict.fromkeys(
        (
            "entreprise",
            "professionnel",
            "prestataire",
            "professionnelprestataire",
            "pro",
            "commerce",
            "business",
            "company",
        ),
        Member.Kind.BUSINESS,
    ),
    **dict.fromkeys(("association", "asso"), Member.Kind.ASSOCIATION),
}
USERNAME = re.compile(r"^[\w.@+-]+\Z")

CREATED = "created"
WOULD_CREATE = "would_create"
EXISTING = "existing"
REFUSED = "refused"
OUTCOMES = {
    CREATED: gettext_lazy("created"),
    WOULD_CREATE: gettext_lazy("will be created"),
    EXISTING: gettext_lazy("already a member"),
    REFUSED: gettext_lazy("refused"),
}


class ImportFileError(InvalidInput):
    """The file as a whole cannot be read (too big, too long, no header we know)."""

    code = "import_file_invalid"


def _folded(header: str) -> str:
    return search_key(header).replace(" ", "")


@dataclass
class ParsedFile:
    lines: list[tuple[int, dict[str, str]]]  # (line number in the file, {field: raw value})
    ignored_columns: list[str]


@dataclass
class LineResult:
    line: int
    name: str
    email: str
    outcome: str
    errors: list[str] = field(default_factory=list)
    username: str = ""
    member_id: int | None = None

    @property
    def outcome_label(self) -> str:
        return str(OUTCOMES[self.outcome])


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (its BOM dropped) if it is UTF-8, else Windows-1252, else Latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")  # every byte is a Latin-1 character: never fails


def parse(data: bytes) -> ParsedFile:
    """The file's lines as {field: value}; ImportFileError when the file as a whole is refused."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 2 MB: split it into several files."))
    text = decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(rows, None)
    if not header or not any(cell.strip() for cell in header):
        raise ImportFileError(_("The file is empty."))
    names = {_folded(name): column for column, aliases in COLUMNS.items() for name in aliases}
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for position, title in enumerate(header):
        column = names.get(_folded(title))
        if column is None or column in positions:
            if title.strip():
                ignored.append(title.strip())
            continue
        positions[column] = position
    missing = [COLUMNS[column][0] for column in REQUIRED if column not in positions]
    if missing:
        raise ImportFileError(
            _("The file has no column named %(columns)s: its first line must name the columns (see the template).")
            % {"columns": ", ".join(missing)}
        )
    lines: list[tuple[int, dict[str, str]]] = []
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue  # a blank line of the spreadsheet
        if len(lines) >= MAX_LINES:
            raise ImportFileError(
                _("The file has more than %(count)s members: split it into several files.") % {"count": MAX_LINES}
            )
        values = {column: (row[at].strip() if at < len(row) else "") for column, at in positions.items()}
        lines.append((rows.line_num, values))
    return ParsedFile(lines=lines, ignored_columns=ignored)


def _commune(raw: str, communes: list[Commune]) -> Commune | None:
    """A commune by name (accents and case aside), INSEE code or postal code when only one has it."""
    key = search_key(raw)
    for commune in communes:
        if search_key(commune.name) == key or (commune.insee_code and commune.insee_code == raw):
            return commune
    by_postal_code = [commune for commune in communes if commune.postal_code == raw]
    return by_postal_code[0] if len(by_postal_code) == 1 else None


def _column(field_name: str) -> str:
    return COLUMNS.get(field_name, (field_name,))[0]


def _refusal(field_name: str, message: Any) -> str:
    return _("column “%(column)s”: %(error)s") % {"column": _column(field_name), "error": message}


def line_import(
    *,
    actor: Actor,
    number: int,
    values: dict[str, str],
    communes: list[Commune],
    seen: dict[str, int],
    dry_run: bool,
    create: Callable[..., Member],
) -> LineResult:
    """One line: checked, then created by `create` (membership.services.member_invite, which calls
    this from members_import) in the caller's transaction, or refused with every reason, or skipped."""
    name, email, username = values.get("display_name", ""), values.get("email", ""), values.get("username", "")
    result = LineResult(line=number, name=name, email=email, outcome=REFUSED, username=username)
    errors = result.errors
    if not name:
        errors.append(_refusal("display_name", _("The name is missing.")))
    if not email:
        errors.append(_refusal("email", _("The e-mail address is missing: the member needs it to choose a password.")))
    else:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(_refusal("email", _("This is not an e-mail address.")))
    if username and (len(username) > 150 or not USERNAME.match(username)):
        errors.append(_refusal("username", _("Letters, digits and @/./+/-/_ only.")))
    kind = KINDS.get(_folded(values.get("kind", "")))
    if kind is None:
        errors.append(_refusal("kind", _("Unknown kind: write particulier, entreprise or association.")))
    commune = None
    if values.get("commune"):
        commune = _commune(values["commune"], communes)
        if commune is None:
            unknown = _("“%(commune)s” is not a commune of the territory.") % {"commune": values["commune"]}
            errors.append(_refusal("commune", unknown))
    for field_name, limit in (("display_name", 150), ("address", 255), ("phone", 30)):
        if len(values.get(field_name, "")) > limit:
            errors.append(_refusal(field_name, _("At most %(limit)s characters.") % {"limit": limit}))
    for key in (f"email:{email.lower()}" if email else "", f"username:{username.lower()}" if username else ""):
        if key and key in seen:
            what = _column(key.split(":")[0])
            errors.append(_("Same %(what)s as line %(line)s.") % {"what": what, "line": seen[key]})
    if errors:
        return result
    for key in (f"email:{email.lower()}", f"username:{username.lower()}" if username else ""):
        if key:
            seen[key] = number
    users = get_user_model().objects
    if users.filter(email__iexact=email).exists() or (username and users.filter(username__iexact=username).exists()):
        result.outcome = EXISTING
        return result
    numbers = {column: values.get(column, "") for column in ("siren", "siret", "vat_number", "rna")}
    try:
        member = create(
            actor=actor,
            username=username,
            display_name=name,
            kind=kind,
            email=email,
            commune=commune,
            address=values.get("address", ""),
            phone=values.get("phone", ""),
            mail=not dry_run,
            **numbers,
        )
    except InvalidInput as exc:
        for field_name, messages in (exc.fields or {}).items():
            for message in messages if isinstance(messages, (list, tuple)) else [messages]:
                errors.append(_refusal(field_name, message))
        if not exc.fields:
            errors.append(str(exc.message))
        return result
    result.outcome = WOULD_CREATE if dry_run else CREATED
    result.username, result.member_id = member.user.username, member.pk
    return result


def counts(results: Iterable[LineResult]) -> dict[str, int]:
    totals = dict.fromkeys(OUTCOMES, 0)
    for result in results:
        totals[result.outcome] += 1
    return totals
