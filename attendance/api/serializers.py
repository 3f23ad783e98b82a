"""The API's shapes. Output only: they format what the figures module computed
and decide nothing. Each field is declared with its type so that the OpenAPI
schema documents it (a rate is a number or null)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rest_framework import serializers

from ..figures import (
    NATIONAL_THRESHOLD_SESSIONS,
    NATIONAL_THRESHOLD_WEEKS,
    PERSISTENT_ABSENCE_RATE,
    SEVERE_ABSENCE_RATE,
)
from ..reports import as_at_problem


class AttendanceQuerySerializer(serializers.Serializer[Any]):
    on = serializers.DateField(
        required=False,
        help_text="The date the figures are as at (YYYY-MM-DD); today in England if not given.",
        error_messages={"invalid": "Enter the date as YYYY-MM-DD, for example 2025-01-31."},
    )

    def validate_on(self, value: dt.date) -> dt.date:
        problem = as_at_problem(value)
        if problem:
            raise serializers.ValidationError(problem)
        return value


def _count(help_text: str) -> serializers.IntegerField:
    return serializers.IntegerField(read_only=True, min_value=0, help_text=help_text)


def _rate(help_text: str) -> serializers.FloatField:
    return serializers.FloatField(read_only=True, allow_null=True, help_text=help_text)


class AttendanceFiguresSerializer(serializers.Serializer[Any]):
    """A pupil's figures for the academic year to date, across all their enrolments.
    The same object as `manage.py attendance_figures --json` prints."""

    upn = serializers.CharField(read_only=True, help_text="Unique Pupil Number.")
    as_at = serializers.DateField(
        read_only=True, help_text="The figures count sessions up to and including this date."
    )
    possible_sessions = _count("Sessions with a present, AEA or absence code.")
    attended_sessions = _count("Present and approved educational activity sessions.")
    authorised_absence_sessions = _count("Authorised absence sessions.")
    unauthorised_absence_sessions = _count("Unauthorised absence sessions (G, N, O, U).")
    attendance_rate = _rate(
        "Attended as a percentage of possible, unrounded; null when there are no possible sessions."
    )
    absence_rate = _rate(
        "Absence as a percentage of possible, unrounded; null when there are no possible sessions."
    )
    persistent_absence = serializers.BooleanField(
        read_only=True, help_text=f"Absence rate ≥ {PERSISTENT_ABSENCE_RATE:g}."
    )
    severe_absence = serializers.BooleanField(
        read_only=True, help_text=f"Absence rate ≥ {SEVERE_ABSENCE_RATE:g}."
    )
    unauthorised_last_10_school_weeks = _count(
        f"Unauthorised sessions in the pupil's last {NATIONAL_THRESHOLD_WEEKS} school weeks "
        "up to as_at, at any school."
    )
    national_threshold_met = serializers.BooleanField(
        read_only=True,
        help_text=f"{NATIONAL_THRESHOLD_SESSIONS} or more unauthorised sessions in the last "
        f"{NATIONAL_THRESHOLD_WEEKS} school weeks.",
    )
    missing_marks = _count("Sessions on a school day while on roll with no mark (data quality).")


class ErrorSerializer(serializers.Serializer[Any]):
    """DRF's error body for 401, 403 and 404."""

    detail = serializers.CharField(read_only=True)


class QueryErrorSerializer(serializers.Serializer[Any]):
    """The 400 body: what is wrong with each query parameter."""

    on = serializers.ListField(child=serializers.CharField(), read_only=True)
