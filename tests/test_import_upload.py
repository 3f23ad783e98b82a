"""The import upload page: the kind told by the file's name, a file kept while the
form is corrected, a CSV's column names, and who is told to use the commands."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
import time_machine
from django.core import signing
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from attendance.models import ImportBatch
from attendance.services.uploads import PENDING_DIR, kept_uploads_purge
from pupils.models import Pupil

from . import browser_helpers
from .browser_helpers import axe_violations, screenshot, sign_in
from .conftest import signed_in_client
from .factories import PupilFactory, UserFactory
from .factories_attendance import SAMPLE_CTF, UPN_A, marks_csv, riverside

pytestmark = pytest.mark.django_db

START = reverse("attendance:import_start")
TOKEN = re.compile(r'<input type="hidden" name="kept_upload" value="([^"]+)">')


@pytest.fixture(autouse=True)
def _no_kept_files() -> Iterator[None]:
    # The test storage lives as long as the process: start and end each test empty.
    kept_uploads_purge(now=timezone.now() + dt.timedelta(days=1))
    yield
    kept_uploads_purge(now=timezone.now() + dt.timedelta(days=1))


@pytest.fixture
def school():
    return riverside()


@pytest.fixture
def lead(school):
    return UserFactory(role=Role.ATTENDANCE_LEAD, school=school, full_name="Jo Lead")


@pytest.fixture
def post(lead, django_capture_on_commit_callbacks):
    """Post the form as the lead; the import runs (eagerly) when the upload commits."""
    client = signed_in_client(lead)

    def send(data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(START, data)

    return send


def ctf(name: str = "riverside.xml") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, SAMPLE_CTF.read_bytes(), content_type="text/xml")


def csv(name: str = "marks.csv", header: str = "upn,date,session,code") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, marks_csv(f"{UPN_A},2025-09-05,AM,/", header=header))


def kept_files() -> list[str]:
    try:
        return default_storage.listdir(PENDING_DIR)[1]
    except FileNotFoundError:
        return []


def kept_token(response) -> str:
    match = TOKEN.search(response.text)
    assert match, "the page keeps no file"
    return match.group(1)


# The kind, from the file's name ------------------------------------------------


@pytest.mark.parametrize(
    ("upload", "kind"),
    [
        pytest.param(ctf, ImportBatch.Kind.CTF, id="xml"),
        pytest.param(lambda: ctf("RIVERSIDE.XML"), ImportBatch.Kind.CTF, id="xml-capitals"),
        pytest.param(csv, ImportBatch.Kind.MARKS_CSV, id="csv"),
    ],
)
def test_the_kind_is_told_by_the_files_name(post, school, upload, kind):
    PupilFactory(upn=UPN_A, school=school)
    response = post({"file": upload()})

    batch = ImportBatch.unscoped.get()
    assert response.url == reverse("attendance:import_detail", args=[batch.pk])
    assert batch.kind == kind
    assert batch.status == ImportBatch.Status.SUCCEEDED, batch.report


def test_the_first_page_does_not_ask_for_the_kind(lead):
    page = signed_in_client(lead).get(START).text
    assert "What kind of file is it?" not in page
    assert 'name="kind"' not in page


def test_a_name_that_says_neither_kind_asks_for_it_and_keeps_the_file(post):
    response = post({"file": ctf("export.txt")})

    assert response.status_code == 200
    page = response.text
    assert "There is a problem" in page
    assert "Select what kind of file it is" in page
    assert 'href="#id_kind_1"' in page
    assert "What kind of file is it?" in page
    assert 'name="kind"' in page
    assert "You selected export.txt. It will be imported unless you choose another file." in page
    assert not ImportBatch.unscoped.exists()

    # Saying what it is is enough: the file is not chosen again.
    post({"kind": "ctf", "kept_upload": kept_token(response)})
    batch = ImportBatch.unscoped.get()
    assert (batch.kind, batch.original_name) == (ImportBatch.Kind.CTF, "export.txt")
    assert batch.status == ImportBatch.Status.SUCCEEDED
    assert Pupil.unscoped.count() == 14
    assert kept_files() == []


def test_a_chosen_kind_that_the_name_contradicts_is_still_an_error(post):
    response = post({"kind": "ctf", "file": csv()})
    assert "The selected file must be an XML file" in response.text
    assert not ImportBatch.unscoped.exists()


# A file kept while the form is corrected ---------------------------------------


def test_a_file_sent_with_an_error_is_imported_without_choosing_it_again(post, school):
    PupilFactory(upn=UPN_A, school=school)
    first = post({"file": csv("pupils.csv"), "academic_year": "next"})

    page = first.text
    assert "Academic year must be a year, like 2025" in page
    assert "You selected pupils.csv. It will be imported unless you choose another file." in page
    # The sentence is the file input's hint, so it is read out with the input.
    assert 'aria-describedby="id_file_hint' in page
    assert len(kept_files()) == 1
    assert not ImportBatch.unscoped.exists()

    second = post({"kept_upload": kept_token(first), "academic_year": "2025"})

    batch = ImportBatch.unscoped.get()
    assert second.url == reverse("attendance:import_detail", args=[batch.pk])
    assert (batch.kind, batch.original_name) == (ImportBatch.Kind.MARKS_CSV, "pupils.csv")
    assert batch.options == {"academic_year": 2025}
    assert batch.status == ImportBatch.Status.SUCCEEDED, batch.report
    assert batch.report["counts"]["marks_loaded"] == 1
    # Imported, both the kept copy and the batch's file are deleted.
    assert not batch.file
    assert kept_files() == []


def test_a_kept_file_stays_kept_through_another_error(post):
    first = post({"file": csv("pupils.csv"), "academic_year": "next"})
    token = kept_token(first)
    second = post({"kept_upload": token, "academic_year": "1900"})

    assert "Academic year must be 2000 or later" in second.text
    assert "You selected pupils.csv." in second.text
    assert kept_token(second) == token
    assert len(kept_files()) == 1


def test_a_new_file_replaces_the_kept_one(post, school):
    PupilFactory(upn=UPN_A, school=school)
    first = post({"file": csv("old.csv"), "academic_year": "next"})
    post({"kept_upload": kept_token(first), "file": csv("new.csv")})

    assert ImportBatch.unscoped.get().original_name == "new.csv"
    assert kept_files() == []


def test_a_file_that_is_too_big_is_not_kept(post, monkeypatch):
    monkeypatch.setattr("attendance.forms.MAX_UPLOAD_BYTES", 10)
    response = post({"file": csv(), "academic_year": "next"})
    assert "The selected file must be smaller than 50MB" in response.text
    assert "You selected" not in response.text
    assert kept_files() == []


def test_an_empty_file_is_not_kept(post):
    response = post({"file": SimpleUploadedFile("marks.csv", b"")})
    assert "The selected file is empty" in response.text
    assert kept_files() == []


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda token, user: "made-up", id="made-up"),
        pytest.param(lambda token, user: token[:-2] + "xx", id="altered"),
        pytest.param(
            lambda token, user: signing.dumps(
                {"key": "imports/2025/01/someone-elses.xml", "name": "theirs.xml"},
                salt=f"attendance.kept-upload:{user.pk}",
            ),
            id="not-a-kept-file",
        ),
    ],
)
def test_a_forged_token_is_a_form_error(post, lead, forge):
    token = kept_token(post({"file": csv(), "academic_year": "next"}))

    response = post({"kept_upload": forge(token, lead), "academic_year": "2025"})

    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert "The file you selected before could not be found. Select it again" in response.text
    assert 'href="#id_file"' in response.text
    assert not ImportBatch.unscoped.exists()


def test_another_users_kept_file_cannot_be_used(post, school):
    token = kept_token(post({"file": csv(), "academic_year": "next"}))
    colleague = UserFactory(role=Role.ATTENDANCE_LEAD, school=school)

    response = signed_in_client(colleague).post(START, {"kept_upload": token})

    assert "The file you selected before could not be found" in response.text
    assert not ImportBatch.unscoped.exists()


def test_a_kept_file_expires_after_an_hour_and_is_then_deleted(post, lead):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        token = kept_token(post({"file": csv("old.csv"), "academic_year": "next"}))
    for minutes in (20, 40):
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            # Still at the desk: the session stays alive (it ends after 30 minutes idle).
            post({"academic_year": "next"})
    with time_machine.travel(start + dt.timedelta(minutes=61), tick=False):
        response = post({"kept_upload": token})
        assert "The file you selected more than an hour ago is no longer kept" in response.text
        # Keeping another file deletes those past their hour.
        post({"file": csv("new.csv"), "academic_year": "next"})
    assert len(kept_files()) == 1
    assert not ImportBatch.unscoped.exists()


def test_kept_files_are_not_served(post):
    post({"file": csv(), "academic_year": "next"})
    (name,) = kept_files()
    client = signed_in_client(UserFactory(admin=True))
    for url in (f"/{PENDING_DIR}/{name}", f"/media/{PENDING_DIR}/{name}"):
        assert client.get(url).status_code == 404


# A CSV's column names ----------------------------------------------------------

COLUMNS = {
    "column_upn": "UPN",
    "column_date": "Date",
    "column_session": "Session",
    "column_code": "Mark",
}


def test_a_csv_with_other_column_names_imports_with_the_mapping(post, school):
    PupilFactory(upn=UPN_A, school=school)
    post({"file": csv(header="UPN,Date,Session,Mark"), **COLUMNS})

    batch = ImportBatch.unscoped.get()
    assert batch.options == {
        "columns": {"upn": "UPN", "date": "Date", "session": "Session", "code": "Mark"}
    }
    assert batch.status == ImportBatch.Status.SUCCEEDED, batch.report
    assert batch.report["counts"]["marks_loaded"] == 1


def test_without_the_mapping_such_a_csv_says_which_columns_are_missing(post, school):
    PupilFactory(upn=UPN_A, school=school)
    post({"file": csv(header="UPN,Date,Session,Mark")})

    batch = ImportBatch.unscoped.get()
    assert batch.status == ImportBatch.Status.FAILED
    assert "there is no 'code' column" in batch.report["errors"][0]["message"]


def test_columns_not_given_keep_their_usual_names(post, school):
    PupilFactory(upn=UPN_A, school=school)
    post({"file": csv(header="upn,date,session,Mark"), "column_code": " Mark "})

    batch = ImportBatch.unscoped.get()
    assert batch.options["columns"] == {
        "upn": "upn",
        "date": "date",
        "session": "session",
        "code": "Mark",
    }
    assert batch.status == ImportBatch.Status.SUCCEEDED, batch.report


def test_two_columns_with_one_name_is_an_error_and_the_names_stay_open(post):
    response = post({"file": csv(), "column_upn": "Pupil", "column_date": "pupil"})

    page = response.text
    assert "The date column must have a different name from the UPN column" in page
    assert 'href="#id_column_date"' in page
    assert '<details class="govuk-details" open>' in page
    assert not ImportBatch.unscoped.exists()


def test_column_names_are_not_used_for_a_ctf(post):
    post({"file": ctf(), **COLUMNS})
    assert ImportBatch.unscoped.get().options == {}


def test_the_column_names_are_offered_closed_under_a_details_component(lead):
    page = signed_in_client(lead).get(START).text
    assert '<details class="govuk-details">' in page
    assert "If your CSV's columns have other names" in page
    for label in ("UPN column", "Date column", "Session column", "Attendance code column"):
        assert label in page


# Who may import ------------------------------------------------------------------


def test_the_page_says_who_imports_and_for_which_school(lead):
    page = signed_in_client(lead).get(START).text
    assert "A school's attendance lead imports" in page
    assert "Files you import here are for <strong>Riverside Academy</strong>" in page


def test_an_account_without_a_school_is_told_before_choosing_a_file():
    admin = UserFactory(admin=True)
    response = signed_in_client(admin).get(START)

    page = response.text
    assert response.status_code == 200
    assert "Your account is not linked to a school" in page
    assert "import_ctf FILE --school URN" in page
    assert "import_ctf FILE --la CODE" in page
    assert "import_marks FILE --school URN" in page
    # No form to fill in for nothing.
    assert 'type="file"' not in page
    assert "Import file" not in page
    assert "Recent imports" in page


# In a real browser, with axe-core ------------------------------------------------

browser = browser_helpers.browser


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_upload_page_keeps_the_file_asks_the_kind_and_passes_axe(
    live_server, browser, axe_source, tmp_path
):
    lead = UserFactory(role=Role.ATTENDANCE_LEAD, school=riverside(), email="lead@example.org")
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    sign_in(page, live_server.url, lead.email)
    page.goto(live_server.url + START)
    assert page.get_by_text("A school's attendance lead imports").is_visible()
    assert axe_violations(page, axe_source) == []

    export = tmp_path / "export.txt"
    export.write_bytes(SAMPLE_CTF.read_bytes())
    page.get_by_label("Upload a file").set_input_files(str(export))
    page.get_by_role("button", name="Import file").click()
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    assert page.get_by_text("You selected export.txt. It will be imported").is_visible()
    page.get_by_text("If your CSV's columns have other names").click()
    assert page.get_by_label("Attendance code column").is_visible()
    screenshot(page, "import-upload-kept")
    assert axe_violations(page, axe_source) == []

    # The file is not chosen again: saying what it is imports it.
    page.get_by_label("Common Transfer File (XML)").check()
    page.get_by_role("button", name="Import file").click()
    page.wait_for_url(re.compile(r".*/attendance/imports/\d+/$"))
    assert page.get_by_role("heading", name="What changed").is_visible()
    assert ImportBatch.unscoped.get().original_name == "export.txt"

    admin = UserFactory(admin=True, email="admin@example.org")
    context.clear_cookies()
    sign_in(page, live_server.url, admin.email)
    page.goto(live_server.url + START)
    assert page.get_by_role("heading", name="Your account is not linked to a school").is_visible()
    assert page.locator('input[type="file"]').count() == 0
    screenshot(page, "import-upload-no-school")
    assert axe_violations(page, axe_source) == []
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_csv_with_other_column_names_is_imported_without_javascript(
    live_server, browser, tmp_path
):
    school = riverside()
    PupilFactory(upn=UPN_A, school=school)
    lead = UserFactory(role=Role.ATTENDANCE_LEAD, school=school, email="lead@example.org")
    context = browser.new_context(locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server.url, lead.email)
    page.goto(live_server.url + START)

    marks = tmp_path / "marks.csv"
    marks.write_bytes(marks_csv(f"{UPN_A},2025-09-05,AM,/", header="UPN,Date,Session,Mark"))
    page.get_by_label("Upload a file").set_input_files(str(marks))
    page.get_by_label("Academic year").fill("next")
    page.get_by_text("If your CSV's columns have other names").click()
    for label, name in [
        ("UPN column", "UPN"),
        ("Date column", "Date"),
        ("Session column", "Session"),
        ("Attendance code column", "Mark"),
    ]:
        page.get_by_label(label).fill(name)
    page.get_by_role("button", name="Import file").click()
    assert page.get_by_role("link", name="Academic year must be a year, like 2025").is_visible()
    # The names given stay shown, and the file is kept.
    assert page.get_by_label("Attendance code column").input_value() == "Mark"
    page.get_by_label("Academic year").fill("2025")
    page.get_by_role("button", name="Import file").click()
    page.wait_for_url(re.compile(r".*/attendance/imports/\d+/$"))

    batch = ImportBatch.unscoped.get()
    assert (batch.original_name, batch.status) == ("marks.csv", ImportBatch.Status.SUCCEEDED)
    assert batch.options["columns"]["code"] == "Mark"
    context.close()
