"""OpenAPI details the views do not say themselves: the problem documents every operation can
answer, and how tokens are sent."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from rest_framework import serializers

from api.problems import MEDIA_TYPE

# What any authenticated operation may answer.
COMMON_PROBLEMS = (400, 401, 403, 404, 406, 429)


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details, with the portal's extension members."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField()
    code = serializers.CharField(help_text="Stable code of the problem, for programs.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text='Messages per field ("" for the request as a whole).',
    )


class AutoSchema(BaseAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        extra = getattr(self.view, "problems", {})
        statuses = set(COMMON_PROBLEMS) | set(extra.get(self.method.lower(), ()))
        if self.method in ("POST", "PUT", "PATCH"):
            statuses |= {415}
        for status in sorted(statuses):
            if str(status) not in responses:
                responses[str(status)] = self._get_response_for_code(
                    ProblemSerializer, str(status), media_types=[MEDIA_TYPE], direction=direction
                )
        return responses


class AccessTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.AccessTokenAuthentication"
    name = "accessToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token from your profile page (gaip_…).",
        }
