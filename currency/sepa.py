"""SEPA credit-transfer files (ISO 20022 pain.001.001.03), built with the standard library.

`build_pain_001` writes the file a bank's upload page accepts; `pain_001_problems` checks its
structure (required elements in schema order, formats, lengths, sums) without the official XSD,
which is not shipped here: every export is checked before it is stored, and the tests use it.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
MAX_ID = 35
MAX_NAME = 70
MAX_REMITTANCE = 140
# The EPC's basic Latin character set, which every SEPA bank accepts.
_NOT_SEPA = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
_ID = re.compile(r"^[A-Za-z0-9/\-?:().,'+]{1,35}$")
_IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
_BIC = re.compile(r"^[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?$")
_AMOUNT = re.compile(r"^[0-9]{1,15}\.[0-9]{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class SepaTransfer:
    end_to_end_id: str
    amount: Decimal  # euros
    creditor_name: str
    iban: str
    bic: str  # may be empty
    remittance: str


def sepa_text(value: str, limit: int) -> str:
    """Accents dropped (é → e), other characters outside the SEPA set become spaces, cut to `limit`."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    cleaned = " ".join(_NOT_SEPA.sub(" ", ascii_text).split())
    return cleaned[:limit].strip() or "-"


def new_message_id(now: datetime.datetime) -> str:
    """Unique and at most 35 characters: BOCAGE-20261125103000-1a2b3c4d (30)."""
    return f"BOCAGE-{now:%Y%m%d%H%M%S}-{uuid.uuid4().hex[:8]}"


def sepa_amount(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):.2f}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{NAMESPACE}}}{tag}", attributes)
    if text is not None:
        element.text = text
    return element


def _agent(parent: ET.Element, tag: str, bic: str) -> None:
    institution = _sub(_sub(parent, tag), "FinInstnId")
    if bic:
        _sub(institution, "BIC", bic)
    else:
        _sub(_sub(institution, "Othr"), "Id", "NOTPROVIDED")


def build_pain_001(
    *,
    message_id: str,
    created_at: datetime.datetime,
    execution_date: datetime.date,
    debtor_name: str,
    debtor_iban: str,
    debtor_bic: str,
    transfers: Sequence[SepaTransfer],
) -> str:
    """One CstmrCdtTrfInitn with one PmtInf (SEPA, TRF) and one CdtTrfTxInf per transfer."""
    if not transfers:
        raise ValueError("a credit-transfer file needs at least one transfer")
    count = str(len(transfers))
    total = sepa_amount(sum((transfer.amount for transfer in transfers), Decimal(0)))
    ET.register_namespace("", NAMESPACE)
    document = ET.Element(f"{{{NAMESPACE}}}Document")
    initiation = _sub(document, "CstmrCdtTrfInitn")

    header = _sub(initiation, "GrpHdr")
    _sub(header, "MsgId", message_id)
    _sub(header, "CreDtTm", created_at.replace(tzinfo=None).isoformat(timespec="seconds"))
    _sub(header, "NbOfTxs", count)
    _sub(header, "CtrlSum", total)
    _sub(_sub(header, "InitgPty"), "Nm", sepa_text(debtor_name, MAX_NAME))

    payment = _sub(initiation, "PmtInf")
    _sub(payment, "PmtInfId", f"{message_id[: MAX_ID - 2]}-1")
    _sub(payment, "PmtMtd", "TRF")
    _sub(payment, "BtchBookg", "true")
    _sub(payment, "NbOfTxs", count)
    _sub(payment, "CtrlSum", total)
    _sub(_sub(_sub(payment, "PmtTpInf"), "SvcLvl"), "Cd", "SEPA")
    _sub(payment, "ReqdExctnDt", execution_date.isoformat())
    _sub(_sub(payment, "Dbtr"), "Nm", sepa_text(debtor_name, MAX_NAME))
    _sub(_sub(_sub(payment, "DbtrAcct"), "Id"), "IBAN", debtor_iban)
    _agent(payment, "DbtrAgt", debtor_bic)
    _sub(payment, "ChrgBr", "SLEV")

    for transfer in transfers:
        item = _sub(payment, "CdtTrfTxInf")
        _sub(_sub(item, "PmtId"), "EndToEndId", transfer.end_to_end_id)
        _sub(_sub(item, "Amt"), "InstdAmt", sepa_amount(transfer.amount), Ccy="EUR")
        if transfer.bic:
            _agent(item, "CdtrAgt", transfer.bic)
        _sub(_sub(item, "Cdtr"), "Nm", sepa_text(transfer.creditor_name, MAX_NAME))
        _sub(_sub(_sub(item, "CdtrAcct"), "Id"), "IBAN", transfer.iban)
        _sub(_sub(item, "RmtInf"), "Ustrd", sepa_text(transfer.remittance, MAX_REMITTANCE))

    ET.indent(document)
    xml = ET.tostring(document, encoding="unicode", xml_declaration=False)
    text = '<?xml version="1.0" encoding="UTF-8"?>\n' + xml + "\n"
    problems = pain_001_problems(text)
    if problems:
        raise ValueError("invalid pain.001: " + "; ".join(problems))
    return text


