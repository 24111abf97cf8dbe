"""Accepting a new version of the terms of use or the privacy notice (re-consent).

When the current version of a document (membership.signup.current_document) is newer than the one a
user last accepted, every page sends them to /terms/accept/ (`TermsAcceptanceMiddleware`), which
shows what changed and records their consent, or offers to leave; the API answers 403
`terms_not_accepted` (a session call here, a token call in config.authentication). Staff too. A user
who never accepted any version (an account created by staff or imported) is not asked here.

The hot path costs no query: the current documents are cached for a few minutes (their key carries
the day and the versions the settings pin), and a user known to be up to date is cached against that
key, so one cache read answers each request; a new version changes the key and each user is looked
up once more.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.api_errors import error_body
from core.audit import audit_record
from core.errors import ApplicationError
from core.typing import Actor
from core.usercache import cache_delete, cache_get, cache_set

from .models import Consent, LegalDocument

CACHE_SECONDS = 300
_DOCUMENTS_KEY = "legal-documents-current:{day}:{terms}:{privacy}"
_UP_TO_DATE_KEY = "legal-documents-accepted:{user}"


class TermsNotAccepted(ApplicationError):
    code = "terms_not_accepted"
    status = 403
    default_message = _("New terms of use or privacy notice: accept them on the site before using the API.")


def _documents_key() -> str:
    return _DOCUMENTS_KEY.format(
        day=timezone.localdate().isoformat(),
        terms=settings.BOCAGE_TERMS_VERSION,
        privacy=settings.BOCAGE_PRIVACY_VERSION,
    )


def current_documents_cached() -> tuple[str, list[tuple[int, str, datetime.date]]]:
    """The cache key of today's current documents and (id, kind, published_on) of each: one cache read."""
    from .signup import current_document

    key = _documents_key()
    documents = cache_get(key)  # a cache that fails: read from the database, the page still answers
    if documents is None:
        documents = []
        for kind in LegalDocument.Kind.values:
            try:
                document = current_document(kind)
            except LegalDocument.DoesNotExist:
                continue  # nothing published: nothing to accept
            documents.append((document.pk, document.kind, document.published_on))
        cache_set(key, documents, CACHE_SECONDS)
    return key, documents


def documents_to_accept(user: Any) -> list[LegalDocument]:
    """The current documents newer than the version of that kind the user last accepted (none
    accepted of a kind: not asked)."""
    _key, current = current_documents_cached()
    accepted: dict[str, datetime.date] = {}
    for kind, published_on in Consent.objects.filter(user=user).values_list("document__kind", "document__published_on"):
        accepted[kind] = max(published_on, accepted.get(kind, published_on))
    due = [pk for pk, kind, published_on in current if kind in accepted and accepted[kind] < published_on]
    return list(LegalDocument.objects.filter(pk__in=due).order_by("kind")) if due else []


def terms_accepted(user: Any) -> bool:
    """Whether the user accepted the current versions (or need not): a cache read when they did."""
    key, _current = current_documents_cached()
    up_to_date = _UP_TO_DATE_KEY.format(user=user.pk)
    if cache_get(up_to_date) == key:
        return True
    if documents_to_accept(user):
        return False
    cache_set(up_to_date, key, CACHE_SECONDS)
    return True


def terms_check(user: Any) -> None:
    """Raises TermsNotAccepted when the user owes a consent to a new version."""
    if not terms_accepted(user):
        raise TermsNotAccepted()


def terms_accept(*, user: Any, actor: Actor) -> list[Consent]:
    """Record the user's consent to the current versions they had not accepted; audited. Accepting
    twice records nothing more."""
    with transaction.atomic(durable=True):
        documents = documents_to_accept(user)
        consents = []
        for document in documents:
            consent, created = Consent.objects.get_or_create(user=user, document=document)
            if created:
                consents.append(consent)
        if consents:
            audit_record(
                actor=actor,
                action="terms_accept",
                target=user,
                versions=", ".join(f"{c.document.kind} {c.document.version}" for c in consents),
            )
    cache_delete(_UP_TO_DATE_KEY.format(user=user.pk))
    return consents


def leave_url() -> str:
    """The page to leave Bocage (/me/close/)."""
    return reverse("leaving")


class TermsAcceptanceMiddleware:
    """Sends a logged-in user who owes a consent to a new version to /terms/accept/ (with `next`);
    a session call to the API gets 403 `terms_not_accepted`. The documents themselves, leaving,
    logging out, the second factor and static files stay open. After SecondFactorMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open_paths: tuple[str, ...] | None = None

    def open_paths(self) -> tuple[str, ...]:
        if self._open_paths is None:
            # Resolved on first use: the URLconf is not loaded when middleware is built.
            self._open_paths = (
                reverse("terms"),  # /terms/ and /terms/accept/
                reverse("privacy"),
                leave_url(),
                reverse("personal-data"),  # a copy of one's data before leaving
                reverse("logout"),
                reverse("otp-verify"),
                reverse("otp-enrol"),
                reverse("admin:logout"),
                "/i18n/",
                "/healthz",
                "/readyz",
                "/" + settings.STATIC_URL.lstrip("/"),
            )
        return self._open_paths

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is None
            or not user.is_authenticated
            or request.path.startswith(self.open_paths())
            or (request.path.startswith("/api/") and request.headers.get("Authorization", "").startswith("Token "))
            or terms_accepted(user)
        ):
            return self.get_response(request)  # a token call is checked by its authentication
        if request.path.startswith("/api/"):
            return JsonResponse(error_body(TermsNotAccepted.code, TermsNotAccepted.default_message), status=403)
        return HttpResponseRedirect(f"{reverse('terms-accept')}?{urlencode({'next': request.get_full_path()})}")
