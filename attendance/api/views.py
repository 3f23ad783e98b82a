"""The JSON API, version 1. Thin like every view: parse the request, call one
scoped selector, serialise. A record outside the caller's scope is a 404, the
same response as a UPN that does not exist (ADR 0001).

Authentication is DRF's (a token, or the browser's session), not the sign-in
page: since DRF 3.16 `APIView.as_view()` marks every view `login_required =
False`, so LoginRequiredMiddleware lets a token-only request through and DRF's
permissions answer 401/403 in JSON. tests/test_attendance_api.py checks that
every view under /api/ stays exempt.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.dates import today

from ..selectors import figures_for_upn
from .serializers import (
    AttendanceFiguresSerializer,
    AttendanceQuerySerializer,
    ErrorSerializer,
    QueryErrorSerializer,
)


class CanViewPupils(BasePermission):
    """The role may read pupils' records (accounts/rules.py); which pupils is
    decided by the scoped selector."""

    message = "Your role does not allow you to view pupils' records."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user.has_perm("cases.view_pupil"))


class PupilAttendanceView(APIView):
    permission_classes = [IsAuthenticated, CanViewPupils]

    @extend_schema(
        operation_id="pupil_attendance",
        summary="A pupil's attendance figures",
        description=(
            "Attendance and absence for the academic year to date, persistent and severe "
            "absence, and the national threshold (10 unauthorised sessions in the last 10 "
            "school weeks), as at a date. Every enrolment the service holds for the pupil "
            "counts. The same numbers as `manage.py attendance_figures --json`."
        ),
        parameters=[
            OpenApiParameter(
                "upn", str, OpenApiParameter.PATH, description="The pupil's Unique Pupil Number."
            ),
            AttendanceQuerySerializer,
        ],
        responses={
            200: AttendanceFiguresSerializer,
            400: OpenApiResponse(
                QueryErrorSerializer, "`on` is not a date (YYYY-MM-DD) or is out of range."
            ),
            401: OpenApiResponse(ErrorSerializer, "No token, or a token that is not valid."),
            403: OpenApiResponse(ErrorSerializer, "Your role may not view pupils' records."),
            404: OpenApiResponse(
                ErrorSerializer,
                "No pupil with this UPN that you may see: the same answer whether the pupil "
                "does not exist or is not yours to see.",
            ),
        },
        tags=["attendance"],
    )
    def get(self, request: Request, upn: str) -> Response:
        query = AttendanceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        as_at = query.validated_data.get("on") or today()
        # Raises Http404 for an unknown UPN and for a pupil outside the caller's
        # scope alike; DRF turns it into the same JSON 404.
        figures = figures_for_upn(user=request.user, upn=upn.upper(), as_at=as_at)
        return Response(AttendanceFiguresSerializer(figures).data)
