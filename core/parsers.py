"""DRF's JSON parser, with deeply nested documents answered as malformed (400), not a 500."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            # The decoder recurses once per nesting level; DRF only turns ValueError into 400.
            raise ParseError(_("The JSON is nested too deeply.")) from None
