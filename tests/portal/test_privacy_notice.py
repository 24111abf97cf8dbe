"""The privacy notice (« Données personnelles ») has every part the RGPD (art. 13) and the CNIL's
guidance ask of a public body's platform, in French and in English: the controller and the DPO,
each purpose with its legal basis and retention, the retention table (both read from the settings
that apply them: BOCAGE_RETENTION_*, core.retention), the recipients, transfers, the rights and how
to exercise them, leaving (what is erased, what is kept and why), the CNIL."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import NoReverseMatch, reverse

from tests.portal.test_shell import browse, html

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"


def section(page: str, name: str) -> str:
    """The text of the page's section `data-testid=privacy-<name>`, tags removed."""
    match = re.search(rf'<section[^>]*data-testid="privacy-{name}".*?</section>', page, re.S)
    assert match is not None, name
    # Plain white space only: the French no-break spaces (U+00A0) stay as they are.
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", match.group(0)))


def test_the_french_notice_has_every_part(settings):
    settings.BOCAGE_DPO_EMAIL = "dpo@cc-achards.example"
    page = html(browse(language="fr").get("/privacy/"))
    assert page.count("<h1") == 1
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", page)
    assert headings == [
        "En bref",
        "Qui est responsable de vos données",
        "Ce qui est collecté",
        "Finalités, bases légales et durées de conservation",
        "Durées de conservation en bref",
        "Destinataires",
        "Transferts hors de l’Union européenne",
        "Cookies",
        "Vos droits",
        "Quitter Bocage",
        "Réclamation",
    ]
    controller = section(page, "controller")
    assert "SCIC du Pays des Achards" in controller
    assert controller.count("[à compléter]") == 3  # address, SIRET, representative: the demo leaves them blank
    assert 'href="mailto:dpo@cc-achards.example"' in page.split('data-testid="privacy-dpo"')[1][:80]

    purposes = section(page, "purposes")
    for basis in (
        "Le contrat d’adhésion",
        "Une obligation légale (droit comptable)",
        "Une obligation légale (droit des coopératives)",
        "Notre intérêt légitime",
        "Votre consentement, que vous pouvez retirer à tout moment",
    ):
        assert basis in purposes, basis
    assert "10 ans après la clôture de l’exercice (article L123-22 du Code de commerce)" in purposes
    assert "Tant que la coopérative existe" in purposes
    assert f"Tentatives de connexion échouées{NBSP}: comptées pendant 15 minutes, puis supprimées." in purposes
    assert "Une session prend fin 14 jours après la connexion." in purposes
    assert "Un jeton d’API expire après 30 jours sans usage." in purposes

    recipients = section(page, "recipients")
    assert "comptoirs de change" in recipients and "virement SEPA" in recipients and "L’hébergeur" in recipients
    assert section(page, "transfers").startswith(" Transferts hors de l’Union européenne Aucun.")

    rights = section(page, "rights")
    for right in ("Accès", "Rectification", "Effacement", "Portabilité", "Opposition", "Limitation"):
        assert f"{right}{NBSP}:" in rights, right
    assert "dpo@cc-achards.example" in rights

    leaving = section(page, "leaving")
    assert "votre IBAN" in leaving and "sous un pseudonyme" in leaving and "registre des parts sociales" in leaving

    complaint = section(page, "complaint")
    assert "CNIL" in complaint and "3 place de Fontenoy, TSA 80715" in complaint and "75334 Paris Cedex 07" in complaint
    assert 'href="https://www.cnil.fr"' in page


def test_the_english_notice_has_every_part():
    page = html(browse(language="en").get("/privacy/"))
    assert re.findall(r"<h2[^>]*>(.*?)</h2>", page) == [
        "In short",
        "Who is responsible",
        "What is collected",
        "Purposes, legal bases and retention",
        "Retention at a glance",
        "Who receives it",
        "Transfers outside the European Union",
        "Cookies",
        "Your rights",
        "Leaving Bocage",
        "Complaint",
    ]
    assert "[to be completed]" in section(page, "controller")
    assert 'href="mailto:contact@bocage.localhost"' in page  # no DPO address set: the contact address
    purposes = section(page, "purposes")
    assert "The membership contract" in purposes and "A legal obligation (accounting law)" in purposes
    assert "10 years after the close of the financial year" in purposes
    assert "Failed login attempts: counted for 15 minutes, then deleted." in purposes
    rights = section(page, "rights")
    assert all(right in rights for right in ("Access:", "Rectification:", "Erasure:", "Portability:", "Objection:"))
    assert "Restriction:" in rights
    assert "CNIL" in section(page, "complaint")


