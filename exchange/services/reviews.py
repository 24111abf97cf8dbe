"""What the two parties of an exchange say to each other (messages) and about each other once it is
paid (reviews, one each, rating 1 to 5)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.errors import InvalidInput, PermissionDenied
from core.typing import Actor
from exchange.errors import AlreadyReviewed, NotReviewable
from exchange.models import Exchange, ExchangeMessage, Review
from exchange.notifications import exchange_path, member_notify, other_party
from ledger import selectors as ledger_selectors

from .transitions import PARTY, S, acting_member, check_visible, roles_of

__all__ = ["exchange_is_reviewable", "exchange_message_post", "review_create"]


def exchange_message_post(*, exchange: Exchange, body: str, actor: Actor) -> ExchangeMessage:
    """A party writes to the other. Raises ExchangeNotFound, PermissionDenied (moderator), InvalidInput."""
    roles = roles_of(exchange, actor)
    check_visible(exchange, roles)
    if not roles & PARTY:
        raise PermissionDenied(_("Only the two parties write on an exchange."))
    body = (body or "").strip()
    if not body:
        raise InvalidInput(fields={"body": [_("Write a message.")]})
    if len(body) > 2000:
        raise InvalidInput(fields={"body": [_("At most 2000 characters.")]})
    author = acting_member(actor)
    assert author is not None
    with transaction.atomic(durable=True):
        message = ExchangeMessage.objects.create(exchange=exchange, author=author, body=body)
        recipient = other_party(exchange, author)
        member_notify(
            recipient,
            "exchange_message",
            {"who": author.display_name, "id": exchange.pk, "title": exchange.listing.title},
            exchange_path(exchange),
            _("New message on exchange #%(id)s") % {"id": exchange.pk},
            _("%(who)s wrote:\n\n%(body)s") % {"who": author.display_name, "body": body},
        )
    return message


def exchange_is_reviewable(exchange: Exchange) -> bool:
    if exchange.status == S.COMPLETED:
        return True
    return (
        exchange.status == S.RESOLVED
        and exchange.hold_id is not None
        and ledger_selectors.hold_captured(exchange.hold_id)
    )


def review_create(*, exchange: Exchange, rating: Any, comment: str = "", actor: Actor) -> Review:
    """A party reviews the other once the exchange is paid (one review each, rating 1 to 5).

    Raises ExchangeNotFound, PermissionDenied (not a party), NotReviewable, AlreadyReviewed, InvalidInput.
    """
    roles = roles_of(exchange, actor)
    check_visible(exchange, roles)
    if not roles & PARTY:
        raise PermissionDenied(_("Only the two parties review an exchange."))
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidInput(fields={"rating": [_("Give a rating from 1 to 5.")]})
    if len(comment) > 2000:
        raise InvalidInput(fields={"comment": [_("At most 2000 characters.")]})
    if not exchange_is_reviewable(exchange):
        raise NotReviewable()
    author = acting_member(actor)
    assert author is not None
    subject = other_party(exchange, author)
    if Review.objects.filter(exchange=exchange, author=author).exists():
        raise AlreadyReviewed()
    try:
        with transaction.atomic():
            return Review.objects.create(
                exchange=exchange, author=author, subject=subject, rating=rating, comment=comment.strip()
            )
    except IntegrityError:  # a concurrent second review: the unique constraint decides
        raise AlreadyReviewed() from None
