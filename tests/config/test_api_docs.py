"""The API schema over HTTP: valid OpenAPI 3, served as JSON on request, and its docs page."""

from __future__ import annotations

import yaml
from drf_spectacular.validation import validate_schema

from tests.conftest import api_client_for


def test_the_schema_is_valid_openapi_3(db):
    response = api_client_for(None).get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3")
    validate_schema(schema)
    for path in ["/api/transfers/", "/api/accounts/{id}/entries/", "/api/holds/{id}/capture/", "/api/members/"]:
        assert path in schema["paths"]
    parameters = schema["paths"]["/api/transfers/"]["post"]["parameters"]
    assert {"in": "header", "name": "Idempotency-Key"}.items() <= parameters[0].items()


def test_the_schema_is_served_as_json_on_request(db):
    response = api_client_for(None).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3")


def test_the_docs_page_answers_200(db):
    response = api_client_for(None).get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
