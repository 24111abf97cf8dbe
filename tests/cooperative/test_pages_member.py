"""The member's pages: the cooperatives and their statutes in plain words, the subscription request,
"my shares" (holdings, movements, certificates, requests) and the redemption request.

Pages are read in English (Accept-Language) so that the texts asserted stay the same when the
French catalogue gains these strings; amounts are formatted the French way either way.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.utils import timezone

from cooperative.models import RedemptionRequest, Shareholder, ShareMovement, SubscriptionRequest
from cooperative.services.requests import share_subscribe, subscription_request_create
from cooperative.services.setup import shareholder_admit
from ledger.models import Transaction
from tests.conftest import PASSWORD
from tests.cooperative.helpers import administrator, college, found_scic, share_class

NBSP = "\u00a0"


def browse(user=None, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    if user is not None:
        assert client.login(username=user.username, password=PASSWORD)
    return client


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def subscribed(coop, member, code: str, quantity: int, *, on=None, college_name: str = "Usagers") -> Shareholder:
    """Admit `member` and record a paid subscription, as the board's secretary would."""
    admin = administrator()
    holder = shareholder_admit(
        cooperative=coop, college=college(coop, college_name), member=member, admitted_on=on, actor=admin
    )
    share_subscribe(
        cooperative=coop,
        shareholder=holder,
        share_class=share_class(coop, code),
        quantity=quantity,
        board_decision="CA du 05/01/2026",
        paid_on=on,
        actor=admin,
    )
    return holder


def auditor() -> User:
    existing = User.objects.filter(username="auditrice").first()
    if existing is not None:
        return existing
    user = User.objects.create_user(username="auditrice", password=PASSWORD)
    user.user_permissions.add(Permission.objects.get(codename="audit_ledger", content_type__app_label="ledger"))
    return user


def writes() -> tuple[int, int, int, int, int]:
    """Everything a cooperative page could write."""
    return (
        ShareMovement.objects.count(),
        SubscriptionRequest.objects.count(),
        RedemptionRequest.objects.count(),
        Shareholder.objects.count(),
        Transaction.objects.count(),
    )


@pytest.fixture
def helene(make_member):
    return make_member(username="helene", display_name="Hélène Bernard")


def test_the_list_and_the_presentation_are_public_and_state_the_statutes_in_plain_words(db, helene):
    coop = found_scic(max_shares_per_member=50, lockup_months=12, redemption_delay_months=3)
    subscribed(coop, helene, "B", 3)
    page = html(browse().get("/cooperatives/"))
    assert "SCIC Les Tiers-Lieux des Achards" in page and "€60.00" in page
    assert f'href="/cooperatives/{coop.pk}/"' in page

    page = html(browse().get(f"/cooperatives/{coop.pk}/"))
    for sentence in [
        "Each shareholder holds at least 1 share.",
        "No one may hold more than 50 shares.",
        "The board of directors approves every subscription and admits every new shareholder.",
        "Shares can be redeemed once they have been held for 12 months (the lock-up).",
        "A redemption is repaid at nominal value 3 months after the board approves it.",
    ]:
        assert f"<li>{sentence}</li>" in page, sentence
    assert "€100.00" in page and "€20.00" in page
    assert "<strong>Salariés</strong> · 40 % of the votes" in page
    assert "<strong>Usagers</strong> · 30 % of the votes" in page
    assert "<strong>Collectivités</strong> · 30 % of the votes" in page
    assert '<dd data-testid="siren">732829320</dd>' in page
    assert "Log in to ask for shares" in page
    assert f'href="/cooperatives/{coop.pk}/approvals/"' not in page


def test_statutes_without_lockup_maximum_or_approval_say_so(db):
    coop = found_scic(siren="356000000", board_approval_required=False)
    page = html(browse().get(f"/cooperatives/{coop.pk}/"))
    for sentence in [
        "The statutes set no maximum per shareholder.",
        "Subscriptions need no approval: the shares are issued when the payment is recorded.",
        "Shares can be redeemed at any time: there is no lock-up.",
        "A redemption is repaid at nominal value as soon as the board approves it.",
    ]:
        assert f"<li>{sentence}</li>" in page, sentence


