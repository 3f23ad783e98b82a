"""Hooks: a lower app asks, an app above answers, and neither imports up
(core/hooks.py, docs/architecture.md)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from accounts.models import Role
from attendance.hooks import pupil_page_panels
from cases.hooks import pathway_numbers
from cases.providers import open_case_panel
from core.hooks import Hook, Hooks
from notices.providers import latest_notice as notice_on_file
from pathway.hooks import latest_notice
from pathway.models import DEFAULTS, PathwaySettings, settings_for

from .conftest import signed_in_client
from .factories import AttendanceCaseFactory, PupilFactory, UserFactory


def test_a_hook_calls_the_one_function_provided() -> None:
    hook: Hook[[int], int] = Hook("tests.double")
    assert not hook.provided
    with pytest.raises(ImproperlyConfigured, match=r"Nothing provides tests\.double"):
        hook(2)

    def double(n: int) -> int:
        return 2 * n

    hook.provide(double)
    hook.provide(double)  # ready() run twice changes nothing
    assert hook(2) == 4


def test_a_hook_refuses_a_second_provider() -> None:
    hook: Hook[[int], int] = Hook("tests.answer")
    hook.provide(lambda n: n)
    with pytest.raises(ImproperlyConfigured, match="already provided"):
        hook.provide(lambda n: n + 1)


def test_hooks_collect_every_providers_answer_in_order() -> None:
    hooks: Hooks[[str], str] = Hooks("tests.greetings")
    assert hooks("Ada") == []

    def hello(name: str) -> str:
        return f"Hello {name}"

    hooks.provide(hello)
    hooks.provide(str.upper)
    hooks.provide(hello)
    assert hooks("Ada") == ["Hello Ada", "ADA"]


def test_the_apps_above_fill_the_hooks_of_the_apps_below() -> None:
    assert pupil_page_panels._providers == [open_case_panel]
    assert pathway_numbers._provider is settings_for
    assert latest_notice._provider is notice_on_file


@pytest.mark.django_db
def test_the_caseloads_numbers_are_the_las_pathway_settings(school) -> None:
    assert pathway_numbers(school.local_authority_id) is DEFAULTS
    PathwaySettings.objects.create(local_authority=school.local_authority, minimum_meetings=2)
    assert pathway_numbers(school.local_authority_id).minimum_meetings == 2


# The pupil's attendance page shows what cases adds: their open case -----------


def _attendance_page(user, pupil):
    at = dt.datetime(2024, 11, 22, 16, 0, tzinfo=ZoneInfo("Europe/London"))
    with time_machine.travel(at, tick=False):
        response = signed_in_client(user).get(
            reverse("attendance:pupil_attendance", args=[pupil.pk])
        )
    assert response.status_code == 200
    return response.text


@pytest.mark.django_db
def test_the_attendance_page_links_the_pupils_open_case(lead, school) -> None:
    case = AttendanceCaseFactory(school=school, lead_professional=lead)
    page = _attendance_page(lead, case.pupil)
    assert reverse("cases:case_detail", args=[case.pk]) in page
    assert "View the open attendance case" in page


@pytest.mark.django_db
def test_the_attendance_page_offers_to_open_a_case(lead, school) -> None:
    pupil = PupilFactory(school=school)
    page = _attendance_page(lead, pupil)
    assert reverse("cases:case_open", args=[pupil.pk]) in page


@pytest.mark.django_db
def test_the_attendance_page_offers_la_staff_no_case_to_open(school) -> None:
    pupil = PupilFactory(school=school)
    officer = UserFactory(
        role=Role.LA_OFFICER, la_user=True, local_authority=school.local_authority
    )
    page = _attendance_page(officer, pupil)
    assert "attendance case" not in page
