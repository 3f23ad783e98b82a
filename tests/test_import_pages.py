"""The import pages: uploading a file, following its progress, reading its report,
and who may do so."""

from __future__ import annotations

import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from attendance.imports.report import ImportReport
from attendance.models import ImportBatch
from attendance.services.imports import import_batch_run
from attendance.tasks import run_import
from core.models import AuditEvent
from pupils.models import Pupil

from . import browser_helpers
from .browser_helpers import axe_violations
from .conftest import signed_in_client
from .factories import TEST_PASSWORD, PupilFactory, SchoolFactory, UserFactory
from .factories_attendance import (
    SAMPLE_CTF,
    UPN_A,
    ImportBatchFactory,
    marks_csv,
    riverside,
)

pytestmark = pytest.mark.django_db

START = reverse("attendance:import_start")


@pytest.fixture
def school():
    return riverside()


@pytest.fixture
def lead(school):
    return UserFactory(role=Role.ATTENDANCE_LEAD, school=school, full_name="Jo Lead")


def sample_upload(name: str = "riverside.xml") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, SAMPLE_CTF.read_bytes(), content_type="text/xml")


def detail_url(batch: ImportBatch) -> str:
    return reverse("attendance:import_detail", args=[batch.pk])


def test_a_lead_uploads_a_ctf_and_reads_the_report(lead, django_capture_on_commit_callbacks):
    client = signed_in_client(lead)
    # The import is queued when the upload commits, and runs (eagerly) then.
    with django_capture_on_commit_callbacks(execute=True):
        posted = client.post(START, {"kind": "ctf", "file": sample_upload()})
    batch = ImportBatch.unscoped.get()
    assert posted.url == detail_url(batch)
    response = client.get(posted.url)

    assert batch.status == ImportBatch.Status.SUCCEEDED
    assert (batch.school, batch.uploaded_by, batch.progress) == (lead.school, lead, 100)
    assert batch.started_at is not None
    assert batch.finished_at is not None
    assert len(batch.sha256) == 64
    assert Pupil.unscoped.count() == 14
    page = response.text
    assert "Imported" in page
    assert "Pupils added" in page
    assert "Hillcrest Primary Federation (926/2301) was not known" in page
    assert 'http-equiv="refresh"' not in page
    # The lead's school was already known (926/2155): only Hillcrest was added.
    assert batch.report["counts"]["schools_created"] == 1


def test_a_file_with_errors_shows_every_error_and_that_nothing_changed(
    lead, school, django_capture_on_commit_callbacks
):
    PupilFactory(upn=UPN_A, school=school)
    upload = SimpleUploadedFile("marks.csv", marks_csv(f"{UPN_A},2025-09-05,AM,Q9"))
    client = signed_in_client(lead)
    with django_capture_on_commit_callbacks(execute=True):
        posted = client.post(START, {"kind": "marks_csv", "file": upload})
    response = client.get(posted.url)

    assert ImportBatch.unscoped.get().status == ImportBatch.Status.FAILED
    page = response.text
    assert "Not imported: the file has 1 error" in page
    assert "Nothing was changed" in page
    assert "Line 2" in page
    assert UPN_A in page
    assert "5 Sep 2025" in page
    assert "Unknown register code &#x27;Q9&#x27;" in page


def test_the_academic_year_is_passed_to_a_csv_import(lead, django_capture_on_commit_callbacks):
    upload = SimpleUploadedFile("marks.csv", marks_csv(f"{UPN_A},2025-09-05,AM,/"))
    with django_capture_on_commit_callbacks(execute=True):
        signed_in_client(lead).post(
            START, {"kind": "marks_csv", "file": upload, "academic_year": "2024"}
        )
    batch = ImportBatch.unscoped.get()
    assert batch.options == {"academic_year": 2024}
    assert "the file is for 2024/25" in batch.report["errors"][0]["message"]


def test_while_it_runs_the_page_shows_progress_and_how_to_check_it_again(lead):
    batch = ImportBatchFactory(school=lead.school, status=ImportBatch.Status.RUNNING, progress=40)
    page = signed_in_client(lead).get(detail_url(batch)).text
    # No timed refresh (WCAG 2.2.1): a button to check again, and a script that
    # moves the bar in place when JavaScript is on.
    assert 'http-equiv="refresh"' not in page
    assert '<progress id="import-progress"' in page
    assert 'value="40"' in page
    assert "40% done" in page
    assert "Check progress" in page


