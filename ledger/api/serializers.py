"""API shapes of the ledger. Amounts travel as strings in major units beside their unit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.amounts import AMOUNT_INVALID, AmountError, is_whole_number, parse_amount

from ..models import Account, Entry, Hold, Transaction
from ..units import get_unit


def as_decimal_text(minor: int, unit: str) -> str:
    """An amount in minor units as the API writes it: a decimal string in its unit ("12.50")."""
    return str(get_unit(unit).to_decimal(minor))


@extend_schema_field({"type": "string", "format": "decimal", "nullable": True, "example": "12.50"})
class MinorAmountField(serializers.Field):
    """Reads an integer in minor units and shows it as a decimal string in the object's unit."""

    def __init__(self, unit_attr: str = "unit", **kwargs: Any) -> None:
        self.unit_attr = unit_attr
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def get_attribute(self, instance: Any) -> Any:
        return (super().get_attribute(instance), getattr(instance, self.unit_attr))

    def to_representation(self, value: Any) -> str | None:
        minor, unit = value
        return None if minor is None else as_decimal_text(minor, unit)


@extend_schema_field({"type": "string", "format": "decimal", "example": "12.50"})
class AmountInputField(serializers.Field):
    """An amount as a JSON string ("12.50"), read by the one parser (`core.amounts.parse_amount`).

    A JSON number is malformed (400) like any other field of the wrong type: a float has already
    lost digits, and the schema says string. Whether the amount is acceptable (positive, not too
    many decimals for its unit) is the service's call, answered with 422 invalid_amount.
    """

    default_error_messages = {"invalid": AMOUNT_INVALID}

    def to_internal_value(self, data: Any) -> Decimal:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            return parse_amount(data, localized=False)
        except AmountError:
            self.fail("invalid")

    def to_representation(self, value: Any) -> str:
        return str(value)


class StrictDecimalInputField(serializers.DecimalField):
    """DRF's DecimalField for rates and ratios, its text first read by the one parser: a decimal
    string of ASCII digits ("0.05"), as the schema says; DRF alone reads "1_0" as 10 and "١" as 1."""

    def to_internal_value(self, data: Any) -> Decimal:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            parse_amount(data, localized=False)
        except AmountError:
            self.fail("invalid")
        return super().to_internal_value(data)


