"""API views of the time bank: service records (ask, confirm, decline) and volunteering rewards."""

from __future__ import annotations

from djmoney.money import Money
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import valid
from core.errors import NotFound
from core.idempotency import caller_id, idempotency_key_from, ledger_key, run_idempotent
from ledger import selectors as ledger_selectors
from ledger.api.ledger import IDEMPOTENCY_HEADER
from ledger.api.serializers import TransactionSerializer
from members.models import Member
from timebank.api.serializers import (
    ServiceRecordInputSerializer,
    ServiceRecordSerializer,
    VolunteeringRewardInputSerializer,
    VolunteeringRewardsBatchInputSerializer,
)
from timebank.models import ServiceRecord
from timebank.selectors import service_record_get_visible, service_records_of
from timebank.services import (
    service_record_confirm,
    service_record_create,
    service_record_decline,
    volunteering_reward,
    volunteering_rewards_batch,
)


def _member(member_id: int) -> Member:
    member = Member.objects.filter(pk=member_id).first()
    if member is None:
        raise NotFound()
    return member


def _record(request: Request, pk: int) -> ServiceRecord:
    return service_record_get_visible(user=request.user, record_id=pk)


class ServiceRecordListView(APIView):
    @extend_schema(responses=ServiceRecordSerializer(many=True), description="Services you gave or received.")
    def get(self, request: Request) -> Response:
        records = list(service_records_of(request.user)[:200])
        return Response(ServiceRecordSerializer(records, many=True).data)

    @extend_schema(
        request=ServiceRecordInputSerializer,
        responses={201: ServiceRecordSerializer},
        description="Record a service you gave; the receiver confirms (and pays the hours) or declines.",
    )
    def post(self, request: Request) -> Response:
        data = valid(ServiceRecordInputSerializer, request.data)
        provider = Member.objects.filter(user__username=request.user.get_username()).first()
        if provider is None:
            raise NotFound()
        record = service_record_create(
            provider=provider,
            receiver=_member(data["receiver"]),
            hours=Money(data["hours"], "HRS"),
            description=data["description"],
            performed_on=data["performed_on"],
            actor=request.user,
        )
        return Response(ServiceRecordSerializer(record).data, status=status.HTTP_201_CREATED)


class ServiceRecordDetailView(APIView):
    @extend_schema(responses=ServiceRecordSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(ServiceRecordSerializer(_record(request, pk)).data)


class ServiceRecordConfirmView(APIView):
    @extend_schema(
        request=None,
        responses=ServiceRecordSerializer,
        description="The receiver confirms and pays the hours, once (again → 422 service_record_confirmed).",
    )
    def post(self, request: Request, pk: int) -> Response:
        return Response(
            ServiceRecordSerializer(service_record_confirm(record=_record(request, pk), actor=request.user)).data
        )


class ServiceRecordDeclineView(APIView):
    @extend_schema(request=None, responses=ServiceRecordSerializer, description="The receiver declines: nothing moves.")
    def post(self, request: Request, pk: int) -> Response:
        return Response(
            ServiceRecordSerializer(service_record_decline(record=_record(request, pk), actor=request.user)).data
        )


class VolunteeringRewardView(APIView):
    @extend_schema(
        request=VolunteeringRewardInputSerializer,
        responses={201: TransactionSerializer},
        description="An association (or staff) pays a volunteer in hours from the association's time account.",
    )
    def post(self, request: Request) -> Response:
        data = valid(VolunteeringRewardInputSerializer, request.data)
        association_account = ledger_selectors.account_get_payable_by(
            user=request.user, account_id=data["association_account"]
        )
        member_account = ledger_selectors.account_get_payee(account_id=data["member_account"])
        txn = volunteering_reward(
            association_account=association_account,
            member_account=member_account,
            hours=Money(data["hours"], "HRS"),
            description=data["description"],
            actor=request.user,
        )
        return Response(TransactionSerializer(txn).data, status=status.HTTP_201_CREATED)


class VolunteeringRewardsBatchView(APIView):
    @extend_schema(
        request=VolunteeringRewardsBatchInputSerializer,
        responses={201: TransactionSerializer(many=True)},
        parameters=[IDEMPOTENCY_HEADER],
        description=(
            "An association (or staff) rewards many volunteers in hours at once, all or none: one transaction "
            "per line, in the order given. The same key and body again answer the same transactions."
        ),
    )
    def post(self, request: Request) -> Response:
        key = idempotency_key_from(request)
        data = valid(VolunteeringRewardsBatchInputSerializer, request.data)

        def handler() -> Response:
            association_account = ledger_selectors.account_get_payable_by(
                user=request.user, account_id=data["association_account"]
            )
            rewards = [
                (
                    ledger_selectors.account_get_payee(account_id=line["member_account"]),
                    Money(line["hours"], "HRS"),
                    line["description"],
                )
                for line in data["rewards"]
            ]
            posted = volunteering_rewards_batch(
                association_account=association_account,
                rewards=rewards,
                actor=request.user,
                idempotency_key=ledger_key(caller_id(request), key),
            )
            return Response(TransactionSerializer(posted, many=True).data, status=status.HTTP_201_CREATED)

        return run_idempotent(request, key, handler, answer_in_same_commit=True)