def test_the_retention_of_logins_follows_the_settings(settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=30)
    settings.BOCAGE_API_TOKEN_DAYS = 1
    purposes = section(html(browse(language="en").get("/privacy/")), "purposes")
    assert "counted for 30 minutes, then deleted" in purposes
    assert "An API token expires after 1 day unused." in purposes


def test_the_notice_links_the_data_export_only_once_it_exists():
    page = html(browse(language="en").get("/privacy/"))
    try:
        export = reverse("personal-data")
    except NoReverseMatch:  # the export page is built by another part of issue 19
        assert "Download everything Bocage holds about you" not in page
    else:
        assert f'href="{export}"' in page


NNBSP = "\u202f"


def test_the_retention_table_shows_the_durations_the_nightly_task_applies(settings):
    settings.BOCAGE_RETENTION_LOGIN_LOG_DAYS = 400
    settings.BOCAGE_RETENTION_MAIL_DAYS = 60
    settings.BOCAGE_RETENTION_NOTIFICATION_DAYS = 1
    settings.BOCAGE_RETENTION_IDEMPOTENCY_DAYS = 15
    settings.BOCAGE_RETENTION_SIGNUP_DAYS = 200
    settings.BOCAGE_PERSONAL_DATA_EXPORT_DAYS = 3
    settings.BOCAGE_RETENTION_ACCOUNTING_YEARS = 11
    page = html(browse(language="en").get("/privacy/"))

    rows = re.findall(r'<tr><th scope="row">(.*?)</th><td>(.*?)</td></tr>', section_html(page, "retention"))
    assert rows == [
        ("Your member record and what you publish", "Until you leave"),
        ("Accounting records: ledger entries, payouts in euros, the log of administrative actions", "11 years"),
        ("The identity of a former associate in the share register", "11 years after leaving"),
        (
            "Your consents to the terms of use and the privacy notice (proof)",
            "With the accounting records, under the pseudonym",
        ),
        ("Login history (date, network address, browser)", "400 days"),
        ("Sessions", "14 days after the login"),
        ("Notifications read", "1 day"),
        ("E-mails sent", "60 days"),
        ("Answers kept to replay an API request", "15 days"),
        ("A confirmed sign-up form; the reason of a refused application", "200 days"),
        ("A sign-up whose link was never opened", "Until the link expires"),
        ("The copy of your data you asked for", "3 days"),
    ]
    purposes = section(page, "purposes")
    assert "The login history (date, network address, browser): 400 days, then deleted." in purposes
    assert "11 years after the close of the financial year" in purposes
    assert "A notification: 1 day after you read it." in purposes
    assert "An e-mail sent (address and text): 60 days, then deleted." in purposes
    assert "a refused application: 200 days." in purposes


def test_the_french_table_and_the_leaving_section_say_what_is_erased_and_what_is_kept():
    page = html(browse(language="fr").get("/privacy/"))

    table = section(page, "retention")
    assert "Historique des connexions (date, adresse réseau, navigateur) 395 jours" in table
    assert "E-mails envoyés 90 jours" in table and "Notifications lues 365 jours" in table
    assert "L’identité d’un ancien associé dans le registre des parts sociales 10 ans après le départ" in table
    leaving = section(page, "leaving")
    assert f"Vous fermez votre compte vous-même{NNBSP}: fermer mon compte" in leaving
    assert "vos sessions fermées et tous vos jetons d’API révoqués" in leaving
    assert "pendant 10 ans puis supprimé" in leaving
    assert "vos nom et adresse d’ancien associé" in leaving and "vos nom et IBAN de bénéficiaire" in leaving
    assert "Vos consentements aux conditions d’utilisation" in leaving
    assert page.count('href="/me/close/"') == 2  # the rights and leaving
    assert 'data-testid="privacy-leave-link"' in page


def section_html(page: str, name: str) -> str:
    match = re.search(rf'<section[^>]*data-testid="privacy-{name}".*?</section>', page, re.S)
    assert match is not None, name
    return match.group(0)
