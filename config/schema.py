"""OpenAPI post-processing: document the JSON errors the one exception handler can answer anywhere."""

from __future__ import annotations

from typing import Any

# Any operation may answer these through `core.api_errors.exception_handler` (bad input, no or
# wrong credentials, someone else's object, a conflict, a body too large, a wrong content type,
# throttling); the schema says so, so clients and schemathesis know the shape of each.
ERROR_RESPONSES = {
    "400": "Invalid input.",
    "401": "Authentication credentials were not provided or are invalid.",
    "403": "Permission denied.",
    "404": "Not found.",
    "409": "Conflict with the current state.",
    "413": "Request body too large.",
    "415": "Unsupported media type.",
    "429": "Too many requests.",
}
ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {}},
    },
    "required": ["code", "message"],
}
METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for code, description in ERROR_RESPONSES.items():
                responses.setdefault(code, {"description": description, "content": reference})
    return result
