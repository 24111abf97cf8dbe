"""POST /api/auth/token/ {username, password, otp_token?, device?} -> {"token": ...}; the member's tokens.

Each call issues a new token (one per device, `device` naming it, else the User-Agent); it lasts
BOCAGE_API_TOKEN_DAYS from its last use. GET /api/tokens/ lists one's own live tokens (never their
keys), DELETE /api/tokens/{id}/ revokes one.

A user who owes a second factor (members.otp.second_factor_needed: staff and auditors while
BOCAGE_OTP_REQUIRED is on, anyone who enrolled one) also sends `otp_token`, the code of their
authenticator app or a backup code: without it 401 `otp_required`, wrong 401 `otp_invalid`. A wrong
code counts as a failed login for django-axes, like a wrong password.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from members import otp, selectors, services
from members.errors import SecondFactorInvalid, SecondFactorRequired
from members.models import ApiToken


class TokenObtainSerializer(AuthTokenSerializer):
    otp_token = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        write_only=True,
        help_text="Second factor: the 6 digits of the authenticator app, or a backup code. Required for staff and "
        "auditors when the second factor is enforced, and for anyone who enrolled one.",
    )
    device = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        write_only=True,
        help_text="A name for the device this token is for, shown in the list of one's tokens.",
    )


class TokenView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=TokenObtainSerializer,
        responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
        auth=[],
    )
    def post(self, request: Request) -> Response:
        # The Django request, not DRF's wrapper: django-axes flags a lockout on it, and its middleware
        # (config.security.lockout_response) turns the flag into the JSON `locked_out` answer.
        serializer = TokenObtainSerializer(data=request.data, context={"request": request._request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        if otp.second_factor_needed(user):
            code = serializer.validated_data.get("otp_token", "")
            if not code.strip():
                raise SecondFactorRequired(fields={"otp_token": [str(SecondFactorRequired.default_message)]})
            if otp.second_factor_verify(user=user, code=code) is None:
                otp.second_factor_failed(request._request, user)
                raise SecondFactorInvalid
        device = serializer.validated_data.get("device") or request.headers.get("User-Agent", "")
        _token, key = services.api_token_create(user=user, device=device, actor=user)
        return Response({"token": key})


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "device", "created_at", "last_used_at", "expires_at"]
        read_only_fields = fields


class ApiTokenListView(APIView):
    @extend_schema(responses=ApiTokenSerializer(many=True))
    def get(self, request: Request) -> Response:
        """One's own live API tokens, newest first, without their keys."""
        rows = selectors.api_tokens_live_of(request.user)
        return Response(ApiTokenSerializer(rows, many=True).data)


class ApiTokenDetailView(APIView):
    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        """Revoke one of one's own tokens (another's answers 404)."""
        token = selectors.api_token_of(request.user, pk)
        services.api_token_revoke(token=token, actor=request.user)
        return Response(status=204)