# --- structural check -------------------------------------------------------------------------

# Children in schema order: (tag, required). Elements the file never writes are left out; the
# check refuses any child it does not know, so the order of those it writes is checked strictly.
_ORDER: dict[str, list[tuple[str, bool]]] = {
    "CstmrCdtTrfInitn": [("GrpHdr", True), ("PmtInf", True)],
    "GrpHdr": [("MsgId", True), ("CreDtTm", True), ("NbOfTxs", True), ("CtrlSum", False), ("InitgPty", True)],
    "PmtInf": [
        ("PmtInfId", True),
        ("PmtMtd", True),
        ("BtchBookg", False),
        ("NbOfTxs", False),
        ("CtrlSum", False),
        ("PmtTpInf", False),
        ("ReqdExctnDt", True),
        ("Dbtr", True),
        ("DbtrAcct", True),
        ("DbtrAgt", True),
        ("ChrgBr", False),
        ("CdtTrfTxInf", True),
    ],
    "CdtTrfTxInf": [
        ("PmtId", True),
        ("Amt", True),
        ("CdtrAgt", False),
        ("Cdtr", True),
        ("CdtrAcct", True),
        ("RmtInf", False),
    ],
}
_REPEATABLE = {"PmtInf", "CdtTrfTxInf"}


def _local(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _check_order(element: ET.Element, problems: list[str]) -> None:
    expected = _ORDER[_local(element)]
    names = [name for name, _required in expected]
    seen = [_local(child) for child in element]
    for child in element:
        if not child.tag.startswith(f"{{{NAMESPACE}}}"):
            problems.append(f"{_local(element)}: {child.tag} is outside the pain.001.001.03 namespace")
    unknown = [name for name in seen if name not in names]
    if unknown:
        problems.append(f"{_local(element)}: unexpected {unknown}")
        return
    positions = [names.index(name) for name in seen]
    if positions != sorted(positions):
        problems.append(f"{_local(element)}: children out of order {seen}")
    for name, required in expected:
        occurrences = seen.count(name)
        if required and occurrences == 0:
            problems.append(f"{_local(element)}: {name} is missing")
        if occurrences > 1 and name not in _REPEATABLE:
            problems.append(f"{_local(element)}: {name} appears {occurrences} times")


def _text(element: ET.Element, path: str) -> str | None:
    found = element.find(path, {"p": NAMESPACE})
    return None if found is None else (found.text or "")


def _expect(problems: list[str], value: str | None, pattern: re.Pattern[str], what: str) -> None:
    if value is None or not pattern.match(value):
        problems.append(f"{what}: {value!r} is not valid")


def _check_name(problems: list[str], value: str | None, what: str) -> None:
    if not value or len(value) > MAX_NAME or _NOT_SEPA.search(value):
        problems.append(f"{what}: {value!r} is not a SEPA name (1–70 basic Latin characters)")


def pain_001_problems(xml: str) -> list[str]:
    """What is wrong with a pain.001.001.03 credit-transfer file, as this app writes them (empty: fine)."""
    try:
        root = ET.fromstring(xml)  # noqa: S314  # our own output, never a foreign file
    except ET.ParseError as exc:
        return [f"not well-formed XML: {exc}"]
    problems: list[str] = []
    if root.tag != f"{{{NAMESPACE}}}Document":
        return [f"the root is {root.tag}, not {{{NAMESPACE}}}Document"]
    initiations = list(root)
    if [_local(child) for child in initiations] != ["CstmrCdtTrfInitn"]:
        return ["Document must hold exactly one CstmrCdtTrfInitn"]
    initiation = initiations[0]
    _check_order(initiation, problems)
    header = initiation.find("p:GrpHdr", {"p": NAMESPACE})
    if header is None:
        return problems
    _check_order(header, problems)
    _expect(problems, _text(header, "p:MsgId"), _ID, "GrpHdr/MsgId")
    _expect(problems, _text(header, "p:CreDtTm"), _DATETIME, "GrpHdr/CreDtTm")
    _check_name(problems, _text(header, "p:InitgPty/p:Nm"), "GrpHdr/InitgPty/Nm")

    amounts: list[Decimal] = []
    for payment in initiation.findall("p:PmtInf", {"p": NAMESPACE}):
        _check_order(payment, problems)
        _expect(problems, _text(payment, "p:PmtInfId"), _ID, "PmtInf/PmtInfId")
        if _text(payment, "p:PmtMtd") != "TRF":
            problems.append("PmtInf/PmtMtd must be TRF")
        _expect(problems, _text(payment, "p:ReqdExctnDt"), _DATE, "PmtInf/ReqdExctnDt")
        _check_name(problems, _text(payment, "p:Dbtr/p:Nm"), "PmtInf/Dbtr/Nm")
        _expect(problems, _text(payment, "p:DbtrAcct/p:Id/p:IBAN"), _IBAN, "PmtInf/DbtrAcct/IBAN")
        debtor_bic = _text(payment, "p:DbtrAgt/p:FinInstnId/p:BIC")
        if debtor_bic is not None:
            _expect(problems, debtor_bic, _BIC, "PmtInf/DbtrAgt/BIC")
        elif _text(payment, "p:DbtrAgt/p:FinInstnId/p:Othr/p:Id") != "NOTPROVIDED":
            problems.append("PmtInf/DbtrAgt needs a BIC or Othr/Id NOTPROVIDED")
        payment_amounts: list[Decimal] = []
        for item in payment.findall("p:CdtTrfTxInf", {"p": NAMESPACE}):
            _check_order(item, problems)
            _expect(problems, _text(item, "p:PmtId/p:EndToEndId"), _ID, "CdtTrfTxInf/EndToEndId")
            amount = item.find("p:Amt/p:InstdAmt", {"p": NAMESPACE})
            if amount is None or amount.get("Ccy") != "EUR" or not _AMOUNT.match(amount.text or ""):
                problems.append("CdtTrfTxInf/Amt/InstdAmt must be a EUR amount like 12.50")
            elif Decimal(amount.text or "0") <= 0:
                problems.append("CdtTrfTxInf/Amt/InstdAmt must be more than zero")
            else:
                payment_amounts.append(Decimal(amount.text or "0"))
            bic = _text(item, "p:CdtrAgt/p:FinInstnId/p:BIC")
            if item.find("p:CdtrAgt", {"p": NAMESPACE}) is not None:
                _expect(problems, bic, _BIC, "CdtTrfTxInf/CdtrAgt/BIC")
            _check_name(problems, _text(item, "p:Cdtr/p:Nm"), "CdtTrfTxInf/Cdtr/Nm")
            _expect(problems, _text(item, "p:CdtrAcct/p:Id/p:IBAN"), _IBAN, "CdtTrfTxInf/CdtrAcct/IBAN")
            remittance = _text(item, "p:RmtInf/p:Ustrd")
            if remittance is not None and not 1 <= len(remittance) <= MAX_REMITTANCE:
                problems.append("CdtTrfTxInf/RmtInf/Ustrd must be 1–140 characters")
        if _text(payment, "p:NbOfTxs") not in (None, str(len(payment_amounts))):
            problems.append("PmtInf/NbOfTxs does not count its transfers")
        if _text(payment, "p:CtrlSum") not in (None, sepa_amount(sum(payment_amounts, Decimal(0)))):
            problems.append("PmtInf/CtrlSum is not the sum of its transfers")
        amounts += payment_amounts

    if _text(header, "p:NbOfTxs") != str(len(amounts)):
        problems.append("GrpHdr/NbOfTxs does not count the transfers")
    control_sum = _text(header, "p:CtrlSum")
    if control_sum is not None and control_sum != sepa_amount(sum(amounts, Decimal(0))):
        problems.append("GrpHdr/CtrlSum is not the sum of the transfers")
    return problems
