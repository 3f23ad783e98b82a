"""The half-term attendance letter and text message (issue 12; Norfolk's
Support First approach, "Communication"), made for a whole school as a batch.

The worked example: Spring 2 2026 at the test school runs from Monday 23
February to Friday 27 March (25 school days, 50 sessions). Amy was absent
without permission on each of its five Mondays (10 sessions) and ill on its
last Friday (2 sessions, authorised): 38 of 50 sessions attended, 76.0%, 12
sessions missed, 6 days. Ben attended every session. Cal missed every Friday
(10 sessions, 80.0%) and has no parent who receives the school's letters.
The letters are made on 1 April 2026, in the Easter holiday."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pytest
from django.http import Http404
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import Role
from attendance.models import SchoolTerm
from attendance.services.calendars import school_days_refresh
from attendance.services.marks import IncomingRegister, registers_merge
from attendance.years import empty_marks, mark_index
from core.models import AuditEvent
from documents.kinds import KINDS
from documents.kinds.half_term import sms_parts
from documents.models import Document, DocumentBatch, TextMessage, Wording
from documents.services.batch import (
    half_term_batch_run,
    half_term_batch_start,
    half_term_of,
    pupils_chosen,
)
from documents.services.generate import DocumentRefused
from pupils.models import Carer, PupilCarer

from . import browser_helpers
from .browser_helpers import axe_violations, sign_in
from .factories import (
    CarerFactory,
    EnrolmentFactory,
    PupilCarerFactory,
    PupilFactory,
    SchoolFactory,
    UserFactory,
)
from .test_pathway_rules import TERMS, YEAR, at, school_days

pytestmark = pytest.mark.django_db

# The shared Chromium fixtures, for the one journey in a real browser.
browser = browser_helpers.browser
page = browser_helpers.page

MADE_ON = dt.date(2026, 4, 1)
SPRING_2 = (dt.date(2026, 2, 23), dt.date(2026, 3, 27))
DSL_NOTE = "Spoke to the social worker: safe to write to dad"


def _register(pupil, school, *, absent: dict[int, str]) -> None:
    """Spring 2 marks: present, except `absent` {weekday: code} both sessions."""
    chars = list(empty_marks(YEAR))
    for day in school_days(*SPRING_2):
        code = absent.get(day.weekday())
        chars[mark_index(day, "AM")] = code or "/"
        chars[mark_index(day, "PM")] = code or "\\"
    registers_merge(incoming=[IncomingRegister(pupil.pk, school.pk, YEAR, "".join(chars))])


def _amy_register(pupil, school) -> None:
    chars = list(empty_marks(YEAR))
    for day in school_days(*SPRING_2):
        code = "O" if day.weekday() == 0 else None
        if day == SPRING_2[1]:
            code = "I"
        chars[mark_index(day, "AM")] = code or "/"
        chars[mark_index(day, "PM")] = code or "\\"
    registers_merge(incoming=[IncomingRegister(pupil.pk, school.pk, YEAR, "".join(chars))])


@pytest.fixture
def world():
    school = SchoolFactory(name="Northmoor Primary School")
    for name, start, end in TERMS:
        SchoolTerm.unscoped.create(school=school, name=name, start=start, end=end)
    school_days_refresh(pairs={(school.pk, YEAR)})
    lead = UserFactory(
        school=school,
        role=Role.ATTENDANCE_LEAD,
        full_name="Priya Patel",
        job_title="Attendance lead",
    )

    amy = PupilFactory(legal_forename="Amy", legal_surname="Archer")
    EnrolmentFactory(pupil=amy, school=school)
    _amy_register(amy, school)
    mother = PupilCarerFactory(
        pupil=amy,
        carer=CarerFactory(
            title="Mrs",
            forename="Jane",
            surname="Archer",
            address="12 Elm Road\nNorthmoor",
            postcode="NM2 3BB",
            mobile="07700 900123",
            preferred_contact_method=Carer.ContactMethod.TEXT,
        ),
    )
    father = PupilCarerFactory(
        pupil=amy,
        carer=CarerFactory(
            title="Mr",
            forename="David",
            surname="Lowe",
            address="4 Quay Street\nPortby",
            postcode="PB9 8ZZ",
            mobile="07700 900456",
            preferred_contact_method=Carer.ContactMethod.LETTER,
            preferred_language="Polish",
        ),
        relationship=PupilCarer.Relationship.FATHER,
        lives_with_pupil=False,
        included_in_correspondence=True,
        correspondence_decision_reason=DSL_NOTE,
    )
    # Not living with Amy, and no DSL decision yet: not written to.
    PupilCarerFactory(
        pupil=amy,
        carer=CarerFactory(forename="Steve", surname="Stepp"),
        relationship=PupilCarer.Relationship.STEP_FATHER,
        lives_with_pupil=False,
    )

    ben = PupilFactory(legal_forename="Ben", legal_surname="Baker")
    EnrolmentFactory(pupil=ben, school=school)
    _register(ben, school, absent={})
    PupilCarerFactory(pupil=ben, carer=CarerFactory(mobile=""))

    cal = PupilFactory(legal_forename="Cal", legal_surname="Cole")
    EnrolmentFactory(pupil=cal, school=school)
    _register(cal, school, absent={4: "O"})
    PupilCarerFactory(pupil=cal, lives_with_pupil=False)

    term = SchoolTerm.unscoped.get(school=school, name="Spring 2")
    return {
        "school": school,
        "lead": lead,
        "term": term,
        "amy": amy,
        "ben": ben,
        "cal": cal,
        "mother": mother,
        "father": father,
    }


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def read(document: Document) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()


def run(world, *, threshold: int | None = 90) -> DocumentBatch:
    """Start the batch and run its task as the worker would."""
    with at(MADE_ON):
        batch = half_term_batch_start(
            acting_user=world["lead"], term_id=world["term"].pk, threshold=threshold
        )
        return half_term_batch_run(batch_id=batch.pk)


def test_the_demos_reset_deletes_half_term_letters_and_texts_with_their_batch(world):
    """`seed_demo --reset` deletes the demo's pupils; letters and texts made in
    the demo point to them and would block it."""
    from demo.legal import demo_legal_delete
    from pupils.models import Pupil

    batch = run(world)
    demo_legal_delete(Pupil.unscoped.filter(pk=world["amy"].pk))
    assert not DocumentBatch.unscoped.filter(pk=batch.pk).exists()
    assert not Document.unscoped.filter(pupil=world["amy"]).exists()
    assert not TextMessage.unscoped.exists()


def test_the_pupils_are_those_below_the_threshold_with_their_own_half_term_figures(world):
    with at(MADE_ON):
        chosen = pupils_chosen(
            school=world["school"], half_term=half_term_of(world["term"]), threshold=90
        )
    by_name = {pupil.forename: figures for pupil, figures in chosen.pupils}
    assert list(by_name) == ["Amy", "Cal"]  # Ben attended every session
    amy = by_name["Amy"]
    assert (amy.counts.possible, amy.counts.attended) == (50, 38)
    assert (amy.counts.authorised, amy.counts.unauthorised) == (2, 10)
    assert (amy.missed, amy.days_missed, round(amy.rate or 0, 1)) == (12, 6.0, 76.0)
    assert chosen.recipients == 2  # Amy's mother and father; Cal has no one
    assert chosen.texts == 1  # Amy's mother (her father prefers letters)
    with at(MADE_ON):
        everyone = pupils_chosen(
            school=world["school"], half_term=half_term_of(world["term"]), threshold=None
        )
    assert [p.forename for p, _ in everyone.pupils] == ["Amy", "Ben", "Cal"]


def test_the_letter_shows_the_figures_the_half_term_and_the_parent_on_one_page(world):
    batch = run(world)
    letter = Document.unscoped.get(batch=batch, recipient=world["mother"])
    content = read(letter)
    text = pdf_text(content)
    assert len(PdfReader(io.BytesIO(content)).pages) == 1
    assert "Page 1 of 1" in text
    assert "Amy Archer" in text
    assert "Mrs Jane Archer 12 Elm Road Northmoor NM2 3BB" in text
    assert "Dear Mrs Archer" in text
    assert "Spring 2, Monday 23 February 2026 to Friday 27 March 2026" in text
    assert "has missed 6 days of school" in text
    assert "76.0%" in text
    assert "missing more school than their classmates" in text  # below 90%
    assert "The next half term is a fresh start" in text
    assert "Northmoor Primary School" in text
    assert "1 School Lane" in text
    assert "Priya Patel" in text
    # The sessions: possible, attended, authorised, unauthorised.
    for label, value in (
        ("Sessions the school was open for Amy", "50"),
        ("Sessions attended", "38"),
        ("(authorised)", "2"),
        ("(unauthorised)", "10"),
    ):
        assert f"{label} {value}" in text
    assert DSL_NOTE not in text  # the DSL's note on the family is never in a letter
    assert letter.data["figures"]["days_missed"] == "6"
    assert len(letter.checksum) == 64
    assert (letter.case, letter.pupil, letter.school) == (None, world["amy"], world["school"])


def test_one_letter_to_each_parent_who_receives_the_schools_letters(world):
    batch = run(world)
    letters = Document.unscoped.filter(batch=batch)
    assert {d.recipient for d in letters} == {world["mother"], world["father"]}
    to_father = pdf_text(read(letters.get(recipient=world["father"])))
    assert "4 Quay Street Portby PB9 8ZZ" in to_father
    assert "Elm Road" not in to_father
    assert "Stepp" not in " ".join(pdf_text(read(d)) for d in letters)
    # Cal's letter could not be made: no one to send it to, said on the page.
    assert batch.failed == 1
    assert batch.problems[0]["pupil"] == "Cal Cole"
    # The father reads Polish: listed for the lead to arrange a translation.
    assert batch.to_explain == [
        {"pupil": "Amy Archer", "recipient": "Mr David Lowe", "needs": "Polish"}
    ]


def test_the_text_message_is_seed_wording_with_the_days_and_fits_in_two_texts(world):
    batch = run(world)
    message = TextMessage.unscoped.get(batch=batch)
    assert message.recipient == world["mother"]
    assert message.phone == "07700 900123"
    assert message.message == (
        "Northmoor Primary School: Amy has missed 6 days of school this half term. "
        "Please help Amy attend school regularly to give them the best possible chance of "
        "making progress. The next half term is a fresh start and we would appreciate your "
        "help in improving Amy's attendance."
    )
    assert len(message.message) <= 306
    assert message.parts == sms_parts(message.message) == 2


def test_a_message_too_long_for_two_texts_is_sent_in_its_short_form():
    assert sms_parts("a" * 160) == 1
    assert sms_parts("a" * 161) == 2
    assert sms_parts("a" * 306) == 2
    assert sms_parts("a" * 307) == 3
    assert sms_parts("€" * 81) == 2  # the euro sign takes two of the 7-bit alphabet
    assert sms_parts("ł" * 70) == 1  # outside it, 70 a text
    assert sms_parts("ł" * 135) == 3
    from documents.services.batch import text_message
    from documents.services.wording import wording_for

    data = {
        "pupil": {"name": "Amy Archer", "forename": "Amy"},
        "recipient": {"name": "Mrs Jane Archer"},
        "school": {"name": "The Very Long Name of the Northmoor Church of England Primary Academy"},
        "la": {"name": "Northmoor Council"},
        "date": "1 April 2026",
        "figures": {"days_missed": "6", "rate": "76.0%"},
        "half_term": {"name": "Spring 2"},
    }
    texts = wording_for(SchoolFactory().local_authority_id, "half_term_text")
    message = text_message(texts, data)
    assert message is not None
    assert message.startswith("The Very Long Name")
    assert "The next half term is a fresh start: please help Amy attend every day." in message
    assert sms_parts(message) <= 2


def test_a_missing_school_address_refuses_with_a_link_to_the_details(world, client_for):
    school = world["school"]
    school.address = ""
    school.save()
    with at(MADE_ON), pytest.raises(DocumentRefused) as refused:
        half_term_batch_start(acting_user=world["lead"], term_id=world["term"].pk, threshold=90)
    assert "has no address yet" in str(refused.value)
    assert not DocumentBatch.unscoped.exists()
    client = client_for(world["lead"])
    with at(MADE_ON):
        listing = client.get(reverse("documents:half_term_batches"))
        new = client.get(reverse("documents:half_term_new"), follow=True)
    assert "has no address yet" in listing.text
    assert reverse("documents:school_details") in listing.text
    assert "Make half-term letters</a>" not in listing.text
    assert "has no address yet" in new.text


def test_the_batch_runs_through_the_task_to_done_and_offers_the_downloads(
    world, client_for, django_capture_on_commit_callbacks
):
    client = client_for(world["lead"])
    choice = {"term": world["term"].pk, "who": "below", "threshold": "90"}
    with at(MADE_ON):
        counted = client.get(reverse("documents:half_term_new"), choice)
        assert "2 pupils" in counted.text
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("documents:half_term_new"), choice)
    batch = DocumentBatch.unscoped.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("documents:half_term_batch", args=[batch.pk])
    assert batch.status == DocumentBatch.Status.DONE
    assert (batch.total, batch.done, batch.failed) == (2, 2, 1)
    assert (batch.letters, batch.texts, batch.already_made) == (2, 1, 0)
    with at(MADE_ON):
        page = client.get(reverse("documents:half_term_batch", args=[batch.pk]))
        zipped = client.get(reverse("documents:half_term_zip", args=[batch.pk]))
        combined = client.get(reverse("documents:half_term_pdf", args=[batch.pk]))
        texts = client.get(reverse("documents:half_term_texts", args=[batch.pk]))
    assert 'http-equiv="refresh"' not in page.text
    assert "No parent or carer receives the school" in page.text
    archive = zipfile.ZipFile(io.BytesIO(b"".join(zipped.streaming_content)))
    assert len(archive.namelist()) == 2
    assert archive.namelist()[0].startswith("0001-ht-")
    pdf = b"".join(combined.streaming_content)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 2
    rows = list(csv.reader(io.StringIO(texts.content.decode())))
    assert rows[0] == ["phone", "message"]
    assert rows[1][0] == "07700 900123"
    assert rows[1][1].startswith("Northmoor Primary School: Amy has missed 6 days")
    downloads = AuditEvent.objects.filter(
        target_type="documents.DocumentBatch", action=AuditEvent.Action.VIEW_SENSITIVE
    )
    assert downloads.count() == 3
    assert (
        AuditEvent.objects.filter(
            target_type="documents.Document", action=AuditEvent.Action.CREATE
        ).count()
        == 2
    )


def test_a_letter_made_before_for_the_same_half_term_is_not_made_again(world):
    first = run(world)
    second = run(world, threshold=None)  # every pupil: Amy's letters exist already
    assert (first.letters, first.texts) == (2, 1)
    assert second.already_made == 3  # two letters and a text
    assert second.letters == 1  # Ben's mother's letter: thanks, no fresh start
    assert Document.unscoped.filter(pupil=world["amy"]).count() == 2
    ben = Document.unscoped.get(batch=second)
    text = pdf_text(read(ben))
    assert "Thank you for helping Ben to attend every day this half term." in text
    assert "has missed 0 days of school" in text
    assert "missing more school than their classmates" not in text


def test_the_las_wording_replaces_the_products(world):
    manager = UserFactory(
        role=Role.LA_MANAGER, la_user=True, local_authority=world["school"].local_authority
    )
    Wording.objects.create(
        local_authority=world["school"].local_authority,
        kind="half_term",
        paragraph="fresh_start",
        version=1,
        text="After the holiday, {{ pupil_forename }} starts afresh.",
        made_by=manager,
    )
    batch = run(world)
    text = pdf_text(read(Document.unscoped.filter(batch=batch).first()))
    assert "After the holiday, Amy starts afresh." in text
    assert "The next half term is a fresh start" not in text
    assert {"half_term", "half_term_text"} <= set(KINDS)


def test_the_wording_editor_lists_the_half_term_letter_and_text(world, client_for):
    manager = UserFactory(
        role=Role.LA_MANAGER, la_user=True, local_authority=world["school"].local_authority
    )
    page = client_for(manager).get(reverse("documents:wordings"))
    assert "Attendance this half term" in page.text
    assert reverse("documents:wording_edit", args=["half_term_text", "message"]) in page.text


def test_the_progress_page_refreshes_while_running_in_bounded_queries(
    world, client_for, django_assert_max_num_queries
):
    batch = DocumentBatch.unscoped.create(
        school=world["school"],
        kind="half_term",
        term=world["term"],
        term_name="Spring 2",
        first_day=SPRING_2[0],
        last_day=SPRING_2[1],
        as_at=SPRING_2[1],
        threshold=90,
        pupil_ids=list(range(1, 401)),
        total=400,
        done=150,
        status=DocumentBatch.Status.RUNNING,
        problems=[
            {"pupil": f"P {i}", "pupil_id": i, "recipient": "", "reason": "x"} for i in range(50)
        ],
        requested_by=world["lead"],
        requested_at=dt.datetime(2026, 4, 1, 9, tzinfo=dt.UTC),
    )
    client = client_for(world["lead"])
    url = reverse("documents:half_term_batch", args=[batch.pk])
    with at(MADE_ON), django_assert_max_num_queries(8):
        page = client.get(url)
    assert '<meta http-equiv="refresh" content="5">' in page.text
    assert '<progress id="batch-progress" max="400" value="150"' in page.text
    assert "150 of 400 pupils done" in page.text
    with at(MADE_ON):
        still = client.get(url, {"refresh": "off"})
    assert 'http-equiv="refresh"' not in still.text
    with at(MADE_ON):
        assert client.get(reverse("documents:half_term_zip", args=[batch.pk])).status_code == 404


def test_another_schools_lead_gets_404_and_school_staff_403(world, client_for):
    batch = run(world)
    other = UserFactory(role=Role.ATTENDANCE_LEAD, school=SchoolFactory())
    staff = UserFactory(role=Role.SCHOOL_STAFF, school=world["school"])
    outsider = client_for(other)
    for name in ("half_term_batch", "half_term_zip", "half_term_pdf", "half_term_texts"):
        assert outsider.get(reverse(f"documents:{name}", args=[batch.pk])).status_code == 404
    assert outsider.get(reverse("documents:half_term_batches")).text.count("Spring 2") == 0
    insider = client_for(staff)
    assert insider.get(reverse("documents:half_term_batch", args=[batch.pk])).status_code == 403
    assert insider.get(reverse("documents:half_term_new")).status_code == 403
    # Another school's term cannot be asked for.
    with at(MADE_ON), pytest.raises(Http404):
        half_term_batch_start(acting_user=other, term_id=world["term"].pk, threshold=90)
    dsl = UserFactory(role=Role.DSL, school=world["school"])
    assert (
        client_for(dsl).get(reverse("documents:half_term_batch", args=[batch.pk])).status_code
        == 200
    )


def test_the_home_page_leads_the_lead_to_the_half_term_letters(world, client_for):
    page = client_for(world["lead"]).get(reverse("home"))
    assert reverse("documents:half_term_batches") in page.text
    staff = UserFactory(role=Role.SCHOOL_STAFF, school=world["school"])
    assert reverse("documents:half_term_batches") not in client_for(staff).get(reverse("home")).text


def test_the_choice_needs_a_percentage_and_the_list_reads_in_bounded_queries(
    world, client_for, django_assert_max_num_queries
):
    client = client_for(world["lead"])
    with at(MADE_ON):
        page = client.get(
            reverse("documents:half_term_new"),
            {"term": world["term"].pk, "who": "below", "threshold": ""},
        )
        assert "Enter the percentage" in page.text
        every = client.get(
            reverse("documents:half_term_new"), {"term": world["term"].pk, "who": "all"}
        )
        assert "3 pupils" in every.text
        # The half terms offered are those that have started.
        assert "Spring 2: 23 February 2026 to 27 March 2026" in every.text
        assert "Summer 1" not in client.get(reverse("documents:half_term_new")).text
    run(world)
    run(world, threshold=None)
    with at(MADE_ON), django_assert_max_num_queries(8):
        listing = client.get(reverse("documents:half_term_batches"))
    assert listing.text.count("Spring 2") == 2


def test_the_csv_keeps_phone_numbers_and_quotes_what_a_spreadsheet_would_run(world):
    from documents.services.batch import texts_csv

    batch = run(world)
    rows = list(csv.reader(io.StringIO(texts_csv(batch))))
    assert rows[1][0] == "07700 900123"
    TextMessage.unscoped.filter(batch=batch).update(phone="=HYPERLINK(1)", message="+1 evil")
    rows = list(csv.reader(io.StringIO(texts_csv(batch))))
    assert rows[1] == ["'=HYPERLINK(1)", "'+1 evil"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_lead_makes_the_letters_in_a_browser_on_accessible_pages(
    world, live_server, page, axe_source
):
    """Without a frozen clock: Spring 2 2026 has ended by the real today."""
    sign_in(page, live_server.url, world["lead"].email)
    page.get_by_role("link", name="Half-term letters").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Half-term letters"
    assert axe_violations(page, axe_source) == []
    page.get_by_role("link", name="Make half-term letters").click()
    assert axe_violations(page, axe_source) == []
    page.get_by_label("Spring 2: 23 February 2026 to 27 March 2026").check()
    page.get_by_role("button", name="Count the pupils").click()
    assert page.get_by_text("2 pupils").first.is_visible()
    assert axe_violations(page, axe_source) == []
    page.get_by_role("button", name="Make the letters").click()
    page.wait_for_url("**/documents/half-term/*/")
    assert page.get_by_role("link", name="Every letter in one PDF, to print").is_visible()
    assert axe_violations(page, axe_source) == []


def test_a_pupils_half_term_letters_and_texts_are_in_their_subject_access_export(world):
    from records.services.subject_access import records_about

    batch = run(world)
    found = records_about(world["amy"])
    letters = Document.unscoped.filter(batch=batch, pupil=world["amy"])
    assert set(found.ids(Document)) == set(letters.values_list("pk", flat=True))
    assert len(found.ids(TextMessage)) == 1
