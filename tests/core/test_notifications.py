"""Notifications on the site: one per event, the e-mail only when the recipient wants it, the bell,
the list (read, mark read, mark all read: POST only, each user their own) and the e-mail choices."""

from __future__ import annotations

import datetime
import re

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from core import notifications
from core.models import Notification, NotificationPreference, OutboundEmail
from tests.exchange.test_exchange_support import listing_of, propose

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller(make_member):
    return make_member(username="louis", display_name="Louis Gaborit", email="louis@example.org")


@pytest.fixture
def buyer(make_member):
    return make_member(username="maud", display_name="Maud Rivière", email="maud@example.org")


def client_of(user, language: str = "fr") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def a_notification(user, **extra) -> Notification:
    fields = {"kind": "exchange_message", "params": {"who": "Maud Rivière", "id": 7, "title": "Pain"}, "url": "/"}
    notification = notifications.notify(user, **{**fields, **extra})
    assert notification is not None
    return notification


def test_proposing_an_exchange_notifies_the_seller_once_on_the_site_and_by_mail(seller, buyer):
    exchange = propose(listing_of(seller, title="Pain au levain"), buyer)

    notification = Notification.objects.get()
    assert (notification.recipient, notification.kind, notification.read_at) == (seller.user, "exchange_proposed", None)
    assert notification.url == f"/exchanges/{exchange.pk}/"
    assert notification.params == {"who": "Maud Rivière", "title": "Pain au levain", "amount": "20,00 GRN"}
    mail = OutboundEmail.objects.get()
    assert mail.to == ["louis@example.org"]
    assert "Pain au levain" in mail.subject
    assert Notification.objects.filter(recipient=buyer.user).count() == 0


def test_with_the_preference_off_the_notification_is_written_and_no_mail_is_queued(seller, buyer):
    notifications.email_choices_set(seller.user, {"exchange_proposed": False})

    propose(listing_of(seller), buyer)

    assert Notification.objects.filter(recipient=seller.user, kind="exchange_proposed").count() == 1
    assert OutboundEmail.objects.count() == 0


def test_an_exchange_moving_on_notifies_the_other_party_in_the_readers_language(seller, buyer):
    from exchange.services.exchanges import exchange_accept

    exchange = propose(listing_of(seller, title="Pain au levain"), buyer)
    exchange_accept(exchange=exchange, actor=seller.user)

    told = Notification.objects.get(recipient=buyer.user)
    assert (told.kind, told.params["event"], told.url) == ("exchange_updated", "accept", f"/exchanges/{exchange.pk}/")
    with translation.override("fr"):
        assert notifications.notification_text(told) == (
            f"Échange n° {exchange.pk} «\u00a0Pain au levain\u00a0»\u00a0: Votre échange a été accepté"
        )
    with translation.override("en"):
        assert notifications.notification_text(told) == (
            f"Exchange #{exchange.pk} “Pain au levain”: Your exchange was accepted"
        )


def test_a_notification_renders_in_french_and_in_english(seller):
    notification = a_notification(
        seller.user, kind="exchange_proposed", params={"who": "Maud Rivière", "title": "Pain", "amount": "20,00 GRN"}
    )
    with translation.override("fr"):
        assert notifications.notification_text(notification) == (
            "Maud Rivière propose un échange sur «\u00a0Pain\u00a0» pour 20,00 GRN."
        )
    with translation.override("en"):
        assert (
            notifications.notification_text(notification)
            == "Maud Rivière proposes an exchange on “Pain” for 20,00 GRN."
        )

    reminder = a_notification(seller.user, kind="membership_reminder", params={"date": "2027-05-06"})
    with translation.override("fr"):
        assert notifications.notification_text(reminder) == (
            "Votre adhésion prend fin le 6 mai 2027\u00a0: renouvelez-la pour continuer à payer et à être payé."
        )
    with translation.override("en"):
        assert notifications.notification_text(reminder) == (
            "Your membership ends on 6 May 2027: renew it to keep paying and being paid."
        )


def test_the_same_dedupe_key_writes_and_mails_nothing_the_second_time(seller):
    first = notifications.notify(
        seller.user, "membership_reminder", {"date": "2027-05-06"}, "/", ("Sujet", "Corps"), dedupe_key="reminder:1"
    )
    again = notifications.notify(
        seller.user, "membership_reminder", {"date": "2027-05-06"}, "/", ("Sujet", "Corps"), dedupe_key="reminder:1"
    )
    assert first is not None and again is None
    assert (Notification.objects.count(), OutboundEmail.objects.count()) == (1, 1)


