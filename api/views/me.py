"""Who the caller is, and with which token."""

from __future__ import annotations

from django.utils import translation
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from api import serializers as out
from api.models import AccessToken
from api.views.base import ApiView


class Me(ApiView):
    @extend_schema(operation_id="me", responses=out.MeSerializer)
    def get(self, request):
        token = request.auth if isinstance(request.auth, AccessToken) else None
        user = request.user
        data = {
            "email": user.email,
            "name": user.display_name,
            "is_reviewer": user.is_reviewer,
            "language": translation.get_language(),
            "token": None,
        }
        if token is not None:
            data["token"] = {
                "name": token.name,
                "provider": str(token.provider.public_id) if token.provider_id else None,
                "role": token.role,
                "expires_at": token.expires_at.isoformat(),
            }
        return Response(out.MeSerializer(data).data)
