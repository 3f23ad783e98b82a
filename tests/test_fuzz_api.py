"""The JSON API fuzzed against its own OpenAPI schema (issue 14, item 7):
schemathesis generates requests for every operation the schema describes
(valid and invalid UPNs, dates, case ids, query strings) and sends them with a
lead's token, in process; no request may get a server error, and every answer
is JSON."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from accounts.services.tokens import api_token_create

from .factories import AttendanceCaseFactory, PupilFactory, SchoolFactory, UserFactory
from .test_attendance_figures_command import eight_present_one_ill_one_unexplained, give_marks

APP = WSGIHandler()
schema = schemathesis.openapi.from_wsgi("/api/schema/", APP)


@pytest.fixture
def token(db) -> Iterator[str]:
    school = SchoolFactory()
    lead = UserFactory(school=school)
    pupil = PupilFactory(school=school)
    give_marks(pupil, school, eight_present_one_ill_one_unexplained())
    AttendanceCaseFactory(school=school, pupil=pupil, lead_professional=lead)
    _, key = api_token_create(user=lead, name="Fuzzing", acting_user=lead)
    # Called straight, the WSGI handler closes the database connection when each
    # request finishes, as a server should; inside a test's transaction that
    # would end the test's connection. Django's test client does the same.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield key
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_request_the_schema_allows_gets_a_server_error(case, token):
    response = case.call(app=APP, headers={"Authorization": f"Token {token}"})
    assert response.status_code < 500, (case.path, case.query, response.text[:500])
    content_type = {k.lower(): v for k, v in response.headers.items()}.get("content-type")
    assert content_type, (response.status_code, response.headers, response.text[:300])
    assert str(content_type).find("application/json") >= 0, (
        response.status_code,
        content_type,
        response.text[:300],
    )


@pytest.mark.django_db
def test_the_apis_own_errors_are_json_as_the_fuzzing_found(token):
    """Found by the fuzzing above: a path the API does not have and a control
    character in a query answered API callers with the HTML pages."""
    from django.test import Client

    client = Client(headers={"Authorization": f"Token {token}"})
    missing = client.get("/api/v1/no-such-thing/")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Not found."})
    control = client.get("/api/v1/pupils/A123/attendance/", {"on": "2025-01-01\x00"})
    assert control.status_code == 400
    assert "control character" in control.json()["detail"]
    # People still get the pages.
    assert "<html" in Client().get("/no-such-page/").text
