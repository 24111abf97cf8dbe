from django.core.management import call_command


def test_the_openapi_schema_generates_and_validates_without_a_single_warning(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    assert text.startswith("openapi: 3.")
    for path in ["/api/transfers/", "/api/holds/{id}/capture/", "/api/accounts/{id}/entries/", "/api/members/me/"]:
        assert path in text