def test_the_progress_of_an_import_can_be_polled_only_by_its_school(lead):
    batch = ImportBatchFactory(school=lead.school, status=ImportBatch.Status.RUNNING, progress=40)
    url = reverse("attendance:import_progress", args=[batch.pk])
    assert signed_in_client(lead).get(url).json() == {
        "status": "running",
        "progress": 40,
        "finished": False,
    }
    outsider = UserFactory(role=Role.ATTENDANCE_LEAD, school=SchoolFactory())
    assert signed_in_client(outsider).get(url).status_code == 404


def test_a_form_sent_twice_does_not_start_a_second_import(lead, django_capture_on_commit_callbacks):
    client = signed_in_client(lead)
    with django_capture_on_commit_callbacks(execute=False) as first_callbacks:
        first = client.post(START, {"kind": "ctf", "file": sample_upload()})
    with django_capture_on_commit_callbacks(execute=False) as second_callbacks:
        second = client.post(START, {"kind": "ctf", "file": sample_upload()}, follow=True)

    batch = ImportBatch.unscoped.get()
    assert batch.status == ImportBatch.Status.QUEUED
    assert first.url == detail_url(batch)
    assert second.redirect_chain == [(detail_url(batch), 302)]
    assert "This file is already being imported" in second.text
    assert (len(first_callbacks), len(second_callbacks)) == (1, 0)


def test_the_same_file_can_be_imported_again_once_the_first_import_has_finished(
    lead, django_capture_on_commit_callbacks
):
    client = signed_in_client(lead)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(START, {"kind": "ctf", "file": sample_upload()})
    first, second = ImportBatch.unscoped.order_by("pk")
    assert first.status == second.status == ImportBatch.Status.SUCCEEDED
    assert second.report["counts"]["pupils_created"] == 0
    assert second.report["counts"]["marks_changed"] == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param({"kind": "ctf"}, "Select a file to import", id="no-file"),
        pytest.param({"file": "unnamed"}, "Select what kind of file it is", id="name-says-no-kind"),
        pytest.param(
            {"kind": "marks_csv", "file": "sample"},
            "The selected file must be a CSV file",
            id="wrong-extension",
        ),
        pytest.param(
            {"kind": "marks_csv", "file": "empty"}, "The selected file is empty", id="empty"
        ),
        pytest.param(
            {"kind": "marks_csv", "file": "sample", "academic_year": "next"},
            "Academic year must be a year, like 2025",
            id="bad-year",
        ),
    ],
)
def test_an_upload_that_cannot_be_accepted_says_why(lead, data, message):
    files = {
        "sample": sample_upload(),
        "unnamed": sample_upload("riverside.txt"),
        "empty": SimpleUploadedFile("marks.csv", b""),
    }
    if "file" in data:
        data = {**data, "file": files[data["file"]]}
    response = signed_in_client(lead).post(START, data)
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert message in response.text
    assert response.context["form"].errors
    assert not ImportBatch.unscoped.exists()


def test_a_file_over_the_size_limit_is_refused(lead, monkeypatch):
    monkeypatch.setattr("attendance.forms.MAX_UPLOAD_BYTES", 100)
    response = signed_in_client(lead).post(START, {"kind": "ctf", "file": sample_upload()})
    assert "The selected file must be smaller than 50MB" in response.text
    assert not ImportBatch.unscoped.exists()


def test_an_administrator_without_a_school_is_told_to_use_the_commands():
    admin = UserFactory(admin=True)
    response = signed_in_client(admin).post(START, {"kind": "ctf", "file": sample_upload()})
    assert response.status_code == 200
    assert "Your account is not linked to a school" in response.text
    assert not ImportBatch.unscoped.exists()


def test_the_start_page_lists_the_schools_recent_imports_only(lead):
    ImportBatchFactory(school=lead.school, original_name="ours.xml", uploaded_by=lead)
    ImportBatchFactory(original_name="theirs.xml")
    page = signed_in_client(lead).get(START).text
    assert "ours.xml" in page
    assert "Jo Lead" in page
    assert "theirs.xml" not in page


# The task ---------------------------------------------------------------------


def queued_ctf(school) -> ImportBatch:
    return ImportBatchFactory(
        school=school, file=ContentFile(SAMPLE_CTF.read_bytes(), name="riverside.xml")
    )


def test_the_task_runs_a_batch_once(school):
    batch = queued_ctf(school)
    assert run_import(batch.pk) == "succeeded"
    batch.refresh_from_db()
    assert (batch.status, batch.progress) == (ImportBatch.Status.SUCCEEDED, 100)
    audited = AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT).count()

    # Delivered again (a retry, or a second worker): nothing is run twice.
    again = import_batch_run(batch_id=batch.pk)
    assert again.counts.pupils_created == 14
    assert AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT).count() == audited


