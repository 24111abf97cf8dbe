"""One DRF exception handler: every API error is JSON {"code", "message", "fields"?}."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from .errors import ApplicationError


def error_body(code: str, message: Any, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": str(message)}
    if fields:
        body["fields"] = fields
    return body


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    return str(detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    headers: dict[str, str] = {}
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.status)
    if isinstance(exc, RequestDataTooBig):
        # A body without a Content-Length (chunked) is only found too large as DRF reads it;
        # re-raised, Django would answer it with an HTML page when DEBUG is on.
        return Response(error_body("request_too_large", _("The request body is too large.")), status=413)
    if isinstance(exc, Http404):
        return Response(error_body("not_found", _("Not found.")), status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            non_field = detail.pop("non_field_errors", None) if "non_field_errors" in detail else None
            message = _flatten(non_field)[0] if non_field else _("Some fields are invalid.")
            return Response(error_body("invalid", message, _flatten(detail) or None), status=400)
        return Response(error_body("invalid", _flatten(detail)[0] if detail else _("Invalid input.")), status=400)
    if isinstance(exc, exceptions.APIException):
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        if isinstance(exc, exceptions.ParseError):
            code = "malformed"
        return Response(error_body(code, _flatten(exc.detail)), status=exc.status_code, headers=headers)
    return None
