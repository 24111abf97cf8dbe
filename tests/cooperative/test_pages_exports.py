"""Exports: the register and the holdings as CSV (exact content), the register PDF and the
certificate PDF of a subscription (who may download them, and the facts they state), the chart."""

from __future__ import annotations

import base64
import datetime
import re
import zlib

import pytest
from django.utils import translation

from cooperative.charts import Point, step_chart
from cooperative.models import ShareMovement
from cooperative.pdf import register_pdf, subscription_certificate_pdf
from cooperative.services.register import movement_cancel, share_transfer
from cooperative.services.requests import share_subscribe
from cooperative.services.setup import shareholder_admit
from tests.cooperative.helpers import administrator, college, found_scic, share_class
from tests.cooperative.test_pages_member import auditor, browse, days_ago, subscribed, writes


def in_english(render, *args):
    """A PDF made outside a request, in English (a request's language comes from its headers)."""
    with translation.override("en"):
        return render(*args)


def pdf_text(data: bytes) -> str:
    """The strings drawn by the PDF's content streams (reportlab: ASCII85 + Flate, core fonts in WinAnsi)."""
    assert data.startswith(b"%PDF-")
    shown = []
    for match in re.finditer(rb"<<(.*?)>>\s*stream\r?\n(.*?)endstream", data, re.S):
        head, body = match.group(1), match.group(2)
        if b"ASCII85Decode" in head:
            body = base64.a85decode(body.strip().removesuffix(b"~>"))
        if b"FlateDecode" in head:
            body = zlib.decompress(body)
        for string in re.finditer(rb"\((?:\\.|[^\\)])*\)", body):
            raw = re.sub(rb"\\([0-7]{1,3})", lambda m: bytes([int(m.group(1), 8)]), string.group(0)[1:-1])
            raw = re.sub(rb"\\(.)", lambda m: {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(m.group(1), m.group(1)), raw)
            shown.append(raw.decode("cp1252"))
    return "\n".join(shown).replace("\u00a0", " ")


def flat(text: str) -> str:
    """The lines a paragraph was wrapped into, joined again."""
    return re.sub(r"\s+", " ", text)


def en(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")  # English pages write the day first, as in Britain


@pytest.fixture
def story(db, make_member):
    """Hélène and Louis subscribe B shares, the community of communes 20 A; a cession; a cancellation."""
    coop = found_scic()
    admin = administrator()
    helene = subscribed(coop, make_member(username="helene", display_name="Hélène Bernard"), "B", 3, on=days_ago(10))
    public = shareholder_admit(
        cooperative=coop,
        college=college(coop, "Collectivités"),
        legal_name="Communauté de communes du Pays des Achards",
        siren="248500530",
        address="2 rue Michel-Breton, 85150 Les Achards",
        admitted_on=days_ago(8),
        actor=admin,
    )
    share_subscribe(
        cooperative=coop,
        shareholder=public,
        share_class=share_class(coop, "A"),
        quantity=20,
        board_decision="Délibération 2026-045",
        paid_on=days_ago(8),
        actor=admin,
    )
    louis = subscribed(coop, make_member(username="louis", display_name="Louis Martin"), "B", 1, on=days_ago(6))
    share_transfer(
        cooperative=coop,
        from_shareholder=helene,
        to_shareholder=louis,
        share_class=share_class(coop, "B"),
        quantity=1,
        board_decision="CA du 02/03/2026",
        effective_on=days_ago(4),
        actor=admin,
    )
    movement_cancel(
        movement=ShareMovement.objects.get(number=3), reason="Chèque rejeté", board_decision="", actor=admin
    )
    return coop


def test_the_register_csv_lists_every_movement_in_order(story):
    txn = dict(ShareMovement.objects.values_list("number", "ledger_transaction_id"))
    client = browse(administrator())
    response = client.get(f"/cooperatives/{story.pk}/register.csv?lang=en")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="register-732829320-en.csv"'
    assert response.content.decode("utf-8") == "\r\n".join(
        [
            "Number,Date,Movement,Class,Shares,From,To,Capital change (EUR),Board decision,Cancels n°,"
            "Cancelled by n°,Ledger transaction,Note",
            f"1,{days_ago(10).isoformat()},Subscription,B,3,,Hélène Bernard,60.00,CA du 05/01/2026,,,{txn[1]},",
            f"2,{days_ago(8).isoformat()},Subscription,A,20,,Communauté de communes du Pays des Achards,2000.00,"
            f"Délibération 2026-045,,,{txn[2]},",
            f"3,{days_ago(6).isoformat()},Subscription,B,1,,Louis Martin,20.00,CA du 05/01/2026,,5,{txn[3]},",
            f"4,{days_ago(4).isoformat()},Transfer (cession),B,1,Hélène Bernard,Louis Martin,0.00,CA du 02/03/2026,,,,",
            f"5,{days_ago(0).isoformat()},Cancellation,B,1,Louis Martin,,-20.00,,3,,{txn[5]},Chèque rejeté",
            "",
        ]
    )
    french = client.get(f"/cooperatives/{story.pk}/register.csv")
    assert french["Content-Disposition"] == 'attachment; filename="register-732829320.csv"'
    lines = french.content.decode("utf-8").split("\r\n")
    assert lines[0].startswith("\ufeffNuméro;Date;Mouvement;")
    first = f"1;{days_ago(10).isoformat()};Souscription;B;3;;Hélène Bernard;60,00;CA du 05/01/2026;;;{txn[1]};"
    assert lines[1] == first
    assert lines[5].endswith(";-20,00;;3;;" + f"{txn[5]};Chèque rejeté")


def test_the_holdings_csv_gives_each_holding_on_a_date(story):
    response = browse(auditor()).get(f"/cooperatives/{story.pk}/holdings.csv?on={days_ago(5).isoformat()}")
    assert response["Content-Disposition"] == (
        f'attachment; filename="holdings-732829320-{days_ago(5).isoformat()}.csv"'
    )
    assert response.content.decode("utf-8").split("\r\n")[1:] == [
        f"Communauté de communes du Pays des Achards;248500530;Collectivités;A;20;100,00;2000,00;"
        f"{days_ago(8).isoformat()}",
        f"Hélène Bernard;;Usagers;B;3;20,00;60,00;{days_ago(10).isoformat()}",
        f"Louis Martin;;Usagers;B;1;20,00;20,00;{days_ago(6).isoformat()}",
        "",
    ]
    english = browse(auditor()).get(f"/cooperatives/{story.pk}/holdings.csv?lang=en").content.decode("utf-8")
    assert english.split("\r\n")[:2] == [
        "Shareholder,SIREN,College,Class,Shares,Nominal value (EUR),Value (EUR),Admitted on",
        f"Communauté de communes du Pays des Achards,248500530,Collectivités,A,20,100.00,2000.00,"
        f"{days_ago(8).isoformat()}",
    ]
    today = browse(auditor()).get(f"/cooperatives/{story.pk}/holdings.csv").content.decode("utf-8").split("\r\n")
    assert today[2:4] == [
        f"Hélène Bernard;;Usagers;B;2;20,00;40,00;{days_ago(10).isoformat()}",
        f"Louis Martin;;Usagers;B;1;20,00;20,00;{days_ago(6).isoformat()}",
    ]


def test_the_register_pdf_states_the_cooperative_the_movements_and_the_holdings(story):
    response = browse(administrator()).get(f"/cooperatives/{story.pk}/register.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for fact in [
        "SCIC Les Tiers-Lieux des Achards",
        "SCIC (collective-interest cooperative) · SIREN 732 829 320 · registered office: 2 rue Michel-Breton, "
        "85150 Les Achards",
        "Register of shareholders and share movements",
        f"Movements recorded up to {en(days_ago(0))}, in order.",
        "Communauté de communes du Pays des Achards",
        "Délibération 2026-045",
        "Transfer (cession)",
        "Cancellation of n° 3",
        "€2,000.00",
        "-€20.00",
        "Subscribed capital: €2,060.00.",
        "Page 1 of 1",
    ]:
        assert fact in flat(text), fact
    assert text.count("Hélène Bernard") == 3  # her subscription, the cession, her holding

    earlier = pdf_text(in_english(register_pdf, story, days_ago(9)))
    assert "Subscribed capital: €60.00." in earlier
    assert "Communauté de communes du Pays des Achards" not in earlier


def test_a_long_register_runs_over_pages_numbered_with_its_header_on_each(db, make_member):
    coop = found_scic()
    holder = subscribed(coop, make_member(username="helene", display_name="Hélène Bernard"), "B", 1)
    for _ in range(70):
        share_subscribe(
            cooperative=coop,
            shareholder=holder,
            share_class=share_class(coop, "B"),
            quantity=1,
            board_decision="CA",
            actor=administrator(),
        )
    text = pdf_text(in_english(register_pdf, coop))
    pages = int(re.search(r"Page 1 of (\d+)", text).group(1))
    assert pages >= 2
    assert [f"Page {n} of {pages}" in text for n in range(1, pages + 1)] == [True] * pages
    assert text.count("Board decision") == pages  # the table's header row on every page


def test_the_certificate_is_for_its_shareholder_and_the_register_readers(story, make_member):
    url = f"/cooperatives/{story.pk}/certificates/1.pdf"
    helene = ShareMovement.objects.get(number=1).to_shareholder.member.user
    response = browse(helene).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="certificate-732829320-1.pdf"'
    text = pdf_text(response.content)
    for fact in [
        "SCIC Les Tiers-Lieux des Achards",
        "SIREN 732 829 320",
        "2 rue Michel-Breton, 85150 Les Achards",
        "Certificate of subscription of shares",
        "Hélène Bernard",
        "College: Usagers",
        "B — Usagers",
        "€20.00",
        "€60.00",
        f"n° 1 of {en(days_ago(10))}",
        "CA du 05/01/2026",
        "For the board of directors: name, capacity and signature",
    ]:
        assert fact in flat(text), fact
    assert "\n3\n" in f"\n{text}\n"  # the number of shares, in its cell
    assert browse(administrator()).get(url).status_code == 200
    assert browse(auditor()).get(url).status_code == 200
    louis = ShareMovement.objects.get(number=3).to_shareholder.member.user
    assert browse(louis).get(url).status_code == 404
    assert browse(make_member(username="jules").user).get(url).status_code == 404
    assert browse().get(url).status_code == 302
    assert browse(administrator()).get(f"/cooperatives/{story.pk}/certificates/4.pdf").status_code == 404  # a cession
    assert browse(administrator()).get(f"/cooperatives/{story.pk}/certificates/99.pdf").status_code == 404


def test_a_legal_persons_certificate_gives_its_siren_and_address(story):
    text = pdf_text(in_english(subscription_certificate_pdf, ShareMovement.objects.get(number=2)))
    for fact in [
        "Communauté de communes du Pays des Achards",
        "2 rue Michel-Breton, 85150 Les Achards",
        "SIREN 248500530",
        "College: Collectivités",
        "€100.00",
        "€2,000.00",
        "Délibération 2026-045",
    ]:
        assert fact in flat(text), fact


def test_a_cancelled_subscriptions_certificate_says_so(story):
    text = pdf_text(in_english(subscription_certificate_pdf, ShareMovement.objects.get(number=3)))
    assert f"This subscription was cancelled by movement n° 5 of {en(days_ago(0))}." in text


def test_certificates_are_in_french_by_default(story):
    helene = ShareMovement.objects.get(number=1).to_shareholder.member.user
    text = pdf_text(browse(helene, language="").get(f"/cooperatives/{story.pk}/certificates/1.pdf").content)
    assert days_ago(10).strftime("%d/%m/%Y") in text


def test_downloads_write_nothing(story):
    before = writes()
    client = browse(administrator())
    for url in ["register.csv", "holdings.csv", "register.pdf", "certificates/1.pdf"]:
        assert client.get(f"/cooperatives/{story.pk}/{url}").status_code == 200
    assert writes() == before


def test_the_step_chart_has_one_point_per_day_and_escapes_its_texts():
    days = [datetime.date(2026, 1, 5), datetime.date(2026, 2, 1), datetime.date(2026, 3, 1)]
    with translation.override("en"):
        svg = str(
            step_chart(
                chart_id="c",
                title="Capital <SCIC>",
                points=[
                    Point(day=day, value=value, label=day.strftime("%d/%m/%Y"), display=f"{value} €")
                    for day, value in zip(days, [6000, 26000, 24000], strict=True)
                ],
            )
        )
    assert svg.count('<circle class="point"') == 3
    assert [match for match in re.findall(r'data-date="([^"]+)"', svg)] == ["2026-01-05", "2026-02-01", "2026-03-01"]
    assert '<title id="c-title">Capital &lt;SCIC&gt;</title>' in svg
    assert "<title>05/01/2026: 6000 €</title>" in svg
    path = re.search(r'<path d="([^"]+)"', svg).group(1)
    assert path.count("H") == 2 and path.count("V") == 3  # a step per change after the first day
    single = str(step_chart(chart_id="s", title="t", points=[Point(days[0], 100, "05/01/2026", "1 €")]))
    assert single.count('<circle class="point"') == 1 and 'cx="320.0"' in single
