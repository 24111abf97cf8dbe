import pytest
from django.test import Client

from currency.models import Comptoir
from tests.currency.funding import give_ach

pytestmark = pytest.mark.django_db


def test_administrators_see_the_backing_on_the_reconversion_and_comptoir_pages(staff_user, make_member):
    give_ach(make_member(), "25.00")
    Comptoir.objects.create(name="Cowork des Achards")
    client = Client()
    client.force_login(staff_user)
    for page in ["/reconversion/", "/comptoir/"]:
        html = client.get(page).content.decode()
        assert 'data-testid="backing"' in html, page
        assert "25,00 ACH" in html and "25,00 EUR" in html
        assert "entièrement couverte" in html


def test_members_do_not_see_the_backing_panel_on_their_pages(make_member):
    business = make_member(kind="business")
    client = Client()
    client.force_login(business.user)
    assert 'data-testid="backing"' not in client.get("/reconversion/").content.decode()
