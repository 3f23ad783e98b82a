"""The sample CTF (tests/fixtures/ctf/), imported through the real path, gives
exactly the figures in sample-expected.json: from the command, the API and the
selector (rules A1 to A3 of docs/rules.md)."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Role, School
from accounts.services.tokens import api_token_create
from attendance import selectors
from attendance.services.imports import ctf_import

from .factories import UserFactory
from .factories_attendance import SAMPLE_CTF

EXPECTED = json.loads((SAMPLE_CTF.parent / "sample-expected.json").read_text())
AS_AT = dt.date.fromisoformat(EXPECTED["as_at"])
UPNS = sorted(EXPECTED["pupils"])

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported():
    report = ctf_import(source=SAMPLE_CTF.read_bytes(), batch=None, acting_user=None)
    assert report.succeeded, report.errors
    return School.objects.get(local_authority__code="926", establishment_number="2155")


def test_every_pupil_in_the_sample_has_the_expected_figures_from_the_command(imported):
    for upn in UPNS:
        out = io.StringIO()
        call_command(
            "attendance_figures", "--upn", upn, "--on", AS_AT.isoformat(), "--json", stdout=out
        )
        assert json.loads(out.getvalue()) == EXPECTED["pupils"][upn], upn


def test_every_pupil_in_the_sample_has_the_expected_figures_from_the_api(imported):
    officer = UserFactory(
        la_user=True, role=Role.LA_OFFICER, local_authority=imported.local_authority
    )
    client = APIClient()
    _, key = api_token_create(user=officer, name="Tests", acting_user=officer)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    for upn in UPNS:
        response = client.get(reverse("pupil-attendance", args=[upn]), {"on": AS_AT.isoformat()})
        assert response.status_code == 200, response.content
        assert response.json() == EXPECTED["pupils"][upn], upn


def test_every_pupil_in_the_sample_has_the_expected_figures_from_the_selector(imported):
    lead = UserFactory(role=Role.ATTENDANCE_LEAD, school=imported)
    for upn in UPNS:
        figures = selectors.figures_for_upn(user=lead, upn=upn, as_at=AS_AT)
        assert figures.as_json() == EXPECTED["pupils"][upn], upn
