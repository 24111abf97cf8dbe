"""A small community for the crawls (tests/e2e/test_crawl.py, tests/config/test_catalogue.py):
one of each role and a little of everything they see, built through the factories (so through
the services) in a second or two, where seed_demo takes about two minutes.

Its texts avoid the common words the language checks look for ("des", "the"…), so what those
checks find is the site's own text, not this data's.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from djmoney.money import Money

from currency.models import Comptoir
from currency.services.payments import payment_request_create
from currency.services.reconversions import reconversion_request
from exchange.services.exchanges import exchange_propose
from ledger.models import ExportJob
from members.models import Member
from tests.factories import (
    PASSWORD,
    CampaignFactory,
    CooperativeFactory,
    ListingFactory,
    MemberFactory,
    account_of,
    auditor_user,
    fund,
)
from timebank.services import service_record_create

ROLES = ("anonymous", "resident", "business", "clerk", "administrator", "auditor")


@dataclass
class World:
    resident: Member
    business: Member
    clerk: User
    administrator: User
    auditor: User

    def username(self, role: str) -> str | None:
        return {
            "anonymous": None,
            "resident": self.resident.user.username,
            "business": self.business.user.username,
            "clerk": self.clerk.username,
            "administrator": self.administrator.username,
            "auditor": self.auditor.username,
        }[role]

    def user(self, role: str) -> User | None:
        username = self.username(role)
        return None if username is None else User.objects.get(username=username)


def build_world() -> World:
    resident = MemberFactory(username="camille", display_name="Camille Martin")
    business = MemberFactory(
        business=True, username="boulangerie", display_name="Boulangerie Gaborit", iban="FR1420041010050500013M02606"
    )
    fund(account_of(resident, "ACH"), "50")
    fund(account_of(resident, "HRS"), "3")
    fund(account_of(resident, "GRN"), "30")
    fund(account_of(business, "ACH"), "20")

    clerk = User.objects.create_user("guichet", password=PASSWORD)
    comptoir = Comptoir.objects.create(name="Comptoir Cowork", address="2 rue Michel-Breton")
    comptoir.staff.add(clerk)
    administrator = User.objects.create_user("admin", password=PASSWORD, is_staff=True, is_superuser=True)
    auditor = auditor_user("auditrice")

    listing = ListingFactory(author=business, title="Miche levain", description="Deux miches, chaque semaine.")
    exchange_propose(listing=listing, proposer=resident, amount=None, message="Vers 10 h ?", actor=resident.user)
    service_record_create(
        provider=resident, receiver=business, hours=Money("1.5", "HRS"), description="Jardinage", actor=resident.user
    )
    reconversion_request(member=business, amount=Money("10", "ACH"), actor=business.user)
    CampaignFactory(
        owner=business, live=True, title="Fablab", summary="Imprimante 3D, découpeuse laser.", story="Un atelier."
    )
    CooperativeFactory(name="SCIC Tiers-Lieux", seat_address="2 rue Michel-Breton, 85150")
    payment_request_create(
        payee_account=account_of(business, "ACH"), amount=Money("12.50", "ACH"), memo="Baguettes", actor=business.user
    )
    ExportJob.objects.create(  # a page the auditor follows (the export's progress)
        kind=ExportJob.Kind.FEC, parameters={"year": 2026}, requested_by=auditor, progress_done=1, progress_total=4
    )
    return World(resident, business, clerk, administrator, auditor)
