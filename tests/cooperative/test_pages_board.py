"""The administrators' pages: who may see them (administrators, auditors read-only) and who gets a
404; the approvals queue (approve, reject, mark paid), the register and its cancel form, holdings
and capital at a date, colleges, admitting shareholders, transfers, the general assembly's tally."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User

from cooperative.models import Cooperative, RedemptionRequest, Shareholder, ShareMovement, SubscriptionRequest
from cooperative.selectors import capital_at, shares_of
from cooperative.services.requests import (
    redemption_request_approve,
    redemption_request_create,
    subscription_request_approve,
    subscription_request_create,
    subscription_request_reject,
)
from cooperative.services.setup import cooperative_create
from core.l10n import format_long_date
from ledger.models import Transaction
from tests.conftest import PASSWORD
from tests.cooperative.helpers import administrator, college, found_scic, share_class
from tests.cooperative.test_pages_member import auditor, browse, days_ago, html, subscribed, writes

BOARD_PAGES = [
    "approvals/",
    "register/",
    "holdings/",
    "holdings/?on=2026-01-01",
    "capital/",
    "colleges/",
    "shareholders/",
    "transfer/",
    "assembly/",
    "register.csv",
    "holdings.csv",
    "register.pdf",
]


@pytest.fixture
def helene(make_member):
    return make_member(username="helene", display_name="Hélène Bernard")


def secretary_by_permission() -> User:
    user = User.objects.create_user(username="tresoriere", password=PASSWORD)
    user.user_permissions.add(Permission.objects.get(codename="administer_register"))
    return user


def newcomer_request(coop, member, quantity: int = 3, code: str = "B") -> SubscriptionRequest:
    return subscription_request_create(
        cooperative=coop,
        share_class=share_class(coop, code),
        quantity=quantity,
        college=college(coop, "Usagers"),
        actor=member.user,
    )


def test_board_pages_are_for_administrators_and_auditors_and_a_404_for_members(db, helene):
    coop = found_scic()
    subscribed(coop, helene, "B", 3)
    for user in [administrator(), secretary_by_permission(), auditor()]:
        client = browse(user)
        for page in BOARD_PAGES:
            assert client.get(f"/cooperatives/{coop.pk}/{page}").status_code == 200, (user.username, page)
    member = browse(helene.user)
    for page in BOARD_PAGES:
        assert member.get(f"/cooperatives/{coop.pk}/{page}").status_code == 404, page
        response = browse().get(f"/cooperatives/{coop.pk}/{page}")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), page
    assert browse(administrator()).get("/cooperatives/999/register/").status_code == 404


def test_the_register_link_shows_only_for_those_who_read_it(db, helene):
    coop = found_scic()
    assert f"/cooperatives/{coop.pk}/approvals/" in html(browse(auditor()).get(f"/cooperatives/{coop.pk}/"))
    assert f"/cooperatives/{coop.pk}/approvals/" not in html(browse(helene.user).get(f"/cooperatives/{coop.pk}/"))


def test_auditors_see_no_form_and_their_posts_are_refused(db, helene, make_member):
    coop = found_scic()
    holder = subscribed(coop, helene, "B", 3)
    waiting = newcomer_request(coop, make_member(username="louis"))
    redemption = redemption_request_create(
        shareholder=holder, share_class=share_class(coop, "B"), quantity=1, actor=helene.user
    )
    client = browse(auditor())
    queue = html(client.get(f"/cooperatives/{coop.pk}/approvals/"))
    assert f'data-request="subscription-{waiting.pk}"' in queue and "Read only (auditor)" in queue
    assert "<form" not in queue.split('<main id="main">')[1]
    for page in ["register/", "shareholders/", "transfer/"]:
        body = html(client.get(f"/cooperatives/{coop.pk}/{page}")).split('<main id="main">')[1]
        assert 'method="post"' not in body, page
    before = writes()
    for url, data in [
        (f"subscriptions/{waiting.pk}/approve/", {"board_decision": "CA"}),
        (f"subscriptions/{waiting.pk}/reject/", {"reason": "Non"}),
        (f"subscriptions/{waiting.pk}/pay/", {}),
        (f"redemptions/{redemption.pk}/approve/", {"board_decision": "CA"}),
        (f"redemptions/{redemption.pk}/reject/", {"reason": "Non"}),
        (f"redemptions/{redemption.pk}/pay/", {}),
        ("register/1/cancel/", {"reason": "Erreur"}),
        ("shareholders/", {"who": "legal", "legal_name": "Commune", "siren": "248500530"}),
        ("transfer/", {}),
    ]:
        assert client.post(f"/cooperatives/{coop.pk}/{url}", data).status_code == 403, url
        assert browse(helene.user).post(f"/cooperatives/{coop.pk}/{url}", data).status_code == 404, url
    assert writes() == before
    waiting.refresh_from_db()
    redemption.refresh_from_db()
    assert (waiting.status, redemption.status) == ("requested", "requested")


def test_the_board_approves_a_newcomer_and_marks_the_payment(db, helene):
    coop = found_scic()
    waiting = newcomer_request(coop, helene)
    client = browse(administrator())
    queue = html(client.get(f"/cooperatives/{coop.pk}/approvals/"))
    assert "newcomer, asks to join the college “Usagers”" in queue and "€60.00" in queue
    assert f'id="approve-subscription-{waiting.pk}"' in queue

    response = client.post(
        f"/cooperatives/{coop.pk}/subscriptions/{waiting.pk}/approve/",
        {"board_decision": "CA du 12/03/2026"},
        follow=True,
    )
    assert response.redirect_chain == [(f"/cooperatives/{coop.pk}/approvals/", 302)]
    assert (
        "The request of Hélène Bernard for 3 shares of class B is approved; it awaits payment."
        in response.content.decode()
    )
    waiting.refresh_from_db()
    holder = Shareholder.objects.get()
    assert (waiting.status, waiting.board_decision, waiting.shareholder) == ("approved", "CA du 12/03/2026", holder)
    assert (holder.member, holder.college.name, holder.admission_decision) == (helene, "Usagers", "CA du 12/03/2026")
    assert f'id="pay-subscription-{waiting.pk}"' in response.content.decode()

    response = client.post(f"/cooperatives/{coop.pk}/subscriptions/{waiting.pk}/pay/", {"paid_on": ""}, follow=True)
    assert (
        "The payment of Hélène Bernard (€60.00) is recorded: 3 shares of class B issued (movement n° 1)."
        in response.content.decode()
    )
    waiting.refresh_from_db()
    movement = ShareMovement.objects.get()
    assert (waiting.status, waiting.movement) == ("issued", movement)
    assert (movement.number, movement.kind, movement.quantity, movement.capital_delta) == (1, "subscription", 3, 6000)
    assert (movement.board_decision, movement.ledger_transaction.kind_id) == ("CA du 12/03/2026", "share_subscription")
    assert (shares_of(holder), capital_at(coop)) == (3, 6000)
    assert "No subscription waits." in response.content.decode()


def test_an_administrator_by_permission_decides_too(db, helene):
    coop = found_scic()
    waiting = newcomer_request(coop, helene)
    client = browse(secretary_by_permission())
    client.post(f"/cooperatives/{coop.pk}/subscriptions/{waiting.pk}/approve/", {"board_decision": "CA 3"})
    waiting.refresh_from_db()
    assert (waiting.status, waiting.decided_by.username) == ("approved", "tresoriere")


def test_refused_decisions_show_the_message_and_write_nothing(db, helene, make_member):
    coop = found_scic()
    waiting = newcomer_request(coop, helene)
    client = browse(administrator())
    url = f"/cooperatives/{coop.pk}/subscriptions/{waiting.pk}"
    before = writes()

    response = client.post(f"{url}/approve/", {"board_decision": ""})
    assert response.status_code == 422 and "This field is required." in response.content.decode()
    assert f'id="subscription-approve-{waiting.pk}-board_decision"' in response.content.decode()
    response = client.post(f"{url}/reject/", {"reason": "   "})
    assert response.status_code == 422 and "This field is required." in response.content.decode()
    response = client.post(f"{url}/pay/", {})  # not approved yet
    assert response.status_code == 422 and "This request has already been decided." in response.content.decode()
    assert (
        client.post(f"/cooperatives/{coop.pk}/subscriptions/999/approve/", {"board_decision": "CA"}).status_code == 404
    )
    other = found_scic(siren="356000000")
    assert (
        client.post(
            f"/cooperatives/{other.pk}/subscriptions/{waiting.pk}/approve/", {"board_decision": "CA"}
        ).status_code
        == 404
    )
    assert writes() == before
    waiting.refresh_from_db()
    assert waiting.status == "requested"

    subscription_request_approve(request=waiting, board_decision="CA 1", actor=administrator())
    before = writes()
    future = days_ago(-3).isoformat()
    response = client.post(f"{url}/pay/", {"paid_on": future})
    assert response.status_code == 422
    assert (
        "A movement cannot be dated before the register&#x27;s last movement, nor in the future."
        in response.content.decode()
    )
    response = client.post(f"{url}/pay/", {"paid_on": "31/02/2026"})
    assert response.status_code == 422 and "Enter a valid date." in response.content.decode()
    assert writes() == before
    waiting.refresh_from_db()
    assert waiting.status == "approved"


def test_rejecting_a_request_tells_the_member_why(db, helene):
    coop = found_scic()
    waiting = newcomer_request(coop, helene)
    response = browse(administrator()).post(
        f"/cooperatives/{coop.pk}/subscriptions/{waiting.pk}/reject/", {"reason": "Collège complet"}, follow=True
    )
    assert "The request of Hélène Bernard is rejected." in response.content.decode()
    waiting.refresh_from_db()
    assert (waiting.status, waiting.rejection_reason) == ("rejected", "Collège complet")
    page = html(browse(helene.user).get(f"/cooperatives/{coop.pk}/my-shares/"))
    assert f'data-request="subscription-{waiting.pk}" data-status="rejected"' in page
    assert "Reason: Collège complet" in page
    assert f'id="withdraw-request-{waiting.pk}"' not in page


def test_a_rejected_request_cannot_be_approved_afterwards(db, helene):
    coop = found_scic()
    waiting = newcomer_request(coop, helene)
    subscription_request_reject(request=waiting, reason="Non", actor=administrator())
    before = writes()
    response = browse(administrator()).post(
        f"/cooperatives/{coop.pk}/subscriptions/{waiting.pk}/approve/", {"board_decision": "CA"}
    )
    assert response.status_code == 422 and "This request has already been decided." in response.content.decode()
    assert writes() == before


def test_a_redemption_is_approved_then_paid_once_due(db, helene):
    coop = found_scic()
    holder = subscribed(coop, helene, "B", 5, on=days_ago(20))
    redemption = redemption_request_create(
        shareholder=holder, share_class=share_class(coop, "B"), quantity=2, actor=helene.user
    )
    client = browse(administrator())
    response = client.post(
        f"/cooperatives/{coop.pk}/redemptions/{redemption.pk}/approve/", {"board_decision": "CA du 01/03"}, follow=True
    )
    today = days_ago(0).strftime("%d/%m/%Y")
    assert f"The redemption of Hélène Bernard is approved; it is to be paid on {today}." in response.content.decode()
    assert f'id="pay-redemption-{redemption.pk}"' in response.content.decode()
    response = client.post(f"/cooperatives/{coop.pk}/redemptions/{redemption.pk}/pay/", {}, follow=True)
    assert (
        "The redemption of Hélène Bernard is paid (€40.00): 2 shares of class B redeemed (movement n° 2)."
        in response.content.decode()
    )
    redemption.refresh_from_db()
    assert (redemption.status, redemption.movement.kind, redemption.movement.capital_delta) == (
        "paid",
        "redemption",
        -4000,
    )
    assert (shares_of(holder), capital_at(coop)) == (3, 6000)


def test_a_redemption_not_due_yet_cannot_be_marked_paid(db, helene):
    coop = found_scic(redemption_delay_months=1)
    holder = subscribed(coop, helene, "B", 5, on=days_ago(20))
    redemption = redemption_request_create(
        shareholder=holder, share_class=share_class(coop, "B"), quantity=2, actor=helene.user
    )
    redemption = redemption_request_approve(request=redemption, board_decision="CA", actor=administrator())
    client = browse(administrator())
    queue = html(client.get(f"/cooperatives/{coop.pk}/approvals/"))
    assert "Not due yet." in queue and f'id="pay-redemption-{redemption.pk}"' not in queue
    before = writes()
    response = client.post(f"/cooperatives/{coop.pk}/redemptions/{redemption.pk}/pay/", {})
    assert response.status_code == 422
    assert (
        f"This redemption is due on {format_long_date(redemption.due_on, language='en')}." in response.content.decode()
    )
    assert writes() == before
    redemption.refresh_from_db()
    assert redemption.status == "approved"
    response = client.post(f"/cooperatives/{coop.pk}/redemptions/{redemption.pk}/reject/", {"reason": "Retrait"})
    redemption.refresh_from_db()
    assert (response.status_code, redemption.status) == (302, "rejected")


def test_the_register_lists_the_movements_and_cancels_one_through_its_form(db, helene, make_member):
    coop = found_scic()
    subscribed(coop, helene, "B", 3, on=days_ago(10))
    subscribed(coop, make_member(username="louis", display_name="Louis Martin"), "A", 2, on=days_ago(5))
    client = browse(administrator())
    page = html(client.get(f"/cooperatives/{coop.pk}/register/"))
    assert page.index('id="m1"') < page.index('id="m2"')
    assert "Subscribed capital today: €260.00." in page
    assert f'href="/cooperatives/{coop.pk}/certificates/1.pdf"' in page
    assert 'id="cancel-movement-1"' in page and 'id="cancel-movement-2"' in page

    before = writes()
    response = client.post(f"/cooperatives/{coop.pk}/register/2/cancel/", {"reason": ""})
    assert response.status_code == 422 and "This field is required." in response.content.decode()
    assert writes() == before

    response = client.post(
        f"/cooperatives/{coop.pk}/register/2/cancel/", {"reason": "Chèque sans provision", "board_decision": ""}
    )
    assert response.status_code == 302 and response["Location"] == f"/cooperatives/{coop.pk}/register/#m3"
    reversal = ShareMovement.objects.get(number=3)
    assert (reversal.kind, reversal.reverses.number, reversal.capital_delta, reversal.note) == (
        "cancellation",
        2,
        -20000,
        "Chèque sans provision",
    )
    assert capital_at(coop) == 6000
    page = html(client.get(f"/cooperatives/{coop.pk}/register/"))
    assert "cancelled by n° 3" in page and "of n° 2" in page
    assert 'id="cancel-movement-2"' not in page and 'id="cancel-movement-3"' not in page

    before = writes()
    response = client.post(f"/cooperatives/{coop.pk}/register/2/cancel/", {"reason": "Encore"})
    assert response.status_code == 422 and "This movement has already been cancelled." in response.content.decode()
    assert client.post(f"/cooperatives/{coop.pk}/register/99/cancel/", {"reason": "X"}).status_code == 404
    assert writes() == before


def test_holdings_at_a_past_date(db, helene, make_member):
    coop = found_scic()
    subscribed(coop, helene, "B", 3, on=days_ago(10))
    subscribed(coop, make_member(username="louis", display_name="Louis Martin"), "A", 2, on=days_ago(5))
    client = browse(auditor())
    page = html(client.get(f"/cooperatives/{coop.pk}/holdings/?on={days_ago(7).isoformat()}"))
    assert '<dd data-testid="capital">€60.00</dd>' in page
    assert '<dd data-testid="shareholder-count">1</dd>' in page
    assert '<dd data-testid="class-B">3 shares (€60.00)</dd>' in page
    assert "Hélène Bernard" in page and "Louis Martin" not in page
    assert f"/cooperatives/{coop.pk}/holdings.csv?on={days_ago(7).isoformat()}" in page

    page = html(client.get(f"/cooperatives/{coop.pk}/holdings/"))
    assert '<dd data-testid="capital">€260.00</dd>' in page
    assert page.index("Hélène Bernard") < page.index("Louis Martin")  # largest holding first: 3 shares, then 2
    assert '<dd data-testid="class-A">2 shares' in page

    response = client.get(f"/cooperatives/{coop.pk}/holdings/?on=2026-13-45")
    assert response.status_code == 422 and "Enter a valid date." in response.content.decode()
    page = html(client.get(f"/cooperatives/{coop.pk}/holdings/?on={days_ago(30).isoformat()}"))
    assert "Nobody holds shares on that day." in page


def test_the_capital_page_gives_the_capital_at_a_date_and_plots_one_point_per_day(db, helene, make_member):
    coop = found_scic()
    subscribed(coop, helene, "B", 3, on=days_ago(10))
    subscribed(coop, make_member(username="louis"), "A", 2, on=days_ago(5))
    subscribed(coop, make_member(username="jules"), "B", 1, on=days_ago(5))
    subscribed(coop, make_member(username="manon"), "A", 1, on=days_ago(1))
    client = browse(administrator())
    page = html(client.get(f"/cooperatives/{coop.pk}/capital/?on={days_ago(5).isoformat()}"))
    assert '<dd class="figure" data-testid="capital-on">€280.00</dd>' in page
    assert '<dd data-testid="capital-now">€380.00</dd>' in page
    assert page.count('<circle class="point"') == 3
    for days in (10, 5, 1):
        assert f'data-date="{days_ago(days).isoformat()}"' in page
        assert f'<tr data-date="{days_ago(days).isoformat()}">' in page
    assert '<td data-label="Change on that day" class="num">€220.00</td>' in page
    assert 'role="img"' in page and "Subscribed capital of SCIC Les Tiers-Lieux des Achards" in page

    empty = found_scic(siren="356000000")
    page = html(client.get(f"/cooperatives/{empty.pk}/capital/"))
    assert '<svg class="chart' not in page and "No movement yet." in page


def test_the_colleges_page_counts_members_and_voters_and_states_weight_problems(db, helene, make_member):
    coop = found_scic()
    subscribed(coop, helene, "B", 3)
    subscribed(coop, make_member(username="louis"), "A", 1, college_name="Salariés")
    page = html(browse(administrator()).get(f"/cooperatives/{coop.pk}/colleges/"))
    assert "The weights are valid: a general assembly can be tallied." in page
    usagers = college(coop, "Usagers")
    row = page.split(f'<tr data-college="{usagers.pk}">')[1].split("</tr>")[0]
    assert '<td data-label="Weight" class="num">30 %</td>' in row
    assert '<td data-label="Admitted shareholders" class="num">1</td>' in row
    assert '<td data-label="Voters today" class="num">1</td>' in row
    assert '<td class="num" data-label="Weight" data-testid="total-weight">100 %</td>' in page

    bare = cooperative_create(
        name="SCOP La Menuiserie",
        legal_form=Cooperative.LegalForm.SCOP,
        siren="356000000",
        seat_address="Martinet",
        actor=administrator(),
    )
    page = html(browse(administrator()).get(f"/cooperatives/{bare.pk}/colleges/"))
    assert "<li>The cooperative has no college yet.</li>" in page
    response = browse(administrator()).get(f"/cooperatives/{bare.pk}/assembly/?tally=1&majority=simple")
    assert response.status_code == 422 and "The cooperative has no college yet." in response.content.decode()
    assert 'data-testid="tally-result"' not in response.content.decode()


def test_admitting_a_member_and_a_legal_person(db, helene):
    coop = found_scic()
    client = browse(administrator())
    usagers, public = college(coop, "Usagers"), college(coop, "Collectivités")
    response = client.post(
        f"/cooperatives/{coop.pk}/shareholders/",
        {"who": "member", "member": helene.pk, "college": usagers.pk, "admission_decision": "CA du 01/03/2026"},
        follow=True,
    )
    assert "Hélène Bernard is admitted into the college “Usagers”." in response.content.decode()
    response = client.post(
        f"/cooperatives/{coop.pk}/shareholders/",
        {
            "who": "legal",
            "legal_name": "Communauté de communes du Pays des Achards",
            "siren": "248 500 530",
            "address": "2 rue Michel-Breton, 85150 Les Achards",
            "college": public.pk,
            "admitted_on": days_ago(2).isoformat(),
        },
    )
    assert response.status_code == 302
    person = Shareholder.objects.get(member__isnull=True)
    assert (person.legal_name, person.siren, person.college, person.admitted_on) == (
        "Communauté de communes du Pays des Achards",
        "248500530",
        public,
        days_ago(2),
    )
    page = html(client.get(f"/cooperatives/{coop.pk}/shareholders/"))
    assert "SIREN 248500530" in page and "Hélène Bernard" in page

    before = writes()
    for data, message in [
        ({"who": "member", "college": usagers.pk}, "Choose the member."),
        ({"who": "legal", "siren": "248500530", "college": public.pk}, "Give the name of the legal person."),
        (
            {"who": "legal", "legal_name": "Mairie", "siren": "123456789", "college": public.pk},
            "This SIREN has a wrong check digit",
        ),
        ({"who": "legal", "legal_name": "Mairie", "siren": "248500530", "college": 999}, "Select a valid choice."),
    ]:
        response = client.post(f"/cooperatives/{coop.pk}/shareholders/", data)
        assert response.status_code == 422, data
        assert message in response.content.decode(), data
    assert writes() == before


def test_recording_a_transfer_and_its_refusals(db, helene, make_member):
    coop = found_scic()
    seller = subscribed(coop, helene, "B", 5, on=days_ago(10))
    buyer = subscribed(coop, make_member(username="louis", display_name="Louis Martin"), "B", 1, on=days_ago(9))
    b_class = share_class(coop, "B")
    client = browse(administrator())
    data = {
        "from_shareholder": seller.pk,
        "to_shareholder": buyer.pk,
        "share_class": b_class.pk,
        "quantity": "2",
        "board_decision": "CA du 02/03/2026",
    }
    before = writes()
    for changes, message in [
        ({"quantity": "9"}, "Hélène Bernard holds 5 shares of class B, not 9."),
        ({"board_decision": ""}, "This field is required."),
        ({"to_shareholder": seller.pk}, "Choose another shareholder."),
        ({"effective_on": days_ago(30).isoformat()}, "A movement cannot be dated before the register"),
    ]:
        response = client.post(f"/cooperatives/{coop.pk}/transfer/", {**data, **changes})
        assert response.status_code == 422, changes
        assert message in response.content.decode(), changes
    assert writes() == before

    response = client.post(f"/cooperatives/{coop.pk}/transfer/", data, follow=True)
    assert (
        "Transfer recorded as movement n° 3: 2 shares of class B from Hélène Bernard to Louis Martin."
        in response.content.decode()
    )
    movement = ShareMovement.objects.get(number=3)
    assert (movement.kind, movement.quantity, movement.capital_delta, movement.board_decision) == (
        "transfer",
        2,
        0,
        "CA du 02/03/2026",
    )
    assert (shares_of(seller), shares_of(buyer), capital_at(coop)) == (3, 3, 12000)
    assert "2 shares B from Hélène Bernard to Louis Martin" in html(client.get(f"/cooperatives/{coop.pk}/transfer/"))


def test_the_assembly_lists_voters_by_college_and_tallies_the_weighted_vote(db, make_member):
    coop = found_scic()
    for name, college_name in [
        ("anne", "Salariés"),
        ("bruno", "Salariés"),
        ("camille", "Usagers"),
        ("denis", "Usagers"),
        ("elise", "Usagers"),
        ("fabien", "Collectivités"),
    ]:
        subscribed(coop, make_member(username=name), "B", 1, college_name=college_name)
    salaries, usagers, public = college(coop, "Salariés"), college(coop, "Usagers"), college(coop, "Collectivités")
    client = browse(auditor())  # a computation: auditors may tally too
    url = f"/cooperatives/{coop.pk}/assembly/"
    page = html(client.get(url))
    assert "6 voters on" in page
    assert page.split(f'data-testid="voters-{usagers.pk}">')[1].split("</ol>")[0] == (
        "<li>Camille</li><li>Denis</li><li>Elise</li>"
    )

    def votes(s, u, p, majority="simple"):
        query = {"tally": "1", "majority": majority}
        for college_, (yes, no, abstain) in ((salaries, s), (usagers, u), (public, p)):
            query |= {f"for_{college_.pk}": yes, f"against_{college_.pk}": no, f"abstain_{college_.pk}": abstain}
        return client.get(url, query)

    page = html(votes((2, 0, 0), (1, 2, 0), (0, 1, 0)))
    assert '<strong data-testid="weighted-percent">50.00 %</strong>' in page
    assert '<strong class="debit" data-testid="verdict">Not adopted</strong>' in page
    assert f'data-testid="college-percent-{usagers.pk}">33.33 %</td>' in page

    page = html(votes((2, 0, 0), (2, 1, 0), (0, 1, 0)))
    assert '<strong data-testid="weighted-percent">60.00 %</strong>' in page
    assert '<strong class="credit" data-testid="verdict">Adopted</strong>' in page
    page = html(votes((2, 0, 0), (2, 1, 0), (0, 1, 0), majority="two_thirds"))
    assert '<strong class="debit" data-testid="verdict">Not adopted</strong>' in page
    page = html(votes((0, 0, 2), (0, 0, 0), (0, 0, 0)))
    assert '<strong data-testid="verdict">No vote was cast.</strong>' in page

    response = votes((2, 0, 0), (3, 1, 0), (0, 0, 0))
    assert response.status_code == 422
    assert "The college “Usagers” has 3 voters: one vote each." in response.content.decode()
    response = votes((-1, 0, 0), (0, 0, 0), (0, 0, 0))
    assert response.status_code == 422
    assert "Ensure this value is greater than or equal to 0." in response.content.decode()
    assert 'data-testid="tally-result"' not in response.content.decode()


def test_the_assembly_counts_the_voters_of_a_past_date(db, make_member):
    coop = found_scic()
    subscribed(coop, make_member(username="anne"), "B", 1, college_name="Salariés", on=days_ago(10))
    subscribed(coop, make_member(username="bruno"), "B", 1, college_name="Salariés", on=days_ago(2))
    page = html(browse(administrator()).get(f"/cooperatives/{coop.pk}/assembly/?on={days_ago(5).isoformat()}"))
    assert "1 voter on" in page and "<li>Anne</li>" in page and "<li>Bruno</li>" not in page
    assert f'<input type="hidden" name="on" value="{days_ago(5).isoformat()}">' in page


def test_nothing_on_the_board_pages_writes_on_get(db, helene):
    coop = found_scic()
    newcomer_request(coop, helene)
    before = writes()
    client = browse(administrator())
    for page in BOARD_PAGES:
        client.get(f"/cooperatives/{coop.pk}/{page}")
    assert writes() == before
    assert Transaction.objects.count() == 0
    assert RedemptionRequest.objects.count() == 0
