"""The portal's pages: the public home (the dashboard for a logged-in user), and the site's own
pages linked from the footer (accessibility statement, legal notice, personal data, site map,
contact). Thin: the figures come from the apps' public selectors."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crowdfunding import selectors as crowdfunding_selectors
from crowdfunding.views._common import days_text, progress_bar
from currency.selectors import public as currency_public
from ledger.units import get_unit
from ledger.views.pages import dashboard
from membership.terms import leave_url

from .navigation import menu_for

HOME_CAMPAIGNS = 3

# Shown wherever a deployment has not yet filled in a legal detail (the demo leaves them blank).
PLACEHOLDER = gettext_lazy("[to be completed]")


def home(request: HttpRequest) -> HttpResponse:
    """Logged in: the member's (or the staff's) home as the ledger renders it. Otherwise the public home."""
    if request.user.is_authenticated:
        return dashboard(request)
    campaigns = crowdfunding_selectors.campaign_list(user=request.user, status="live").prefetch_related("images")
    cards = []
    shown = list(campaigns[:HOME_CAMPAIGNS])
    progresses = crowdfunding_selectors.campaigns_progress(shown)
    for campaign in shown:
        progress = progresses[campaign.pk]
        images = list(campaign.images.all())
        cards.append(
            {
                "campaign": campaign,
                "progress": progress,
                "bar": progress_bar(campaign, progress),
                "days": days_text(campaign, progress),
                "image": images[0] if images else None,
            }
        )
    figures = currency_public.transparency_figures()
    units = [
        {
            "code": line.unit,
            "name": get_unit(line.unit).name,
            "circulation": get_unit(line.unit).format(line.circulation),
            "guarantee_fund": get_unit("EUR").format(line.guarantee_fund),
        }
        for line in figures.units
    ]
    fees = settings.BOCAGE_MEMBERSHIP_FEES
    return render(
        request,
        "portal/home.html",
        {
            "cards": cards,
            "figures": figures,
            "units": units,
            "local_unit": settings.BOCAGE_LOCAL_UNIT,
            "fee_individual": fees.get("individual", ""),
            "fee_business": fees.get("business", ""),
            "fee_association": fees.get("association", ""),
            **_organisation(),
        },
    )


def _organisation() -> dict[str, Any]:
    def value(name: str) -> Any:
        return getattr(settings, name, "") or PLACEHOLDER

    def french_name(name: str) -> Any:
        # The organisations' names are French proper nouns: marked so on English pages (WCAG 3.1.2),
        # so that a screen reader pronounces them in French.
        return format_html('<span lang="fr">{}</span>', name) if name else PLACEHOLDER

    return {
        "association_name": french_name(settings.BOCAGE_ASSOCIATION_NAME),
        "contact_email": settings.BOCAGE_CONTACT_EMAIL,
        "dpo_email": settings.BOCAGE_DPO_EMAIL or settings.BOCAGE_CONTACT_EMAIL,
        "publisher_name": french_name(getattr(settings, "BOCAGE_PUBLISHER_NAME", "")),
        "publisher_address": value("BOCAGE_PUBLISHER_ADDRESS"),
        "publisher_siret": value("BOCAGE_PUBLISHER_SIRET"),
        "publisher_director": value("BOCAGE_PUBLISHER_DIRECTOR"),
        "host_name": value("BOCAGE_HOST_NAME"),
        "host_address": value("BOCAGE_HOST_ADDRESS"),
    }


def accessibility(request: HttpRequest) -> HttpResponse:
    audited = datetime.date.fromisoformat(settings.BOCAGE_ACCESSIBILITY_AUDIT_DATE)
    return render(request, "portal/accessibility.html", {"audited_on": audited, **_organisation()})


def legal_notice(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/legal_notice.html", _organisation())


def privacy(request: HttpRequest) -> HttpResponse:
    """The privacy notice (RGPD art. 13); its retention periods come from the settings that apply
    them, so the page says what the code does (docs/PROCESSING_REGISTER.md is the operator's side)."""
    retention = {
        "login_cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        "session_days": int(settings.SESSION_COOKIE_AGE // 86400),
        "api_token_days": settings.BOCAGE_API_TOKEN_DAYS,
        # Applied by the nightly task core.tasks.retention_apply (core.retention).
        "login_log_days": settings.BOCAGE_RETENTION_LOGIN_LOG_DAYS,
        "mail_days": settings.BOCAGE_RETENTION_MAIL_DAYS,
        "notification_days": settings.BOCAGE_RETENTION_NOTIFICATION_DAYS,
        "idempotency_days": settings.BOCAGE_RETENTION_IDEMPOTENCY_DAYS,
        "signup_days": settings.BOCAGE_RETENTION_SIGNUP_DAYS,
        "export_days": settings.BOCAGE_PERSONAL_DATA_EXPORT_DAYS,
        "accounting_years": settings.BOCAGE_RETENTION_ACCOUNTING_YEARS,
    }
    return render(request, "portal/privacy.html", {**_organisation(), **retention, "leave_url": leave_url()})


def contact(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/contact.html", _organisation())


def site_map(request: HttpRequest) -> HttpResponse:
    public = [
        (_("Home"), reverse("home")),
        (_("Crowdfunding"), reverse("campaign-list")),
        (_("Cooperative"), reverse("cooperative-list")),
        (_("Where to pay in ACH"), reverse("directory")),
        (_("Transparency"), reverse("transparency")),
        (_("Accessibility"), reverse("accessibility")),
        (_("Legal notice"), reverse("legal-notice")),
        (_("Personal data"), reverse("privacy")),
        (_("Contact"), reverse("contact")),
        (_("API documentation"), reverse("api-docs")),
    ]
    if request.user.is_authenticated:
        mine = menu_for(request.user)
        account = [(_("Security"), reverse("otp-security"))]
    else:
        mine = []
        account = [(_("Log in"), reverse("login")), (_("Forgotten password"), reverse("password_reset"))]
    return render(request, "portal/site_map.html", {"public": public, "groups": mine, "account": account})
