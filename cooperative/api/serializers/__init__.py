"""API shapes of the share register. Euro amounts travel as strings ("100.00") beside "unit": "EUR".

The register stores integer cents; every object that carries an amount also carries its unit, as
the ledger's shapes do. Kinds and statuses are plain strings in the schema, not enums: "status"
and "kind" already name enums in other apps, and a second one of that name would be a warning.

`reads` holds what the API answers, `inputs` what it accepts; here, the money fields both share.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ledger.units import get_unit

UNIT = "EUR"
MAX_SHARES = 1_000_000  # the services' own ceiling on a quantity
MAX_MONTHS = 1200
CENT = Decimal("0.01")


def euros(cents: int | None) -> str | None:
    return None if cents is None else str(get_unit(UNIT).to_decimal(cents))


@extend_schema_field({"type": "string", "format": "decimal", "example": "100.00"})
class EurosField(serializers.Field):
    """Integer cents shown as a decimal string of euros."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str | None:
        return euros(value)


@extend_schema_field({"type": "string", "example": "EUR", "description": "Always EUR."})
class UnitField(serializers.Field):
    def __init__(self, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        kwargs["source"] = "*"
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str:
        return UNIT
