"""A lost database connection answers 503, never a 500 page or a half-told story.

If the connection drops in the middle of a request (PostgreSQL restarted, a failover, the network),
the posting under way rolled back with it: the database commits a transaction and its entries
together or not at all. The caller is told so, in JSON under /api/ and on a plain page elsewhere
(the site's own template would need the database for the user and the session), and the
connection is dropped so the next request opens a fresh one. An API retry with the same
Idempotency-Key posts at most once: the ledger's key is committed with the posting.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from core.api_errors import error_body

logger = logging.getLogger("bocage.faults")

DATABASE_ERRORS = (OperationalError, InterfaceError)


def database_unavailable_message() -> str:
    return _(
        "The database could not be reached, so nothing was recorded by this request. "
        "Please try again in a moment (with the same Idempotency-Key for an API payment: it will not be posted twice)."
    )


def drop_broken_connections() -> None:
    """Close the connections that can no longer be used; Django reopens them on the next query."""
    for connection in connections.all(initialized_only=True):
        if connection.in_atomic_block:
            continue
        try:
            if connection.connection is not None and not connection.is_usable():
                connection.close()
        except DATABASE_ERRORS:
            connection.close()


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        logger.warning("database unavailable during %s %s: %s", request.method, request.path, exception)
        drop_broken_connections()
        message = database_unavailable_message()
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse(error_body("database_unavailable", message), status=503)
        else:
            response = HttpResponse(render_to_string("errors/503.html", {"message": message}), status=503)
        response["Retry-After"] = "5"
        return response
