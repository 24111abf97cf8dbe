"""Public API (no authentication needed): the directory and the transparency open data.

Neither ever carries personal data: the directory lists only businesses and associations that
chose to appear in it, the transparency figures are aggregates.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.csv import csv_format, csv_text
from core.errors import InvalidInput
from currency.selectors import public as selectors_public
from ledger.units import get_unit
from members.models import Commune, Member

# --- directory --------------------------------------------------------------------------------


class DirectoryCommuneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Commune
        fields = ["id", "name", "postal_code"]


class DirectoryEntrySerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)
    commune = DirectoryCommuneSerializer(read_only=True, allow_null=True)
    # The address and phone only where the organisation chose to show them ("" otherwise).
    address = serializers.CharField(source="public_address", read_only=True)
    phone = serializers.CharField(source="public_phone", read_only=True)

    class Meta:
        model = Member
        # Public contact details of an organisation only: never a username, an e-mail or an IBAN.
        fields = [
            "id",
            "name",
            "kind",
            "activity",
            "description",
            "commune",
            "address",
            "phone",
            "website",
            "opening_hours",
        ]


class DirectoryView(generics.ListAPIView):
    """Businesses and associations that accept ACH (filters: commune id, activity, free text q)."""

    permission_classes = [permissions.AllowAny]
    serializer_class = DirectoryEntrySerializer

    def get_queryset(self) -> Any:
        params = self.request.query_params
        commune: int | None = None
        raw_commune = params.get("commune", "").strip()
        if raw_commune:
            if not raw_commune.isdigit() or len(raw_commune) > 18:
                raise InvalidInput(fields={"commune": [_("A commune is given by its id (a number).")]})
            commune = int(raw_commune)
        return selectors_public.directory(
            commune=commune, activity=params.get("activity") or None, q=params.get("q") or None
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("commune", OpenApiTypes.INT, description="Commune id (see /api/communes/)."),
            OpenApiParameter("activity", OpenApiTypes.STR, description="Exact activity, e.g. “Boulangerie”."),
            OpenApiParameter("q", OpenApiTypes.STR, description="Free text search."),
        ]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


# --- transparency -----------------------------------------------------------------------------


class BackedUnitSerializer(serializers.Serializer):
    circulation = serializers.CharField(help_text="Currency in circulation, e.g. “1234.00”.")
    guarantee_fund = serializers.CharField(help_text="Euros in the guarantee fund, e.g. “1234.00”.")
    backed = serializers.BooleanField(help_text="True when circulation equals the guarantee fund.")


class CommuneFiguresSerializer(serializers.Serializer):
    commune = serializers.CharField()
    postal_code = serializers.CharField()
    members = serializers.IntegerField()
    businesses = serializers.IntegerField()


class MemberFiguresSerializer(serializers.Serializer):
    active = serializers.IntegerField()
    businesses = serializers.IntegerField()
    associations = serializers.IntegerField()
    by_commune = CommuneFiguresSerializer(many=True)


class MonthFiguresSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    payments = serializers.CharField(help_text="ACH paid between members that month, e.g. “310.50”.")
    payments_unit = serializers.CharField()
    payments_count = serializers.IntegerField()
    hours = serializers.CharField(help_text="Hours exchanged in the time bank that month, e.g. “12.50”.")
    hours_unit = serializers.CharField()


class SealSerializer(serializers.Serializer):
    sequence = serializers.IntegerField()
    hash = serializers.CharField()
    last_transaction_id = serializers.IntegerField()
    sealed_at = serializers.DateTimeField()


class TransparencySerializer(serializers.Serializer):
    units = serializers.DictField(child=BackedUnitSerializer())
    members = MemberFiguresSerializer()
    monthly = MonthFiguresSerializer(many=True)
    latest_seal = SealSerializer(allow_null=True)
    generated_at = serializers.DateTimeField()


def transparency_data(figures: selectors_public.TransparencyFigures) -> dict[str, Any]:
    """The figures as open data: amounts are decimal strings in major units."""
    eur = get_unit("EUR")
    payments_unit = get_unit(selectors_public.PAYMENTS_UNIT)
    hours_unit = get_unit(selectors_public.HOURS_UNIT)
    seal = figures.latest_seal
    return {
        "units": {
            line.unit: {
                "circulation": str(get_unit(line.unit).to_decimal(line.circulation)),
                "guarantee_fund": str(eur.to_decimal(line.guarantee_fund)),
                "backed": line.fully_backed,
            }
            for line in figures.units
        },
        "members": {
            "active": figures.active_members,
            "businesses": figures.businesses,
            "associations": figures.associations,
            "by_commune": [
                {
                    "commune": commune.name,
                    "postal_code": commune.postal_code,
                    "members": commune.members,
                    "businesses": commune.businesses,
                }
                for commune in figures.communes
            ],
        },
        "monthly": [
            {
                "month": month.month.strftime("%Y-%m"),
                "payments": str(payments_unit.to_decimal(month.payments)),
                "payments_unit": payments_unit.code,
                "payments_count": month.payments_count,
                "hours": str(hours_unit.to_decimal(month.hours)),
                "hours_unit": hours_unit.code,
            }
            for month in figures.monthly
        ],
        "latest_seal": None
        if seal is None
        else {
            "sequence": seal.sequence,
            "hash": seal.hash,
            "last_transaction_id": seal.last_transaction_id,
            "sealed_at": seal.sealed_at.isoformat(),
        },
        "generated_at": figures.generated_at.isoformat(),
    }


CSV_COLUMNS = ["indicator", "unit", "commune", "month", "value"]  # the English file's: a client contract
# The French file's headers (the default, core.csv); the indicators' codes stay codes in both.
CSV_COLUMNS_LABELS = {
    "indicator": gettext_lazy("indicator"),
    "unit": gettext_lazy("unit"),
    "commune": gettext_lazy("commune"),
    "month": gettext_lazy("month"),
    "value": gettext_lazy("value"),
}


def transparency_csv_rows(data: dict[str, Any]) -> list[list[Any]]:
    """The open data as one long table: indicator, unit, commune, month, value."""
    rows: list[list[Any]] = []
    for code, line in data["units"].items():
        rows.append(["circulation", code, "", "", Decimal(line["circulation"])])
        rows.append(["guarantee_fund", "EUR", "", "", Decimal(line["guarantee_fund"])])
        rows.append(["fully_backed", code, "", "", "yes" if line["backed"] else "no"])
    members = data["members"]
    rows.append(["active_members", "", "", "", members["active"]])
    rows.append(["businesses", "", "", "", members["businesses"]])
    rows.append(["associations", "", "", "", members["associations"]])
    for commune in members["by_commune"]:
        rows.append(["active_members", "", commune["commune"], "", commune["members"]])
        rows.append(["businesses", "", commune["commune"], "", commune["businesses"]])
    for month in data["monthly"]:
        rows.append(["payments", month["payments_unit"], "", month["month"], Decimal(month["payments"])])
        rows.append(["payments_count", "", "", month["month"], month["payments_count"]])
        rows.append(["hours", month["hours_unit"], "", month["month"], Decimal(month["hours"])])
    seal = data["latest_seal"]
    rows.append(["latest_seal_hash", "", "", "", seal["hash"] if seal else ""])
    return rows


class TransparencyCSVRenderer(BaseRenderer):
    """`?format=csv` (DRF's format override) or `Accept: text/csv`: the open data as CSV.

    French by default, like every export (core.csv: `;`, decimal comma, French headers, BOM);
    `&lang=en` gives the file as it was first published: `,`, decimal point, the English columns
    `indicator,unit,commune,month,value`, no BOM. The indicators are codes in both."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        request = (renderer_context or {}).get("request")
        fmt = csv_format(request)
        if isinstance(data, dict) and "units" in data:
            header: list[Any] = CSV_COLUMNS if fmt.language == "en" else [CSV_COLUMNS_LABELS[c] for c in CSV_COLUMNS]
            rows = transparency_csv_rows(data)
        elif isinstance(data, dict):  # an error body {"code", "message"}
            header, rows = ["code", "message"], [[data.get("code", ""), data.get("message", "")]]
        else:
            return b""
        return csv_text(fmt, header, rows).encode(self.charset)


class TransparencyView(APIView):
    """The currency's public figures: backing, members per commune, monthly activity, latest seal."""

    permission_classes = [permissions.AllowAny]
    renderer_classes = [JSONRenderer, TransparencyCSVRenderer]

    @extend_schema(
        responses=TransparencySerializer,
        parameters=[
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"], description="csv: the same as CSV."),
            OpenApiParameter(
                "lang",
                OpenApiTypes.STR,
                enum=["fr", "en"],
                description=(
                    "CSV only. fr (default): `;` separated, decimal comma, French headers, UTF-8 with BOM. "
                    "en: `,` separated, decimal point, the columns indicator,unit,commune,month,value, no BOM."
                ),
            ),
        ],
    )
    def get(self, request: Request) -> Response:
        data = transparency_data(selectors_public.transparency_figures())
        response = Response(data)
        if request.accepted_renderer.format == "csv":
            response["Content-Disposition"] = 'inline; filename="bocage-transparency.csv"'
        return response


urlpatterns = [
    path("directory/", DirectoryView.as_view(), name="api-directory"),
    path("transparency/", TransparencyView.as_view(), name="api-transparency"),
]
