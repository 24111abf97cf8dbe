"""POST /api/auth/token/ {username, password, otp_token?} -> {"token": ...}.

A user who owes a second factor (members.otp.second_factor_needed: staff and auditors while
BOCAGE_OTP_REQUIRED is on, anyone who enrolled one) also sends `otp_token`, the code of their
authenticator app or a backup code: without it 401 `otp_required`, wrong 401 `otp_invalid`. A wrong
code counts as a failed login for django-axes, like a wrong password.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from members import otp


class TokenObtainSerializer(AuthTokenSerializer):
    otp_token = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        write_only=True,
        help_text="Second factor: the 6 digits of the authenticator app, or a backup code. Required for staff and "
        "auditors when the second factor is enforced, and for anyone who enrolled one.",
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
                raise otp.SecondFactorRequired(fields={"otp_token": [str(otp.SecondFactorRequired.default_message)]})
            if otp.second_factor_verify(user=user, code=code) is None:
                otp.second_factor_failed(request._request, user)
                raise otp.SecondFactorInvalid
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