def test_an_unknown_cooperative_is_a_404(db, helene):
    for url in ["/cooperatives/999/", "/cooperatives/999/subscribe/", "/cooperatives/999/my-shares/"]:
        assert browse(helene.user).get(url).status_code == 404, url


def test_anonymous_visitors_are_sent_to_log_in_for_my_shares_and_subscribing(db):
    coop = found_scic()
    for url in [f"/cooperatives/{coop.pk}/my-shares/", f"/cooperatives/{coop.pk}/subscribe/"]:
        response = browse().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    response = browse().post(f"/cooperatives/{coop.pk}/subscribe/", {"share_class": "1", "quantity": "3"})
    assert response.status_code == 302
    assert writes() == (0, 0, 0, 0, 0)


def test_a_newcomer_asks_for_shares_and_sees_the_flow_and_the_request(db, helene):
    coop = found_scic()
    b_class, usagers = share_class(coop, "B"), college(coop, "Usagers")
    client = browse(helene.user)
    page = html(client.get(f"/cooperatives/{coop.pk}/subscribe/"))
    assert "The board of directors examines it, and admits you into your college if you are new." in page
    assert "you pay the total by bank transfer or by cheque" in page
    assert 'data-nominal="2000"' in page and "€20.00 per share" in page
    assert 'name="college"' in page and "Collectivités" in page

    response = client.post(
        f"/cooperatives/{coop.pk}/subscribe/",
        {"share_class": str(b_class.pk), "quantity": "3", "college": str(usagers.pk)},
        follow=True,
    )
    assert response.redirect_chain == [(f"/cooperatives/{coop.pk}/my-shares/", 302)]
    request = SubscriptionRequest.objects.get()
    assert (request.member, request.shareholder, request.college, request.share_class, request.quantity) == (
        helene,
        None,
        usagers,
        b_class,
        3,
    )
    assert (request.status, request.source) == ("requested", "member")
    page = response.content.decode()
    assert (
        "Your request for 3 shares of class B (€60.00) is sent to the board. Once it is approved, pay by "
        "transfer or cheque: the shares are issued when the payment is recorded."
    ) in page
    assert f'data-request="subscription-{request.pk}" data-status="requested"' in page
    assert "Subscription of 3 shares B" in page and "You hold no shares yet." in page
    assert (ShareMovement.objects.count(), Shareholder.objects.count()) == (0, 0)


def test_a_shareholder_is_not_asked_for_a_college_again(db, helene):
    coop = found_scic()
    holder = subscribed(coop, helene, "B", 5)
    client = browse(helene.user)
    page = html(client.get(f"/cooperatives/{coop.pk}/subscribe/"))
    assert "You hold 5 shares, in the college “Usagers”." in page
    assert 'name="college"' not in page
    response = client.post(
        f"/cooperatives/{coop.pk}/subscribe/", {"share_class": str(share_class(coop, "A").pk), "quantity": "1"}
    )
    assert response.status_code == 302
    request = SubscriptionRequest.objects.get(source="member")
    assert (request.shareholder, request.college.name, request.quantity) == (holder, "Usagers", 1)


def test_without_board_approval_the_request_is_approved_at_once_and_the_member_is_told_to_pay(db, helene):
    coop = found_scic(board_approval_required=False)
    response = browse(helene.user).post(
        f"/cooperatives/{coop.pk}/subscribe/",
        {"share_class": str(share_class(coop, "A").pk), "quantity": "2", "college": str(college(coop, "Salariés").pk)},
        follow=True,
    )
    assert SubscriptionRequest.objects.get().status == "approved"
    assert (
        "Your request for 2 shares of class A (€200.00) is registered. Pay it by transfer or cheque: "
        "the shares are issued when the payment is recorded."
    ) in response.content.decode()


