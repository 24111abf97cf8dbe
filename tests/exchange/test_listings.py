"""Services of listings: publishing, editing, pausing, closing, moderation and expiry."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from djmoney.money import Money

from core.errors import InvalidInput, PermissionDenied
from exchange.errors import ListingHidden, ListingNotActive, ListingNotEditable
from exchange.models import Category, Listing
from exchange.services.listings import (
    listing_close,
    listing_create,
    listing_hide,
    listing_pause,
    listing_resume,
    listing_unhide,
    listing_update,
    listings_expire_due,
)
from ledger.errors import MembershipExpired
from ledger.units import InvalidAmount
from members.models import Commune


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def category(slug: str = "reparation-velos") -> Category:
    return Category.objects.get(slug=slug)


def publish(member, **fields) -> Listing:
    """A listing published through the service, as its author would."""
    values: dict[str, Any] = {
        "kind": Listing.Kind.OFFER,
        "title": "Réparation de vélo",
        "description": "Je répare les vélos et change les chambres à air.",
        "category": category(),
        "expires_on": in_days(30),
        "price": Money("12.50", "GRN"),
    }
    values.update(fields)
    return listing_create(actor=member.user, **values)


@pytest.fixture
def author(make_member):
    return make_member(username="alice", email="alice@example.org", commune=Commune.objects.get(name="Martinet"))


# --- the category tree -----------------------------------------------------------------------


def test_the_migration_creates_a_two_level_tree_with_french_and_english_names(db):
    repairs = Category.objects.get(slug="reparations")
    assert (repairs.name_fr, repairs.name_en, repairs.parent) == ("Réparations", "Repairs", None)
    assert category().parent == repairs
    assert {c.slug for c in Category.objects.filter(parent=None)} >= {
        "alimentation", "reparations", "bricolage", "jardinage", "cours", "transport", "soins",
        "informatique", "pret-outils", "tiers-lieux",
    }  # fmt: skip
    assert not Category.objects.filter(parent__parent__isnull=False).exists()  # two levels, no more


# --- publishing ---------------------------------------------------------------------------------


def test_a_member_publishes_an_offer_priced_in_grains_in_her_commune(author):
    listing = publish(author)
    assert (listing.author, listing.status, listing.unit, listing.price) == (author, "active", "GRN", 1250)
    assert listing.commune == author.commune  # no commune given: the author's


def test_a_listing_without_a_price_is_to_be_agreed(author):
    listing = publish(author, price=None, kind=Listing.Kind.WANT)
    assert (listing.unit, listing.price, listing.kind) == ("", None, "want")


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"title": "   "}, InvalidInput),
        ({"description": ""}, InvalidInput),
        ({"kind": "gift"}, InvalidInput),
        ({"expires_on": in_days(-1)}, InvalidInput),
        ({"expires_on": in_days(400)}, InvalidInput),
        ({"price": Money("0", "GRN")}, InvalidAmount),
        ({"price": Money("-3", "GRN")}, InvalidAmount),
        ({"price": Money("1.234", "GRN")}, InvalidAmount),
        ({"price": Money("10", "EUR")}, InvalidInput),  # not a unit members hold
    ],
)
def test_an_invalid_listing_is_refused_and_nothing_is_written(author, fields, error):
    with pytest.raises(error):
        publish(author, **fields)
    assert Listing.objects.count() == 0


def test_a_user_who_is_not_a_member_may_not_publish(staff_user):
    with pytest.raises(PermissionDenied):
        listing_create(
            actor=staff_user, kind="offer", title="x", description="y", category=category(), expires_on=in_days(3)
        )
    assert Listing.objects.count() == 0


def test_a_member_whose_membership_expired_may_not_publish(author):
    author.membership_expires_on = in_days(-1)
    author.save()
    with pytest.raises(MembershipExpired) as refused:
        publish(author)
    assert refused.value.code == "membership_expired"
    assert Listing.objects.count() == 0


# --- editing, pausing, closing --------------------------------------------------------------


def test_the_author_edits_her_listing_and_may_make_the_price_to_be_agreed(author):
    listing = publish(author)
    updated = listing_update(listing=listing, actor=author.user, title="Vélos réparés", price=None)
    listing.refresh_from_db()
    assert (updated.title, listing.title, listing.unit, listing.price) == ("Vélos réparés", "Vélos réparés", "", None)
    listing_update(listing=listing, actor=author.user, price=Money("2", "HRS"))
    listing.refresh_from_db()
    assert (listing.unit, listing.price) == ("HRS", 200)


def test_someone_else_may_not_edit_pause_or_close_a_listing(author, make_member):
    listing = publish(author)
    other = make_member()
    for service in (listing_pause, listing_resume, listing_close):
        with pytest.raises(PermissionDenied):
            service(listing=listing, actor=other.user)
    with pytest.raises(PermissionDenied):
        listing_update(listing=listing, actor=other.user, title="Volé")
    listing.refresh_from_db()
    assert (listing.title, listing.status) == ("Réparation de vélo", "active")


def test_pause_resume_and_close_follow_their_order_and_repeat_harmlessly(author):
    listing = publish(author)
    assert listing_pause(listing=listing, actor=author.user).status == "paused"
    assert listing_pause(listing=listing, actor=author.user).status == "paused"
    assert listing_resume(listing=listing, actor=author.user).status == "active"
    assert listing_close(listing=listing, actor=author.user).status == "closed"
    assert listing_close(listing=listing, actor=author.user).status == "closed"
    with pytest.raises(ListingNotActive):
        listing_pause(listing=listing, actor=author.user)
    with pytest.raises(ListingNotActive):
        listing_resume(listing=listing, actor=author.user)
    with pytest.raises(ListingNotEditable):
        listing_update(listing=listing, actor=author.user, title="Encore")
    listing.refresh_from_db()
    assert (listing.status, listing.title) == ("closed", "Réparation de vélo")


def test_an_expired_listing_is_renewed_by_giving_it_a_new_date(author):
    listing = publish(author)
    Listing.objects.filter(pk=listing.pk).update(status="expired", expiry_notified=True, expires_on=in_days(-2))
    with pytest.raises(ListingNotActive):
        listing_resume(listing=listing, actor=author.user)
    renewed = listing_update(listing=listing, actor=author.user, expires_on=in_days(20))
    assert (renewed.status, renewed.expiry_notified, renewed.expires_on) == ("active", False, in_days(20))


# --- moderation -----------------------------------------------------------------------------


def test_a_moderator_hides_a_listing_with_a_reason_and_the_author_is_told_by_mail(
    author, staff_user, django_capture_on_commit_callbacks
):
    listing = publish(author)
    with django_capture_on_commit_callbacks(execute=True):
        hidden = listing_hide(listing=listing, actor=staff_user, reason="Annonce commerciale hors SEL")
    assert (hidden.status, hidden.hidden_reason, hidden.hidden_by) == (
        "hidden",
        "Annonce commerciale hors SEL",
        staff_user,
    )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.org"]
    assert "Annonce commerciale hors SEL" in mail.outbox[0].body
    assert "Réparation de vélo" in mail.outbox[0].subject


def test_hiding_needs_a_moderator_and_a_reason_and_refusals_write_nothing(
    author, make_member, staff_user, django_capture_on_commit_callbacks
):
    listing = publish(author)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(PermissionDenied):
            listing_hide(listing=listing, actor=make_member().user, reason="Je n'aime pas")
        with pytest.raises(PermissionDenied):
            listing_hide(listing=listing, actor=author.user, reason="moi-même")
        with pytest.raises(InvalidInput) as refused:
            listing_hide(listing=listing, actor=staff_user, reason="  ")
    assert list(refused.value.fields or {}) == ["reason"]
    listing.refresh_from_db()
    assert (listing.status, listing.hidden_reason, len(mail.outbox)) == ("active", "", 0)


def test_the_author_cannot_change_a_hidden_listing_and_a_moderator_shows_it_again(author, staff_user):
    listing = publish(author)
    listing_hide(listing=listing, actor=staff_user, reason="Photo inappropriée")
    for service in (listing_pause, listing_resume, listing_close):
        with pytest.raises(ListingHidden):
            service(listing=listing, actor=author.user)
    with pytest.raises(ListingHidden):
        listing_update(listing=listing, actor=author.user, title="Rien à voir")
    with pytest.raises(PermissionDenied):
        listing_unhide(listing=listing, actor=author.user)
    shown = listing_unhide(listing=listing, actor=staff_user)
    assert (shown.status, shown.hidden_reason, shown.hidden_by) == ("active", "", None)


# --- expiry -----------------------------------------------------------------------------------


def test_expiry_run_twice_expires_once_and_mails_each_author_once(
    author, make_member, django_capture_on_commit_callbacks
):
    due = publish(author, expires_on=in_days(1))
    paused = publish(author, title="Tondeuse à prêter", expires_on=in_days(1))
    listing_pause(listing=paused, actor=author.user)
    later = publish(author, title="Cours de guitare", expires_on=in_days(10))
    no_mail = publish(make_member(), title="Sans adresse", expires_on=in_days(1))
    run_at = timezone.now() + datetime.timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert listings_expire_due(now=run_at) == 3
    with django_capture_on_commit_callbacks(execute=True):
        assert listings_expire_due(now=run_at) == 0
    statuses = dict(Listing.objects.values_list("pk", "status"))
    assert statuses == {due.pk: "expired", paused.pk: "expired", later.pk: "active", no_mail.pk: "expired"}
    # The subject names the listing (its wording is translated: French once the catalogue has it).
    assert sorted("Réparation" in m.subject or "Tondeuse" in m.subject for m in mail.outbox) == [True, True]
    assert {"Réparation de vélo", "Tondeuse à prêter"} == {
        title for title in ("Réparation de vélo", "Tondeuse à prêter") for m in mail.outbox if title in m.subject
    }
    assert len(mail.outbox) == 2  # the author with an address, once per listing; a second run sends nothing
    assert all(message.to == ["alice@example.org"] for message in mail.outbox)
    assert Listing.objects.filter(expiry_notified=True).count() == 3


def test_a_listing_expiring_today_is_still_active_today(author):
    publish(author, expires_on=timezone.localdate())
    assert listings_expire_due() == 0
    assert Listing.objects.get().status == "active"


def test_the_celery_task_calls_the_service(author):
    from exchange.tasks import listings_expire_due as task

    Listing.objects.filter(pk=publish(author).pk).update(expires_on=in_days(-1))
    assert task.apply().get() == 1
    assert Listing.objects.get().status == "expired"


# --- admin ------------------------------------------------------------------------------------


@pytest.fixture
def admin_client_logged_in(client, django_user_model):
    from tests.conftest import PASSWORD

    django_user_model.objects.create_superuser(username="root", password=PASSWORD)
    assert client.login(username="root", password=PASSWORD)
    return client


def test_the_admin_hide_action_calls_the_service_and_needs_a_reason(
    author, admin_client_logged_in, django_capture_on_commit_callbacks
):
    listing = publish(author)
    url = "/admin/exchange/listing/"
    assert admin_client_logged_in.get(url).status_code == 200
    assert admin_client_logged_in.get(f"{url}{listing.pk}/change/").status_code == 200
    admin_client_logged_in.post(url, {"action": "hide", "_selected_action": [listing.pk], "reason": ""})
    listing.refresh_from_db()
    assert listing.status == "active"
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_logged_in.post(url, {"action": "hide", "_selected_action": [listing.pk], "reason": "Spam"})
    listing.refresh_from_db()
    assert (listing.status, listing.hidden_reason, len(mail.outbox)) == ("hidden", "Spam", 1)
    admin_client_logged_in.post(url, {"action": "unhide", "_selected_action": [listing.pk]})
    listing.refresh_from_db()
    assert listing.status == "active"


def test_the_admin_edits_categories_and_lists_exchanges_and_reviews(admin_client_logged_in):
    for url in ("/admin/exchange/category/", "/admin/exchange/exchange/", "/admin/exchange/review/"):
        assert admin_client_logged_in.get(url).status_code == 200
    repairs = Category.objects.get(slug="reparations")
    assert admin_client_logged_in.get(f"/admin/exchange/category/{repairs.pk}/change/").status_code == 200
    response = admin_client_logged_in.post(
        "/admin/exchange/category/add/",
        {"slug": "couture", "name_fr": "Couture", "name_en": "Sewing", "position": 3, "parent": repairs.pk,
         "children-TOTAL_FORMS": 0, "children-INITIAL_FORMS": 0},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Category.objects.get(slug="couture").parent == repairs
