"""core.inbox: the registry, the per-request inbox, the context processor, and the home page
("To handle") for a member, a member with nothing to do, and staff without a member."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from djmoney.money import Money

from core import inbox as registry
from core.context_processors import inbox as inbox_processor
from core.inbox import MEMBER, STAFF, Inbox, InboxItem, inbox_for, inbox_of, register, registered
from crowdfunding.services.campaigns import campaign_submit
from members.models import Member
from tests.crowdfunding.helpers import draft_campaign
from tests.exchange.test_exchange_support import listing_of, propose
from tests.factories import PASSWORD, account_of, fund, moderator
from timebank.services import service_record_create


def test_counts_add_up_per_key_and_shortcuts_count_nowhere():
    inbox = Inbox(
        [
            InboxItem(key="reconversions", label="a", url="/r/", kind=STAFF, count=2),
            InboxItem(key="reconversions", label="b", url="/r/", kind=STAFF, count=1),
            InboxItem(key="exchanges", label="c", url="/e/", kind=MEMBER, count=4),
            InboxItem(key="comptoir", label="d", url="/c/", kind=STAFF, count=None),
        ]
    )
    assert (inbox.total, inbox.counts) == (7, {"reconversions": 3, "exchanges": 4})
    assert [item.label for item in inbox.items] == ["a", "b", "c"]
    assert [item.label for item in inbox.member_items] == ["c"]
    assert [item.label for item in inbox.shortcuts] == ["d"]
    assert bool(inbox) and not bool(Inbox([]))


def test_registering_twice_keeps_one_provider(monkeypatch):
    monkeypatch.setattr(registry, "_providers", [])

    def provider(user):
        return []

    register(provider)
    register(provider, provider)
    assert registered() == [provider]


def test_every_app_registers_its_providers():
    names = {f"{provider.__module__}.{provider.__name__}" for provider in registered()}
    assert names == {
        "exchange.inbox.exchanges_to_answer",
        "exchange.inbox.disputes_to_resolve",
        "timebank.inbox.services_to_confirm",
        "currency.inbox.payment_requests_open",
        "currency.inbox.reconversions_to_handle",
        "currency.inbox.comptoir_shortcut",
        "crowdfunding.inbox.campaigns_ending_soon",
        "crowdfunding.inbox.campaigns_to_moderate",
        "cooperative.inbox.requests_to_approve",
        "ledger.inbox.failed_exports",
        "ledger.inbox.audit_shortcut",
        "membership.inbox.applications_to_decide",
    }


def test_a_visitor_has_no_inbox_and_no_provider_runs(monkeypatch):
    calls = []
    monkeypatch.setattr(registry, "_providers", [lambda user: calls.append(user) or []])
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    assert inbox_processor(request) == {}
    assert inbox_of(AnonymousUser()).total == 0 and calls == []


@pytest.mark.django_db
def test_the_context_processor_is_lazy_and_computes_once_per_request(monkeypatch, django_user_model):
    calls = []

    def provider(user):
        calls.append(user.pk)
        return [InboxItem(key="exchanges", label="x", url="/", count=3)]

    monkeypatch.setattr(registry, "_providers", [provider])
    request = RequestFactory().get("/")
    request.user = django_user_model.objects.create_user("camille", password=PASSWORD)
    context = inbox_processor(request)
    assert calls == []  # nothing runs until a template reads it
    assert (context["inbox"].total, context["inbox"].counts) == (3, {"exchanges": 3})
    assert context["inbox"].counts["exchanges"] == 3 and inbox_for(request).total == 3
    assert calls == [request.user.pk]


# --- the home page ------------------------------------------------------------------------------


@pytest.fixture
def busy_member(make_member):
    """Louise, a seller with 2 proposed exchanges to answer and 1 service received to confirm."""
    louise = make_member(username="louise", display_name="Louise Gaborit")
    bread = listing_of(louise, unit="GRN", price=2500)
    propose(bread, make_member(username="a"))
    propose(bread, make_member(username="b"))
    gardener = make_member(username="jardinier")
    service_record_create(
        provider=gardener, receiver=louise, hours=Money("1.5", "HRS"), description="Taille de haie", actor=gardener.user
    )
    fund(account_of(louise, "ACH"), "12")
    return louise


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_a_member_sees_what_waits_for_them_above_their_accounts(client, busy_member):
    assert inbox_of(busy_member.user).counts == {"exchanges": 2, "timebank": 1}
    client.force_login(busy_member.user)
    page = html(client.get("/"))
    assert page.count("<h1") == 1 and "<h1>Mes comptes</h1>" in page
    inbox_at, accounts_at = page.index('data-testid="inbox"'), page.index('class="card account"')
    assert inbox_at < accounts_at
    assert (
        '<span class="inbox-count">2</span> <span class="inbox-label">échanges attendent votre réponse</span>' in page
    )
    assert '<span class="inbox-count">1</span> <span class="inbox-label">service reçu à confirmer</span>' in page
    assert 'href="/exchanges/"' in page and 'href="/timebank/"' in page
    assert "Rien à traiter" not in page and "12,00" in page


def test_the_labels_follow_the_readers_language(client, busy_member):
    client.force_login(busy_member.user)
    page = html(client.get("/", headers={"accept-language": "en"}))
    assert "exchanges waiting for your answer" in page and "service received to confirm" in page
    assert '<h2 id="inbox-title">To handle</h2>' in page


def test_another_member_has_nothing_to_handle(client, busy_member, make_member):
    other = make_member(username="paul")
    assert inbox_of(other.user).counts == {}
    client.force_login(other.user)
    page = html(client.get("/"))
    assert "Rien à traiter." in page and "inbox-count" not in page
    assert "Vous n’avez pas encore de compte" not in page and "pas encore de compte" not in page


def test_staff_without_a_member_land_on_their_queue_not_on_no_account(client, make_member):
    owner = make_member(username="fablab")
    for title in ("Un", "Deux"):
        campaign_submit(campaign=draft_campaign(owner, title=title), actor=owner.user)
    staff = moderator()
    assert not Member.objects.filter(user=staff).exists()
    client.force_login(staff)
    page = html(client.get("/"))
    assert page.count("<h1") == 1 and '<h1 id="inbox-title">À traiter</h1>' in page
    assert "<title>À traiter" in page
    assert '<span class="inbox-count">2</span> <span class="inbox-label">campagnes à modérer</span>' in page
    assert 'href="/campaigns/moderation/"' in page
    assert "pas encore de compte" not in page and "Mes comptes</h1>" not in page
    # Their work places, as shortcuts: the audit (staff read the books), the reconversions and the
    # cooperatives (nothing waits there), never the moderation page twice.
    inbox = page[page.index('data-testid="inbox"') : page.index("</section>")]
    assert "Vos espaces de travail" in inbox
    assert 'href="/audit/"' in inbox and 'href="/reconversion/"' in inbox and 'href="/cooperatives/"' in inbox
    assert inbox.count('href="/campaigns/moderation/"') == 1


def test_a_member_without_accounts_still_reads_the_no_account_sentence(client, make_member):
    member = make_member(username="sans-compte")
    from ledger.models import Account

    Account.objects.filter(holder=member).delete()
    client.force_login(member.user)
    page = html(client.get("/"))
    assert "pas encore de compte" in page and "Rien à traiter." in page


def test_the_home_page_runs_a_bounded_number_of_queries(client, busy_member, django_assert_max_num_queries):
    client.force_login(busy_member.user)
    client.get("/")  # warm the caches (kinds, units, content types); 15 queries today, 7 of them the inbox
    with django_assert_max_num_queries(18):
        html(client.get("/"))


def test_the_home_page_asks_the_providers_once(client, make_member, monkeypatch):
    calls = []

    def provider(user):
        calls.append(user.pk)
        return [InboxItem(key="exchanges", label="échange de test", url="/exchanges/", count=4)]

    monkeypatch.setattr(registry, "_providers", [provider])
    member = make_member(username="camille")
    client.force_login(member.user)
    page = html(client.get("/"))
    assert '<span class="inbox-count">4</span> <span class="inbox-label">échange de test</span>' in page
    assert calls == [member.user.pk]
