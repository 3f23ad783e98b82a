"""GET /api/v1/cases/{id}/pathway/: the pathway checks for a case.

Thin like every view: parse, one scoped read, serialise. A case outside the
caller's scope is a 404, the same response as a case that does not exist. The
body is the object `manage.py pathway_check CASE_ID --json` prints.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from attendance.api.serializers import (
    AttendanceQuerySerializer,
    ErrorSerializer,
    QueryErrorSerializer,
)
from core.dates import today

from .services import readiness_for


class EvidenceSerializer(serializers.Serializer[Any]):
    # DRF moves declared fields off the class, so this does not replace Field.label.
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    url = serializers.CharField(
        read_only=True, help_text="Where the record is shown; empty for a recorded reason."
    )


class CheckSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(read_only=True, help_text="The rule's stable identifier.")
    title = serializers.CharField(read_only=True, help_text="The rule, in the guidance's words.")
    met = serializers.BooleanField(read_only=True)
    blocking = serializers.BooleanField(
        read_only=True, help_text="False for a warning, which shows but does not stop the action."
    )
    evidence = EvidenceSerializer(many=True, read_only=True)
    missing = serializers.CharField(
        read_only=True, allow_null=True, help_text="What is missing; null when met."
    )


class EvaluationSerializer(serializers.Serializer[Any]):
    allowed = serializers.BooleanField(read_only=True, help_text="Every blocking rule is met.")
    checks = CheckSerializer(many=True, read_only=True)


class ReadinessSerializer(serializers.Serializer[Any]):
    case = serializers.IntegerField(source="case_id", read_only=True)
    notice_to_improve = EvaluationSerializer(read_only=True)
    referral = EvaluationSerializer(read_only=True)


class CanViewCases(BasePermission):
    """The role may read cases (accounts/rules.py); which cases is decided by
    the scoped read."""

    message = "Your role does not allow you to view cases."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user.has_perm("cases.view_case"))


class CasePathwayView(APIView):
    permission_classes = [IsAuthenticated, CanViewCases]

    @extend_schema(
        operation_id="case_pathway",
        summary="Whether a case is ready for a Notice to Improve or a referral",
        description=(
            "Every prerequisite of the Support First pathway (rule A4) for a Notice to "
            "Improve and for a legal-intervention referral, each met or not, with links to "
            "the records that show it or what is missing. The same checks as the case page "
            "and `manage.py pathway_check CASE_ID --json`."
        ),
        parameters=[
            OpenApiParameter("case_pk", int, OpenApiParameter.PATH, description="The case's id."),
            AttendanceQuerySerializer,
        ],
        responses={
            200: ReadinessSerializer,
            400: OpenApiResponse(
                QueryErrorSerializer, "`on` is not a date (YYYY-MM-DD) or is out of range."
            ),
            401: OpenApiResponse(ErrorSerializer, "No token, or a token that is not valid."),
            403: OpenApiResponse(ErrorSerializer, "Your role may not view cases."),
            404: OpenApiResponse(
                ErrorSerializer,
                "No case with this id that you may see: the same answer whether the case "
                "does not exist or is not yours to see.",
            ),
        },
        tags=["pathway"],
    )
    def get(self, request: Request, case_pk: int) -> Response:
        query = AttendanceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        day = query.validated_data.get("on") or today()
        found = readiness_for(user=request.user, case_id=case_pk, day=day)
        return Response(ReadinessSerializer(found).data)