def test_subscription_refusals_show_the_message_and_write_nothing(db, helene):
    coop = found_scic(max_shares_per_member=50)
    other = found_scic(siren="356000000")
    b_class, usagers = share_class(coop, "B"), college(coop, "Usagers")
    client = browse(helene.user)
    for data, message in [
        (
            {"share_class": b_class.pk, "quantity": "60", "college": usagers.pk},
            "Hélène Bernard would hold 60 shares; the statutes allow at most 50.",
        ),
        ({"share_class": b_class.pk, "quantity": "0", "college": usagers.pk}, "greater than or equal to 1"),
        ({"share_class": b_class.pk, "quantity": "deux", "college": usagers.pk}, "Enter a whole number."),
        ({"share_class": b_class.pk, "quantity": "3"}, "This field is required."),
        (
            {"share_class": share_class(other, "B").pk, "quantity": "3", "college": usagers.pk},
            "Select a valid choice.",
        ),
        (
            {"share_class": b_class.pk, "quantity": "3", "college": college(other, "Usagers").pk},
            "Select a valid choice.",
        ),
    ]:
        response = client.post(f"/cooperatives/{coop.pk}/subscribe/", data)
        assert response.status_code == 422, data
        assert message in response.content.decode(), data
    assert writes() == (0, 0, 0, 0, 0)


def test_the_total_is_shown_again_with_a_refused_form(db, helene):
    coop = found_scic(max_shares_per_member=2)
    response = browse(helene.user).post(
        f"/cooperatives/{coop.pk}/subscribe/", {"share_class": str(share_class(coop, "B").pk), "quantity": "3"}
    )
    assert response.status_code == 422
    assert 'data-testid="subscription-total" for="id_quantity" aria-live="polite">€60.00</output>' in (
        response.content.decode()
    )


def test_a_user_who_is_not_a_member_sees_a_notice_and_cannot_ask(db):
    coop = found_scic()
    staff = User.objects.create_user(username="gerant", password=PASSWORD, is_staff=True)
    client = browse(staff)
    page = html(client.get(f"/cooperatives/{coop.pk}/subscribe/"))
    assert "Only members of Bocage can ask for shares." in page and 'id="subscribe-form"' not in page
    response = client.post(
        f"/cooperatives/{coop.pk}/subscribe/",
        {"share_class": str(share_class(coop, "B").pk), "quantity": "3", "college": str(college(coop, "Usagers").pk)},
    )
    assert response.status_code == 403
    assert "Only members of Bocage can hold shares." in html(client.get(f"/cooperatives/{coop.pk}/my-shares/"))
    assert writes() == (0, 0, 0, 0, 0)


def test_my_shares_shows_holdings_movements_certificates_and_requests(db, helene, make_member):
    coop = found_scic()
    holder = subscribed(coop, helene, "B", 3, on=days_ago(30))
    share_subscribe(
        cooperative=coop,
        shareholder=holder,
        share_class=share_class(coop, "A"),
        quantity=1,
        board_decision="CA du 10/02/2026",
        paid_on=days_ago(10),
        actor=administrator(),
    )
    subscribed(coop, make_member(username="louis"), "B", 2)  # someone else's line: not on her page
    subscription_request_create(cooperative=coop, share_class=share_class(coop, "B"), quantity=2, actor=helene.user)
    page = html(browse(helene.user).get(f"/cooperatives/{coop.pk}/my-shares/"))
    assert '<dd class="figure" data-testid="my-total-shares">4</dd>' in page
    assert '<dd data-testid="my-total-value">€160.00</dd>' in page
    assert '<td data-label="Value" class="num">€60.00</td>' in page
    assert '<td data-label="Value" class="num">€100.00</td>' in page
    assert f'href="/cooperatives/{coop.pk}/certificates/1.pdf"' in page
    assert f'href="/cooperatives/{coop.pk}/certificates/2.pdf"' in page
    assert f'href="/cooperatives/{coop.pk}/certificates/3.pdf"' not in page
    assert "Certificate of movement n° 1: 3 shares B" in page and "Certificate of movement n° 2: 1 share A" in page
    assert page.count('class="num credit"') == 2
    assert "Louis" not in page
    assert "Subscription of 2 shares B" in page and 'id="withdraw-request-' in page
    assert 'id="redeem-form"' in page


