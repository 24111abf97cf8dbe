"""Share counts and the register's amounts read only ASCII digits, on the pages and in the API."""

from __future__ import annotations

import pytest

from cooperative.models import Cooperative, ShareClass
from tests.cooperative.api_support import assert_error, client, snapshot, url
from tests.cooperative.helpers import college, found_scic, share_class
from tests.cooperative.test_pages_member import browse, writes

pytestmark = pytest.mark.django_db


ENGLISH_AMOUNT_ERROR = "Enter an amount in digits, such as “12.50”."


@pytest.mark.parametrize("quantity", ["1_0", "\u0663", "\uff13", "3.0", "3e0"])
def test_a_share_count_typed_with_anything_but_ascii_digits_is_a_form_error_and_asks_nothing(make_member, quantity):
    helene = make_member(username="helene")
    coop = found_scic()
    body = {"share_class": str(share_class(coop, "B").pk), "quantity": quantity, "college": college(coop, "Usagers").pk}
    page = browse(helene.user).post(f"/cooperatives/{coop.pk}/subscribe/", body)
    assert page.context["form"].errors["quantity"] == ["Enter a whole number."]
    assert writes() == (0, 0, 0, 0, 0)


@pytest.mark.parametrize("quantity", ["1_0", "\u0663", "\uff13", "3.0", 3.0])
def test_the_api_refuses_such_share_counts_with_400_and_writes_nothing(coop, make_member, quantity):
    carol = make_member(username="carol")
    before = snapshot()
    body = {"share_class": share_class(coop, "B").pk, "quantity": quantity, "college": college(coop, "Usagers").pk}
    refused = assert_error(
        client(carol.user).post(url(coop, "subscription-requests"), body, format="json"), 400, "invalid"
    )
    assert list(refused["fields"]) == ["quantity"]
    assert snapshot() == before


@pytest.mark.parametrize("nominal_value", ["1_0", "\u0661", "\uff11", "1e2", "50,5", 50])
def test_a_nominal_value_typed_otherwise_than_as_a_decimal_string_is_refused_with_400(coop, admin, nominal_value):
    before = (snapshot(), ShareClass.objects.count(), Cooperative.objects.count())
    body = {"code": "C", "name": "Partenaires", "nominal_value": nominal_value, "description": ""}
    refused = assert_error(client(admin).post(url(coop, "share-classes"), body, format="json"), 400, "invalid")
    assert refused["fields"] == {"nominal_value": [ENGLISH_AMOUNT_ERROR]}
    assert (snapshot(), ShareClass.objects.count(), Cooperative.objects.count()) == before
