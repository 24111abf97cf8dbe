"""The site's shell: the public home, the menu by role with the current page marked, the footer's
pages in both languages, the breadcrumbs and the login page's refusal."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from currency.models import Comptoir
from members.models import Member
from tests.conftest import PASSWORD, account_of
from tests.crowdfunding.helpers import live_campaign

pytestmark = pytest.mark.django_db

FOOTER_PAGES = ["/accessibility/", "/legal-notice/", "/privacy/", "/site-map/", "/contact/"]


def browse(user=None, language: str = "fr") -> Client:
    client = Client(headers={"accept-language": language})
    if user is not None:
        assert client.login(username=user.username, password=PASSWORD)
    return client


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def nav_keys(page: str) -> set[str]:
    return set(re.findall(r'data-nav="([\w-]+)"', page))


def current_links(page: str) -> list[str]:
    return re.findall(r'data-nav="([\w-]+)" aria-current="page"', page)


# --- the public home ---------------------------------------------------------------------------


def test_an_anonymous_visitor_gets_the_public_home_with_live_campaigns_and_how_to_join(make_member):
    live_campaign(make_member(), title="Un four à pain pour Martinet")

    response = Client().get("/")
    page = html(response)

    assert response.templates[0].name == "portal/home.html"
    assert page.count("<h1") == 1
    assert "Un four à pain pour Martinet" in page
    assert 'href="/accounts/login/"' in page
    assert 'href="#join"' in page and 'id="join"' in page
    assert "Comment adhérer" in page
    assert 'href="mailto:contact@bocage.localhost"' in page
    assert 'href="/accounts/password_reset/"' in page
    assert 'href="/public/directory/"' in page
    assert 'data-testid="home-members"' in page


def test_the_public_home_in_english(make_member):
    page = html(browse(language="en").get("/"))
    assert "How to join" in page and "Log in" in page and "No campaign is open right now." in page


def test_a_logged_in_member_still_gets_their_accounts_at_the_root(make_member):
    member = make_member(username="camille")

    response = browse(member.user).get("/")
    page = html(response)

    assert response.templates[0].name == "ledger/dashboard.html"
    assert 'data-testid="balance-ACH"' in page
    assert current_links(page) == ["accounts"]


# --- the menu ------------------------------------------------------------------------------------


def test_a_plain_member_sees_the_member_groups_and_no_staff_group(make_member):
    page = html(browse(make_member(username="camille").user).get("/"))

    assert {"accounts", "pay", "payment-requests", "membership", "exchanges", "timebank"} <= nav_keys(page)
    assert {"comptoir", "reconversions", "moderation", "audit", "admin"}.isdisjoint(nav_keys(page))
    assert 'id="nav-staff"' not in page
    assert 'aria-controls="site-menu"' in page and 'aria-expanded="false"' in page


def test_staff_without_a_member_see_the_staff_group_and_no_member_only_links(staff_user):
    page = html(browse(staff_user).get("/campaigns/"))

    assert {"comptoir", "reconversions", "moderation", "audit", "admin"} <= nav_keys(page)
    assert 'id="nav-staff"' in page
    assert {"accounts", "pay", "payment-requests", "membership", "exchanges", "timebank"}.isdisjoint(nav_keys(page))
    assert current_links(page) == ["crowdfunding"]


def test_an_auditor_sees_only_audit_and_a_clerk_only_the_exchange_office(django_user_model):
    auditor = django_user_model.objects.create_user(username="auditor", password=PASSWORD)
    auditor.user_permissions.add(Permission.objects.get(codename="audit_ledger"))
    clerk = django_user_model.objects.create_user(username="clerk", password=PASSWORD)
    Comptoir.objects.create(name="Comptoir des Achards").staff.add(clerk)

    assert nav_keys(html(browse(auditor).get("/audit/"))) & {"comptoir", "audit", "admin"} == {"audit"}
    assert nav_keys(html(browse(clerk).get("/comptoir/"))) & {"comptoir", "audit", "admin"} == {"comptoir"}
    assert current_links(html(browse(auditor).get("/audit/log/"))) == ["audit"]


def test_a_business_member_finds_its_reconversions_under_its_money(make_member):
    business = make_member(Member.Kind.BUSINESS, username="bakery")
    page = html(browse(business.user).get("/reconversion/"))
    assert "my-reconversions" in nav_keys(page) and current_links(page) == ["my-reconversions"]


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/pay/", "pay"),
        ("/timebank/", "timebank"),
        ("/marketplace/", "marketplace"),
        ("/marketplace/mine/", "marketplace"),
        ("/exchanges/", "exchanges"),
        ("/public/transparency/", "transparency"),
        ("/cooperatives/", "cooperative"),
        ("/membership/", "membership"),
    ],
)
def test_exactly_one_menu_item_is_the_current_page(make_member, path, current):
    page = html(browse(make_member(username="camille").user).get(path))
    assert current_links(page) == [current]


def test_an_account_statement_marks_my_accounts(make_member):
    member = make_member(username="camille")
    account = account_of(member, "ACH")
    page = html(browse(member.user).get(f"/accounts/{account.pk}/statement/"))
    assert current_links(page) == ["accounts"]


def test_the_menu_shows_the_inbox_counts_as_badges(make_member, rf):
    from django.template import Context, Template

    member = make_member(username="camille")
    request = rf.get("/exchanges/")
    request.user = member.user
    template = Template("{% load portal %}{% site_menu %}")
    inbox = {"total": 3, "counts": {"exchanges": 2, "timebank": 1}}
    page = template.render(Context({"request": request, "user": member.user, "inbox": inbox}))

    assert re.search(r'data-nav="exchanges"[^>]*>[^<]*<span class="badge">2<span class="visually-hidden">', page)
    assert re.search(r'data-nav="timebank"[^>]*>[^<]*<span class="badge">1<', page)
    assert 'data-nav="pay"><span' not in page  # no count, no badge
    without = Template("{% load portal %}{% site_menu %}").render(Context({"request": request, "user": member.user}))
    assert 'class="badge"' not in without


def test_the_messages_are_a_live_region_around_a_plain_list(make_member):
    page = html(browse(make_member(username="camille").user).get("/"))
    assert '<div class="messages" role="status">' in page
    assert '<ul class="messages" role="status">' not in page


# --- the footer and its pages --------------------------------------------------------------------


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("path", FOOTER_PAGES)
def test_the_footer_pages_answer_in_both_languages_with_one_h1(path, language):
    page = html(browse(language=language).get(path))
    assert page.count("<h1") == 1
    assert f'<html lang="{language}">' in page
    assert f'href="{path}"' in page  # the footer links to it
    assert 'class="breadcrumbs"' in page and 'aria-current="page"' in page


def test_the_accessibility_statement_says_partially_compliant_with_its_date_and_the_recourse():
    page = html(browse().get("/accessibility/"))
    assert "partiellement conforme" in page
    assert "6 décembre 2026" in page
    assert "Défenseur des droits" in page
    assert "axe-core" in page


def test_the_legal_notice_marks_what_the_deployment_must_fill_in(settings):
    page = html(browse().get("/legal-notice/"))
    assert "SCIC du Pays des Achards" in page
    assert page.count("[à compléter]") >= 3

    settings.BOCAGE_PUBLISHER_SIRET = "123 456 789 00012"
    assert "123 456 789 00012" in html(browse().get("/legal-notice/"))


def test_the_privacy_page_gives_the_ledger_s_ten_years_and_the_contact():
    page = html(browse().get("/privacy/"))
    assert "10 ans" in page and "mailto:contact@bocage.localhost" in page and "CNIL" in page


def test_the_site_map_lists_the_public_pages_and_a_member_s_menu(make_member):
    anonymous = html(browse().get("/site-map/"))
    assert 'href="/public/transparency/"' in anonymous and 'href="/pay/"' not in anonymous
    member = html(browse(make_member(username="camille").user).get("/site-map/"))
    assert 'href="/pay/"' in member and 'href="/timebank/"' in member


# --- breadcrumbs ---------------------------------------------------------------------------------


def test_a_campaign_page_has_breadcrumbs_back_to_the_list(make_member):
    campaign = live_campaign(make_member(), title="Un four à pain")
    page = html(browse().get(f"/campaigns/{campaign.pk}/"))
    crumbs = re.search(r'<nav class="breadcrumbs".*?</nav>', page, re.S)
    assert crumbs is not None
    assert 'href="/campaigns/"' in crumbs.group(0)
    assert '<span aria-current="page">Un four à pain</span>' in crumbs.group(0)


# --- logging in ----------------------------------------------------------------------------------


def test_a_wrong_password_is_refused_naming_the_field_as_labelled(make_member):
    make_member(username="camille")
    response = Client().post("/accounts/login/", {"username": "camille", "password": "wrong"})
    page = html(response)
    assert "Identifiant ou mot de passe incorrect" in page
    assert "nom d’utilisateur" not in page and "nom d'utilisateur" not in page
    assert 'href="/accounts/password_reset/"' in page


def test_the_password_reset_pages_are_the_site_s_own():
    page = html(browse().get("/accounts/password_reset/"))
    assert "Mot de passe oublié" in page and 'name="email"' in page and page.count("<h1") == 1


def test_a_forgotten_password_is_reset_through_the_mail_and_the_site_s_pages(
    make_member, django_capture_on_commit_callbacks, mailoutbox
):
    member = make_member(username="camille", email="camille@bocage.test")
    client = browse()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post("/accounts/password_reset/", {"email": "camille@bocage.test"}, follow=True)
    assert "Consultez votre messagerie" in html(sent)

    link = re.search(r"/accounts/reset/\S+/\S+/", mailoutbox[0].body)
    assert link is not None
    form = client.get(link.group(0), follow=True)
    assert "Choisir un nouveau mot de passe" in html(form) and 'name="new_password1"' in html(form)
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link.group(0),
        {"new_password1": "un-jardin-partage-2026", "new_password2": "un-jardin-partage-2026"},
        follow=True,
    )
    assert "Mot de passe changé" in html(done)
    assert Client().login(username="camille", password="un-jardin-partage-2026")
    member.user.refresh_from_db()
    assert member.user.check_password("un-jardin-partage-2026")


def test_a_used_reset_link_says_so_and_offers_a_new_one():
    page = html(browse().get("/accounts/reset/MQ/set-password/"))
    assert "Ce lien n’est plus valable" in page and 'href="/accounts/password_reset/"' in page