def test_a_shareholder_asks_for_a_redemption(db, helene):
    coop = found_scic()
    subscribed(coop, helene, "B", 5, on=days_ago(5))
    response = browse(helene.user).post(
        f"/cooperatives/{coop.pk}/my-shares/redeem/",
        {"share_class": str(share_class(coop, "B").pk), "quantity": "2"},
        follow=True,
    )
    redemption = RedemptionRequest.objects.get()
    assert (redemption.shareholder.member, redemption.share_class.code, redemption.quantity, redemption.status) == (
        helene,
        "B",
        2,
        "requested",
    )
    page = response.content.decode()
    assert "Your request to redeem 2 shares of class B (€40.00) is sent to the board." in page
    assert f'data-request="redemption-{redemption.pk}" data-status="requested"' in page
    assert ShareMovement.objects.count() == 1


def test_redemption_refusals_show_the_message_and_write_nothing(db, helene, make_member):
    coop = found_scic(lockup_months=12, min_shares_per_member=2)
    subscribed(coop, helene, "B", 3, on=days_ago(400))
    subscribed(coop, make_member(username="louis"), "B", 3)
    b_class = share_class(coop, "B")
    client = browse(helene.user)
    before = writes()
    for quantity, message in [
        ("4", "3 shares held, 0 already asked for: at most 3 more."),
        ("2", "Hélène Bernard would keep 1 shares; the statutes require at least 2, or none to leave the cooperative."),
        ("0", "greater than or equal to 1"),
    ]:
        response = client.post(
            f"/cooperatives/{coop.pk}/my-shares/redeem/", {"share_class": str(b_class.pk), "quantity": quantity}
        )
        assert response.status_code == 422, quantity
        assert message in response.content.decode(), quantity
    locked_up = browse(User.objects.get(username="louis")).post(
        f"/cooperatives/{coop.pk}/my-shares/redeem/", {"share_class": str(b_class.pk), "quantity": "3"}
    )
    assert locked_up.status_code == 422
    assert (
        "Only 0 of these shares have been held for 12 months (the lock-up); the others can be redeemed later."
        in locked_up.content.decode()
    )
    assert writes() == before
    stranger = browse(make_member(username="jules").user)
    response = stranger.post(
        f"/cooperatives/{coop.pk}/my-shares/redeem/", {"share_class": str(b_class.pk), "quantity": "1"}
    )
    assert response.status_code == 404
    assert writes() == before


def test_a_member_withdraws_a_pending_request_but_not_someone_elses(db, helene, make_member):
    coop = found_scic()
    mine = subscription_request_create(
        cooperative=coop,
        share_class=share_class(coop, "B"),
        quantity=3,
        college=college(coop, "Usagers"),
        actor=helene.user,
    )
    louis = make_member(username="louis")
    response = browse(louis.user).post(f"/cooperatives/{coop.pk}/my-shares/requests/{mine.pk}/cancel/")
    assert response.status_code == 404
    mine.refresh_from_db()
    assert mine.status == "requested"
    response = browse(helene.user).post(f"/cooperatives/{coop.pk}/my-shares/requests/{mine.pk}/cancel/", follow=True)
    mine.refresh_from_db()
    assert mine.status == "cancelled"
    assert "Your request is withdrawn." in response.content.decode()
    again = browse(helene.user).post(f"/cooperatives/{coop.pk}/my-shares/requests/{mine.pk}/cancel/", follow=True)
    assert "This request has already been decided." in again.content.decode()
    mine.refresh_from_db()
    assert mine.status == "cancelled"


def test_the_nav_links_to_the_cooperatives(db):
    page = html(browse().get("/cooperatives/"))
    assert '<a href="/cooperatives/" data-nav="cooperative" aria-current="page">Cooperative</a>' in page
