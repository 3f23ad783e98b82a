"""The subject-access export (issue 14, item 8): everything held about one
pupil and their family as a ZIP of JSON and PDFs, for the school's DSL or the
LA's manager, recorded in the access log; nothing about a sibling's own
records, nothing about a pupil the user may not see."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from cases.models import Contact
from core.models import AuditEvent
from documents.models import Document
from documents.services.generate import document_make

from .conftest import signed_in_client
from .factories import (
    AttendanceCaseFactory,
    CarerFactory,
    PupilCarerFactory,
    PupilFactory,
    SchoolFactory,
    UserFactory,
)
from .penalty_helpers import penalty_route

pytestmark = pytest.mark.django_db


def contact(case, link, notes: str) -> Contact:
    return Contact.unscoped.create(
        pupil=case.pupil,
        school=case.school,
        case=case,
        occurred_at=timezone.now(),
        method="phone",
        carer=link,
        made_by=case.lead_professional,
        reached=True,
        notes=notes,
    )


@pytest.fixture
def family(school):
    """Amara, her mother and her brother Kofi, each child with a case and a
    phone call to their mother."""
    mother = CarerFactory(forename="Grace", surname="Okafor")
    amara = PupilFactory(school=school, legal_forename="Amara", legal_surname="Okafor")
    kofi = PupilFactory(school=school, legal_forename="Kofi", legal_surname="Okafor")
    amara_link = PupilCarerFactory(pupil=amara, carer=mother)
    kofi_link = PupilCarerFactory(pupil=kofi, carer=mother)
    amara_case = AttendanceCaseFactory(school=school, pupil=amara)
    kofi_case = AttendanceCaseFactory(school=school, pupil=kofi)
    contact(amara_case, amara_link, "Mum says Amara is anxious about PE")
    contact(kofi_case, kofi_link, "Kofi's hospital appointment")
    return {"amara": amara, "case": amara_case, "link": amara_link, "mother": mother}


def export(client, pupil):
    response = client.post(reverse("records:subject_access", args=[pupil.pk]))
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_the_dsl_exports_the_pupils_records_and_not_the_siblings(family, school):
    decision = penalty_route(family["case"], family["link"])  # a Notice to Improve served on mum
    notice = decision.referral.notice
    # Its letter, as made and stored (documents app): the export holds it as sent.
    document_make(
        acting_user=family["case"].lead_professional,
        case_id=family["case"].pk,
        key=f"notice_to_improve:case{family['case'].pk}:notice{notice.pk}:to{family['link'].pk}",
    )
    dsl = UserFactory(role=Role.DSL, school=school, full_name="Dee Singh")
    client = signed_in_client(dsl)
    client.get(reverse("cases:case_detail", args=[family["case"].pk]))

    archive = export(client, family["amara"])
    names = archive.namelist()
    records = json.loads(archive.read("records.json"))
    text = json.dumps(records)

    assert {"README.txt", "records.json", "staff.json", "access-log.json"} <= set(names)
    assert [p["legal_forename"] for p in records["pupils.Pupil"]] == ["Amara"]
    assert [c["forename"] for c in records["pupils.Carer"]] == ["Grace"]
    assert "Mum says Amara is anxious about PE" in text
    assert "Kofi" not in text  # the brother's record and his contact are his own
    assert [n["id"] for n in records["notices.NoticeToImprove"]] != []
    assert records["notices.NoticeToImprove"][0]["recipients"] == [family["link"].pk]
    letters = [n for n in names if n.startswith("documents/")]
    assert letters == [f"documents/nti-{family['case'].pk}-{notice.pk}-{family['link'].pk}-v1.pdf"]
    # The stored file's own name (storage may add a suffix to keep names unique).
    stored = Document.unscoped.get(case=family["case"])
    assert records["documents.Document"][0]["file"] == stored.file.name
    assert archive.read(letters[0]).startswith(b"%PDF")
    staff = json.loads(archive.read("staff.json"))
    assert family["case"].lead_professional.full_name in {s["name"] for s in staff.values()}
    log = json.loads(archive.read("access-log.json"))
    assert any(entry["who"] == "Dee Singh" and "case file" in entry["what"] for entry in log)
    # Making it is itself in the access log.
    assert AuditEvent.objects.filter(
        actor=dsl, target_id=str(family["amara"].pk), note__startswith="subject-access export"
    ).exists()


def test_the_la_manager_may_export_and_the_lead_may_not(family, school):
    manager = UserFactory(
        la_user=True, role=Role.LA_MANAGER, local_authority=school.local_authority
    )
    assert export(signed_in_client(manager), family["amara"]).namelist()
    lead = family["case"].lead_professional
    url = reverse("records:subject_access", args=[family["amara"].pk])
    assert signed_in_client(lead).post(url).status_code == 403
    assert (
        url
        not in signed_in_client(lead)
        .get(reverse("cases:pupil_detail", args=[family["amara"].pk]))
        .text
    )


def test_a_dsl_of_another_school_gets_not_found(family):
    elsewhere = UserFactory(role=Role.DSL, school=SchoolFactory())
    url = reverse("records:subject_access", args=[family["amara"].pk])
    assert signed_in_client(elsewhere).post(url).status_code == 404
    assert not AuditEvent.objects.filter(note__startswith="subject-access export").exists()


def test_the_page_explains_what_the_export_holds(family, school):
    dsl = UserFactory(role=Role.DSL, school=school)
    page = signed_in_client(dsl).get(reverse("records:subject_access", args=[family["amara"].pk]))
    assert "Check the export for information about other people" in page.text
    pupil_page = signed_in_client(dsl).get(reverse("cases:pupil_detail", args=[family["amara"].pk]))
    assert reverse("records:subject_access", args=[family["amara"].pk]) in pupil_page.text