def test_an_unexpected_failure_is_reported_and_changes_nothing(school, monkeypatch, caplog):
    batch = queued_ctf(school)

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("attendance.services.imports.registers_merge", broken)
    assert run_import(batch.pk) == "failed"

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert "problem in the service" in batch.report["errors"][0]["message"]
    assert Pupil.unscoped.count() == 0
    assert "disk full" in caplog.text


# Who may import -----------------------------------------------------------------


@pytest.mark.parametrize(
    "make_user",
    [
        pytest.param(lambda s: UserFactory(role=Role.SCHOOL_STAFF, school=s), id="school-staff"),
        pytest.param(lambda s: UserFactory(role=Role.DSL, school=s), id="dsl"),
        pytest.param(
            lambda s: UserFactory(la_user=True, local_authority=s.local_authority), id="la-officer"
        ),
    ],
)
def test_only_attendance_leads_and_administrators_may_import(school, make_user):
    user = make_user(school)
    batch = ImportBatchFactory(school=school)
    client = signed_in_client(user)
    assert client.get(START).status_code == 403
    assert client.post(START, {"kind": "ctf", "file": sample_upload()}).status_code == 403
    assert client.get(detail_url(batch)).status_code == 403
    assert ImportBatch.unscoped.count() == 1


def test_signed_out_visitors_are_sent_to_sign_in(school):
    batch = ImportBatchFactory(school=school)
    for url in (START, detail_url(batch)):
        response = Client().get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_another_schools_import_is_not_found(lead):
    other = ImportBatchFactory(school=SchoolFactory())
    assert signed_in_client(lead).get(detail_url(other)).status_code == 404
    assert signed_in_client(lead).get("/attendance/imports/999999/").status_code == 404


def test_an_administrator_sees_any_schools_import(school):
    batch = ImportBatchFactory(school=school)
    admin = UserFactory(admin=True)
    assert signed_in_client(admin).get(detail_url(batch)).status_code == 200


@pytest.mark.parametrize("batches", [1, 12])
def test_the_start_page_query_count_does_not_grow_with_imports(
    lead, batches, django_assert_max_num_queries
):
    ImportBatchFactory.create_batch(batches, school=lead.school, uploaded_by=lead)
    client = signed_in_client(lead)
    with django_assert_max_num_queries(8):
        client.get(START)


# In a real browser, with axe-core ------------------------------------------------


# The shared Chromium fixtures, made visible to pytest in this module.
browser = browser_helpers.browser
page = browser_helpers.page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_lead_imports_files_in_the_browser_and_the_pages_pass_axe(
    live_server, page, axe_source, tmp_path
):
    lead = UserFactory(role=Role.ATTENDANCE_LEAD, school=riverside(), email="lead@example.org")
    page.goto(live_server.url + reverse("login"))
    page.get_by_label("Email address").fill(lead.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + reverse("home"))

    page.goto(live_server.url + START)
    assert axe_violations(page, axe_source) == []
    page.get_by_role("button", name="Import file").click()
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    assert axe_violations(page, axe_source) == []

    # Celery runs eagerly here: the import finishes as the upload commits. The
    # kind is told by the file's name (tests/test_import_upload.py).
    page.get_by_label("Upload a file").set_input_files(str(SAMPLE_CTF))
    page.get_by_role("button", name="Import file").click()
    page.wait_for_url(re.compile(r".*/attendance/imports/\d+/$"))
    assert page.get_by_role("heading", name="What changed").is_visible()
    assert axe_violations(page, axe_source) == []

    bad = tmp_path / "marks.csv"
    bad.write_bytes(marks_csv(f"{UPN_A},2025-09-05,AM,Q9"))
    page.goto(live_server.url + START)
    page.get_by_label("Upload a file").set_input_files(str(bad))
    page.get_by_role("button", name="Import file").click()
    page.wait_for_url(re.compile(r".*/attendance/imports/\d+/$"))
    assert page.get_by_text("Nothing was changed").is_visible()
    assert axe_violations(page, axe_source) == []

    running = ImportBatchFactory(school=lead.school, status=ImportBatch.Status.RUNNING)
    page.goto(live_server.url + detail_url(running))
    assert page.get_by_text("0% done").is_visible()
    assert axe_violations(page, axe_source) == []
    # The bar moves in place as the worker reports progress, with no reload.
    ImportBatch.unscoped.filter(pk=running.pk).update(progress=60)
    page.get_by_text("60% done").wait_for()
    assert page.locator("#import-progress").get_attribute("value") is not None
    # When it finishes, the report replaces the bar.
    ImportBatch.unscoped.filter(pk=running.pk).update(
        status=ImportBatch.Status.SUCCEEDED, progress=100, report=ImportReport().as_json()
    )
    page.get_by_role("heading", name="What changed").wait_for()
    page.goto("about:blank")