class WholeNumberInputField(serializers.IntegerField):
    """A count (shares, votes): a JSON integer, or a string of ASCII digits; DRF's IntegerField
    alone would also read "1_0" as 10, "١" as 1 and 1.0 as 1."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, (bool, float)) or (isinstance(data, str) and not is_whole_number(data)):
            self.fail("invalid")
        return super().to_internal_value(data)


class HolderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    kind = serializers.CharField()


class AccountSerializer(serializers.ModelSerializer):
    holder = HolderSerializer(read_only=True, allow_null=True)
    balance = MinorAmountField()
    held = MinorAmountField()
    available = MinorAmountField()
    min_balance = MinorAmountField()
    max_balance = MinorAmountField()
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]  # a field, popped by the metaclass

    class Meta:
        model = Account
        fields = [
            "id",
            "unit",
            "kind",
            "system_code",
            "label",
            "holder",
            "balance",
            "held",
            "available",
            "min_balance",
            "max_balance",
            "status",
        ]


class EntrySerializer(serializers.ModelSerializer):
    amount = MinorAmountField()
    balance_after = MinorAmountField()
    created_at = serializers.DateTimeField(source="transaction.created_at", read_only=True)
    memo = serializers.CharField(source="transaction.memo", read_only=True)
    memo_display = serializers.CharField(
        source="transaction.memo_display",
        read_only=True,
        help_text="The memo in the caller's language (a system memo's code rendered); `memo` as stored.",
    )
    kind = serializers.CharField(source="transaction.kind_id", read_only=True)

    class Meta:
        model = Entry
        fields = [
            "id",
            "transaction",
            "account",
            "unit",
            "amount",
            "balance_after",
            "created_at",
            "memo",
            "memo_display",
            "kind",
        ]


class TransactionEntrySerializer(serializers.ModelSerializer):
    amount = MinorAmountField()
    balance_after = MinorAmountField()

    class Meta:
        model = Entry
        fields = ["id", "account", "unit", "amount", "balance_after"]

    def to_representation(self, instance: Entry) -> dict[str, Any]:
        # What the declared fields give, written out (see TransactionSerializer.to_representation).
        return {
            "id": instance.pk,
            "account": instance.account_id,
            "unit": instance.unit,
            "amount": as_decimal_text(instance.amount, instance.unit),
            "balance_after": as_decimal_text(instance.balance_after, instance.unit),
        }


_DATETIME = serializers.DateTimeField()


class TransactionSerializer(serializers.ModelSerializer):
    entries = serializers.SerializerMethodField()
    actor = serializers.CharField(source="actor.username", read_only=True, allow_null=True)
    reversed_by = serializers.SerializerMethodField()
    memo_display = serializers.CharField(
        read_only=True, help_text="The memo in the caller's language (a system memo's code rendered); `memo` as stored."
    )

    class Meta:
        model = Transaction
        fields = ["id", "kind", "memo", "memo_display", "actor", "created_at", "reverses", "reversed_by", "entries"]

    def to_representation(self, instance: Transaction) -> dict[str, Any]:
        """What the declared fields give (they still describe the API schema), written out: building
        DRF's field objects for every answer cost a tenth of a transfer's CPU (ledger_bench, HTTP).
        tests/ledger/test_serializers.py holds both to the same output."""
        actor = instance.actor
        return {
            "id": instance.pk,
            "kind": instance.kind_id,
            "memo": instance.memo,
            "memo_display": instance.memo_display,
            "actor": actor.username if actor is not None else None,
            "created_at": _DATETIME.to_representation(instance.created_at),
            "reverses": instance.reverses_id,
            "reversed_by": self.get_reversed_by(instance),
            "entries": self.get_entries(instance),
        }

    @extend_schema_field(TransactionEntrySerializer(many=True))
    def get_entries(self, obj: Transaction) -> Any:
        entries = obj.written_entries or sorted(obj.entries.all(), key=lambda entry: entry.pk)
        as_entry = TransactionEntrySerializer().to_representation
        return [as_entry(entry) for entry in entries]

    @extend_schema_field(OpenApiTypes.INT)
    def get_reversed_by(self, obj: Transaction) -> int | None:
        if obj.written_entries is not None:
            return None  # just posted, in this request: nothing has reversed it yet
        reversal = Transaction.objects.filter(reverses=obj).values_list("pk", flat=True).first()
        return reversal


class TransferInputSerializer(serializers.Serializer):
    from_account = serializers.IntegerField(min_value=1)
    to_account = serializers.IntegerField(min_value=1)
    amount = AmountInputField()
    memo = serializers.CharField(max_length=255, allow_blank=True, required=False, default="")


class HoldInputSerializer(TransferInputSerializer):
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class CaptureInputSerializer(serializers.Serializer):
    amount = AmountInputField(required=False)


class ReverseInputSerializer(serializers.Serializer):
    memo = serializers.CharField(max_length=255, allow_blank=True, required=False, default="")


class HoldSerializer(serializers.ModelSerializer):
    from_account = serializers.IntegerField(source="debit_account_id", read_only=True)
    to_account = serializers.IntegerField(source="credit_account_id", read_only=True)
    amount = MinorAmountField()
    captured_amount = MinorAmountField()
    memo_display = serializers.CharField(
        read_only=True, help_text="The memo in the caller's language (a system memo's code rendered); `memo` as stored."
    )

    class Meta:
        model = Hold
        fields = [
            "id",
            "from_account",
            "to_account",
            "unit",
            "amount",
            "captured_amount",
            "status",
            "memo",
            "memo_display",
            "created_at",
            "expires_at",
            "resolved_at",
            "capture_transaction",
        ]


class UnitSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    decimals = serializers.IntegerField()
    default_min_balance = serializers.SerializerMethodField()
    default_max_balance = serializers.SerializerMethodField()

    @extend_schema_field({"type": "string", "format": "decimal", "nullable": True})
    def get_default_min_balance(self, unit: Any) -> str | None:
        return None if unit.default_min_balance is None else str(unit.to_decimal(unit.default_min_balance))

    @extend_schema_field({"type": "string", "format": "decimal", "nullable": True})
    def get_default_max_balance(self, unit: Any) -> str | None:
        return None if unit.default_max_balance is None else str(unit.to_decimal(unit.default_max_balance))