def test_an_unknown_kind_is_refused_and_nothing_is_written(seller):
    with pytest.raises(ValueError, match="unknown notification kind"):
        notifications.notify(seller.user, "no_such_kind", {}, "/", ("Sujet", "Corps"))
    assert (Notification.objects.count(), OutboundEmail.objects.count()) == (0, 0)


def test_the_bell_shows_the_unread_count_in_its_accessible_name(seller, buyer):
    read, *_unread = (a_notification(seller.user) for _ in range(4))
    notifications.mark_read(seller.user, [read.pk])
    a_notification(buyer.user)

    request = RequestFactory().get("/")
    request.user = seller.user
    with translation.override("fr"):
        bell = render_to_string("includes/notifications_bell.html", request=request)
    assert 'aria-label="Notifications, 3 non lues"' in bell
    assert '<span class="badge" aria-hidden="true">3</span>' in bell
    assert f'href="{reverse("notifications")}"' in bell
    with translation.override("en"):
        assert 'aria-label="Notifications, 3 unread"' in render_to_string(
            "includes/notifications_bell.html", request=request
        )

    notifications.mark_read(seller.user)
    with translation.override("fr"):
        bell = render_to_string("includes/notifications_bell.html", request=request)
    assert 'aria-label="Notifications"' in bell
    assert "badge" not in bell


def test_the_context_counts_only_when_asked_and_once(seller, django_assert_num_queries):
    from core.context_processors import notifications as processor

    a_notification(seller.user)
    request = RequestFactory().get("/")
    request.user = seller.user
    with django_assert_num_queries(0):
        context = processor(request)
    with django_assert_num_queries(1):
        assert context["notifications_unread"] == 1
        assert str(context["notifications_bell_label"]) in {"Notifications, 1 non lue", "Notifications, 1 unread"}


def test_the_list_shows_the_newest_first_with_the_unread_marked_and_one_h1(seller):
    older = a_notification(seller.user, params={"who": "Maud", "id": 1, "title": "Ancien"})
    Notification.objects.filter(pk=older.pk).update(created_at=timezone.now() - datetime.timedelta(days=1))
    newer = a_notification(seller.user, params={"who": "Maud", "id": 2, "title": "Récent"})
    notifications.mark_read(seller.user, [older.pk])

    page = client_of(seller.user).get(reverse("notifications"))

    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("<h1") == 1
    assert "<title>Notifications · Bocage</title>" in html
    assert html.index("Récent") < html.index("Ancien")
    assert re.search(
        rf'<li class="notification unread">\s*<form method="post" action="/notifications/{newer.pk}/open/"', html
    )
    assert re.search(rf'<li class="notification">\s*<form method="post" action="/notifications/{older.pk}/open/"', html)
    assert "1 notification non lue" in html
    assert "Tout marquer comme lu" in html


def test_opening_marks_read_and_goes_to_the_url_post_only(seller):
    notification = a_notification(seller.user, url="/exchanges/12/")
    client = client_of(seller.user)
    url = reverse("notification-open", args=[notification.pk])

    assert client.get(url).status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None

    response = client.post(url)
    assert (response.status_code, response["Location"]) == (302, "/exchanges/12/")
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_an_outside_url_is_never_followed(seller):
    notification = a_notification(seller.user, url="https://evil.example/")
    response = client_of(seller.user).post(reverse("notification-open", args=[notification.pk]))
    assert response["Location"] == reverse("notifications")


def test_mark_read_and_mark_all_read_are_post_only(seller, buyer):
    first, second, third = (a_notification(seller.user) for _ in range(3))
    theirs = a_notification(buyer.user)
    client = client_of(seller.user)

    assert client.get(reverse("notification-read", args=[first.pk])).status_code == 405
    assert client.get(reverse("notifications-read-all")).status_code == 405
    assert Notification.objects.filter(read_at__isnull=True).count() == 4

    response = client.post(reverse("notification-read", args=[first.pk]))
    assert (response.status_code, response["Location"]) == (302, reverse("notifications"))
    assert set(Notification.objects.filter(read_at__isnull=True).values_list("pk", flat=True)) == {
        second.pk,
        third.pk,
        theirs.pk,
    }

    response = client.post(reverse("notifications-read-all"))
    assert response.status_code == 302
    assert list(Notification.objects.filter(read_at__isnull=True).values_list("pk", flat=True)) == [theirs.pk]


