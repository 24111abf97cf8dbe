"""The privacy notice (« Données personnelles ») has every part the RGPD (art. 13) and the CNIL's
guidance ask of a public body's platform, in French and in English: the controller and the DPO,
each purpose with its legal basis and retention (the security ones read from the settings that
apply them), the recipients, transfers, the rights and how to exercise them, leaving, the CNIL."""

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
