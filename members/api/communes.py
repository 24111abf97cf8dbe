"""Members' API: the communes of the territory. The members themselves (/api/members/) are served
by membership/api/members.py, whose actions reach the ledger."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import Commune
from .serializers import CommuneSerializer


class CommuneListView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=CommuneSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(CommuneSerializer(Commune.objects.order_by("name"), many=True).data)