def test_nobody_opens_marks_or_sees_someone_elses_notification(seller, buyer):
    theirs = a_notification(buyer.user, params={"who": "X", "id": 3, "title": "Secret de Maud"})
    client = client_of(seller.user)

    assert client.post(reverse("notification-open", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notification-read", args=[theirs.pk])).status_code == 404
    assert "Secret de Maud" not in client.get(reverse("notifications")).content.decode()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_anonymous_visitors_are_sent_to_log_in(seller):
    notification = a_notification(seller.user)
    for url in (reverse("notifications"), reverse("notification-preferences")):
        response = Client().get(url)
        assert (response.status_code, response["Location"].split("?")[0]) == (302, reverse("login"))
    assert Client().post(reverse("notification-open", args=[notification.pk])).status_code == 302
    notification.refresh_from_db()
    assert notification.read_at is None


def test_the_preferences_page_lists_every_kind_grouped_and_saves_the_choice(seller):
    client = client_of(seller.user)
    page = client.get(reverse("notification-preferences"))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("<h1") == 1
    assert [legend for legend in re.findall(r"<legend>(.*?)</legend>", html)] == [
        "Paiements",
        "Adhésion",
        "Place de marché",
        "Financement participatif",
        "Lieux",
    ]
    assert 'id="id_exchange_proposed" checked' in html
    assert "Quelqu’un me propose un échange" in html

    kept = {kind.code: "on" for kind in notifications.kinds() if kind.code != "exchange_proposed"}
    response = client.post(reverse("notification-preferences"), kept)
    assert response.status_code == 302
    assert notifications.email_choices(seller.user) == {
        kind.code: kind.code != "exchange_proposed" for kind in notifications.kinds()
    }
    assert NotificationPreference.objects.filter(user=seller.user, email=False).count() == 1
    assert notifications.emailed(seller.user, "exchange_proposed") is False
    assert 'id="id_exchange_proposed" checked' not in client.get(reverse("notification-preferences")).content.decode()


def test_the_pages_speak_english_too(seller):
    a_notification(seller.user)
    client = client_of(seller.user, "en")
    assert "Mark all as read" in client.get(reverse("notifications")).content.decode()
    assert "Someone proposes an exchange to me" in client.get(reverse("notification-preferences")).content.decode()


def test_the_staffs_kinds_are_offered_to_staff_only(seller, staff_user):
    member_page = client_of(seller.user).get(reverse("notification-preferences")).content.decode()
    staff_page = client_of(staff_user).get(reverse("notification-preferences")).content.decode()
    assert 'id="id_campaign_submitted"' not in member_page
    assert 'id="id_campaign_submitted"' in staff_page
    assert "Une campagne attend la modération (modérateurs)" in staff_page


def test_submitting_a_campaign_tells_the_moderators_on_the_site(seller, staff_user):
    from crowdfunding.services.campaigns import campaign_submit
    from tests.crowdfunding.helpers import draft_campaign

    campaign = campaign_submit(campaign=draft_campaign(seller, title="Un four à pain"), actor=seller.user)

    told = Notification.objects.get(recipient=staff_user)
    assert (told.kind, told.url, told.params) == (
        "campaign_submitted",
        "/campaigns/moderation/",
        {"owner": "Louis Gaborit", "title": campaign.title},
    )
    assert OutboundEmail.objects.count() == 0  # the moderator left no address


def test_a_membership_reminder_is_on_the_site_once_per_expiry(seller, settings):
    from members.models import Member
    from membership.services import membership_reminders_send

    settings.BOCAGE_MEMBERSHIP_REMINDER_DAYS = 30
    ends = timezone.localdate() + datetime.timedelta(days=10)
    Member.objects.filter(pk=seller.pk).update(membership_expires_on=ends)

    assert membership_reminders_send() == 1
    assert membership_reminders_send() == 0

    told = Notification.objects.get(recipient=seller.user)
    assert (told.kind, told.params, told.url) == ("membership_reminder", {"date": ends.isoformat()}, "/membership/")
    assert OutboundEmail.objects.get().to == ["louis@example.org"]


def test_notify_many_writes_each_once_and_mails_as_each_preference_allows(seller, buyer, make_member):
    silent = make_member(username="jeanne", display_name="Jeanne Morin", email="jeanne@example.org")
    notifications.email_choices_set(silent.user, {"exchange_message": False})
    params = {"who": "Maud Rivière", "id": 7, "title": "Pain"}
    notices = [
        notifications.Notice(user=member.user, params=params, url="/", email=("Objet", "Corps"), dedupe_key=f"k:{n}")
        for n, member in enumerate([seller, buyer, silent])
    ]

    assert notifications.notify_many("exchange_message", notices) == 3
    assert notifications.notify_many("exchange_message", notices) == 0  # the same keys: nothing again

    assert sorted(Notification.objects.values_list("recipient__username", "dedupe_key")) == [
        ("jeanne", "k:2"),
        ("louis", "k:0"),
        ("maud", "k:1"),
    ]
    assert sorted(address for mail in OutboundEmail.objects.all() for address in mail.to) == [
        "louis@example.org",
        "maud@example.org",
    ]
    with pytest.raises(ValueError):
        notifications.notify_many("no_such_kind", notices)
