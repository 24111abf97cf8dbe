"""Requests refused before any view reads them, in one place for every route.

- A NUL character in the path, a query string key or value, or a page's form field: PostgreSQL
  refuses NUL in text, so a search for `?q=%00` used to end in a 500 deep inside a query. No
  Bocage input may contain one; it is answered 400 (JSON `bad_request` under /api/, a plain page
  elsewhere) whatever the route.
- An API body over DATA_UPLOAD_MAX_MEMORY_SIZE, announced by its Content-Length: 413 JSON
  `request_too_large` before anything reads it. Django would raise RequestDataTooBig from inside
  the view, which DEBUG (the embedded run) turns into an HTML page. Multipart uploads are left to
  their views: Django does not count their files against that limit, and images have their own.

It runs before the session and the locale middleware (nothing of the request is trusted yet), so it
picks the caller's language itself.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from core.api_errors import error_body

NUL = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _has_nul(pairs: list[tuple[str, list[str]]]) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in pairs)


def carries_nul(request: HttpRequest) -> bool:
    if NUL in request.path_info or _has_nul(list(request.GET.lists())):
        return True
    if is_api(request) or request.method != "POST" or request.content_type not in FORM_TYPES:
        return False  # API bodies are parsed by DRF, whose text fields refuse NUL themselves
    try:
        # The CSRF middleware reads a page's form right after this anyway.
        return _has_nul(list(request.POST.lists()))
    except (SuspiciousOperation, MultiPartParserError, UnreadablePostError):
        return False  # too big or malformed: refused further on, exactly as before


def body_too_large(request: HttpRequest) -> bool:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None or not is_api(request) or request.content_type == "multipart/form-data":
        return False
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > limit


def too_large_response() -> JsonResponse:
    return JsonResponse(error_body("request_too_large", _("The request body is too large.")), status=413)


class RequestGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if body_too_large(request):
            with translation.override(translation.get_language_from_request(request)):
                return too_large_response()
        if carries_nul(request):
            with translation.override(translation.get_language_from_request(request)):
                return self.nul_refused(request)
        return self.get_response(request)

    @staticmethod
    def nul_refused(request: HttpRequest) -> HttpResponse:
        message = _("The request contains a NUL character, which no field accepts.")
        if is_api(request):
            return JsonResponse(error_body("bad_request", message), status=400)
        return HttpResponse(render_to_string("errors/400.html", {"message": message}), status=400)
