"""Shared helpers of the exchange-office and reconversion tests set up through services."""

from __future__ import annotations

from decimal import Decimal

from djmoney.money import Money

from currency.models import Comptoir, Conversion
from currency.selectors.backing import check_backing
from currency.services.conversions import conversion_create
from ledger.models import Account, Entry, Transaction
from ledger.services import system_account
from members.models import Member
from members.services import member_update

IBAN_BUSINESS = "FR1420041010050500013M02606"
BIC_BUSINESS = "PSSTFRPPNTE"
IBAN_OTHER = "FR7630006000011234567890189"
BIC_OTHER = "AGRIFRPP"


def make_comptoir(django_user_model, name: str = "Comptoir des Achards") -> tuple[Comptoir, object]:
    """A comptoir and the cashier who works there (not staff of the association)."""
    cashier = django_user_model.objects.create_user(username=f"caisse-{Comptoir.objects.count()}", password="x")
    comptoir = Comptoir.objects.create(name=name, address="2 rue Michel-Breton, 85150 Les Achards")
    comptoir.staff.add(cashier)
    return comptoir, cashier


def convert(comptoir: Comptoir, cashier, member: Member, euros: str, method: str = "cash", key: str | None = None):
    return conversion_create(
        comptoir=comptoir,
        member=member,
        amount=Money(Decimal(euros), "EUR"),
        payment_method=method,
        actor=cashier,
        idempotency_key=key,
    )


def give_iban(member: Member, iban: str = IBAN_BUSINESS, bic: str = BIC_BUSINESS) -> Member:
    return member_update(member=member, actor=None, iban=iban, bic=bic)


def balance(account: Account) -> int:
    account.refresh_from_db()
    return account.balance


def system_balances() -> dict[str, int]:
    """The balances (minor units) of every system account the exchange flows touch."""
    return {
        "world_eur": balance(system_account(Account.SystemCode.WORLD, "EUR")),
        "guarantee_fund": balance(system_account(Account.SystemCode.GUARANTEE_FUND, "EUR")),
        "issuance_ach": balance(system_account(Account.SystemCode.ISSUANCE, "ACH")),
        "fees_eur": balance(system_account(Account.SystemCode.FEES, "EUR")),
    }


def assert_backed() -> None:
    lines = check_backing()
    assert [line.unit for line in lines] == ["ACH"]
    assert all(line.ok for line in lines), lines
    assert lines[0].circulation == lines[0].guarantee_fund


def ledger_snapshot() -> tuple:
    return (
        Transaction.objects.count(),
        Entry.objects.count(),
        tuple(Account.objects.order_by("id").values_list("id", "balance", "held")),
        Conversion.objects.count(),
    )
