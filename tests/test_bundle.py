"""The referral bundle as a court receives it (issue 12): rendered by WeasyPrint
from the frozen bundle, read back with pypdf. A contents page whose page
numbers are where the sections are; "Page N of M" and the reference on every
page; the parents and their addresses; the register extract for the offence
period, dated, with codes and meanings; the Notice to Improve as served; the
s566 certificate, signed in the product or shown as not signed. The PDF is
stored once, when the referral is submitted, and served from the store."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import Role
from cases.models import AttendanceCase
from core.models import AuditEvent
from notices.bundle import bundle_file_store, bundle_pdf, referral_reference
from notices.models import BundleFile, LegalReferral, RegisterCertificate
from notices.services.certificates import certificate_sign
from notices.services.referrals import referral_accept, referral_decide, referral_submit
from pupils.models import PupilCarer

from .conftest import signed_in_client
from .factories import CarerFactory, PupilCarerFactory, UserFactory
from .test_pathway_rules import at, make_case, registers
from .test_pathway_walk import first_meeting, issue, more_support

pytestmark = pytest.mark.django_db

READY = dt.date(2026, 3, 24)


@pytest.fixture
def case() -> AttendanceCase:
    with at(dt.date(2026, 1, 5)):
        made = make_case()
        # A second parent with parental responsibility who lives elsewhere.
        PupilCarerFactory(
            pupil=made.pupil,
            carer=CarerFactory(
                forename="Daniel",
                surname="Okafor",
                address="9 Mill Lane\nNorwich",
                postcode="NR2 4AB",
            ),
            relationship=PupilCarer.Relationship.FATHER,
            lives_with_pupil=False,
        )
        mother = PupilCarer.unscoped.filter(pupil=made.pupil).order_by("pk").first()
        assert mother is not None
        mother.carer.forename, mother.carer.surname = "Grace", "Okafor"
        mother.carer.address, mother.carer.postcode = "14 Elm Road\nNorwich", "NR1 3QP"
        mother.carer.save()
        registers(made)
    with at(dt.date(2026, 1, 30)):
        first_meeting(made)
        more_support(made)
    with at(dt.date(2026, 2, 2)):
        served = issue(made, outcome="not_improved", outcome_on=READY)
        # Served on both parents with parental responsibility.
        served.recipients.set(PupilCarer.unscoped.filter(pupil=made.pupil))
    made.refresh_from_db()
    return made


@pytest.fixture
def referral(case: AttendanceCase) -> LegalReferral:
    with at(READY):
        return referral_submit(acting_user=case.lead_professional, case_id=case.pk)


def pdf_pages(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def certified(referral: LegalReferral) -> RegisterCertificate:
    """The s566 certificate stored directly, for tests about what follows it
    (the signing itself is tested here, through the service and the page)."""
    return RegisterCertificate.unscoped.create(
        referral=referral,
        signer_name="Margaret Holloway",
        capacity="head_teacher",
        job_title="Head teacher",
        signed_on=referral.submitted_at.date(),
        signed_at=referral.submitted_at,
        signed_by=referral.submitted_by,
        period_first=referral.submitted_at.date(),
        period_last=referral.submitted_at.date(),
        statement="I certify that the register extract is a true extract.",
    )


def sign(referral: LegalReferral, **fields: str) -> RegisterCertificate:
    fields = {
        "signer_name": "Margaret Holloway",
        "capacity": "head_teacher",
        "job_title": "Head teacher",
        **fields,
    }
    with at(dt.date(2026, 3, 25)):
        return certificate_sign(
            acting_user=referral.case.lead_professional, referral_id=referral.pk, **fields
        )


def section_page(pages: list[str], heading: str) -> int:
    """The page (1-based) where a numbered section's heading starts, after the contents."""
    for number, text in enumerate(pages, start=1):
        if number > 1 and any(line.strip().startswith(heading) for line in text.splitlines()):
            return number
    raise AssertionError(f"{heading!r} not found")


def test_the_contents_page_numbers_are_where_the_sections_are(referral):
    assert_contents_match(pdf_pages(bundle_pdf(referral)))


def assert_contents_match(pages: list[str]) -> None:
    contents = pages[0]
    listed = re.findall(r"^(\d+)\. (.+?)\s*\.*\s*page (\d+)$", contents, re.M)
    titles = [title.strip(" .") for _, title, _ in listed]
    assert "Parents and carers" in titles
    assert "Register extract for the offence period" in titles
    assert "Head teacher's certificate (Education Act 1996 s566)" in titles
    assert "The Notice to Improve as served to each parent" in titles
    assert "Chronology" in titles
    assert len(listed) >= 14
    for number, title, page in listed:
        assert section_page(pages, f"{number}. {title.strip(' .')}") == int(page), title


def test_every_page_is_numbered_and_carries_the_reference(referral):
    pages = pdf_pages(bundle_pdf(referral))
    total = len(pages)
    reference = referral_reference(referral)
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in text
        assert f"{reference} v1" in text


def test_the_parents_with_their_addresses_responsibility_and_household(referral):
    text = "\n".join(pdf_pages(bundle_pdf(referral)))
    assert "Grace Okafor (Mother)" in text
    assert "14 Elm Road" in text
    assert "NR1 3QP" in text
    assert "Daniel Okafor (Father)" in text
    assert "9 Mill Lane" in text
    assert "NR2 4AB" in text
    parents = referral.bundle["parents"]
    father = next(p for p in parents if p["relationship"] == "Father")
    assert (father["parental_responsibility"], father["lives_with_pupil"]) == (True, False)


def test_the_register_extract_is_dated_with_codes_and_meanings(referral):
    """Spring 2026: absent (O) on Mondays and Fridays, present otherwise. The
    offence period starts with the academic year of the notice (1 September
    2025) and ends on the referral day; the school's register in it starts on
    5 January."""
    assert referral.bundle["period"] == {"first": "2025-09-01", "last": "2026-03-24"}
    text = "\n".join(pdf_pages(bundle_pdf(referral)))
    assert "1 September 2025 to 24 March 2026" in text
    # A row per school week, Monday AM to Friday PM, as the register is kept.
    assert "Mon 5 Jan 2026 O O / \\ / \\ / \\ O O" in text
    assert "Mon 16 Mar 2026 O O / \\ / \\ / \\ O O" in text
    # The referral day is the last: nothing after Tuesday 24 March.
    assert "Mon 23 Mar 2026 O O / \\ " + " ".join(["\u2013"] * 6) in text
    assert "Absent in other or unknown circumstances" in text
    assert "Unauthorised absence" in text
    extract = referral.bundle["register_extract"][0]
    assert extract["days"][0] == {"date": "2026-01-05", "am": "O", "pm": "O"}


def test_the_notice_as_served_to_each_parent(referral):
    text = "\n".join(pdf_pages(bundle_pdf(referral)))
    served = [letter["recipient"] for letter in referral.bundle["letters_served"]]
    assert served == ["Grace Okafor", "Daniel Okafor"]
    for name in served:
        assert f"To {name}" in text
        assert f"Dear {name}" in text


def test_the_charts_print_from_the_same_svg(referral):
    pages = pdf_pages(bundle_pdf(referral))
    text = "\n".join(pages)
    assert "The register week by week (herringbone)" in text
    assert "Attendance week by week" in text
    # The herringbone's rows are weeks, labelled by their Monday.
    assert "05 Jan 2026" in text


def test_an_unsigned_certificate_shows_as_not_signed(referral):
    pages = pdf_pages(bundle_pdf(referral))
    assert "NOT SIGNED" in pages[0]
    assert all("register certificate NOT SIGNED" in page for page in pages)
    page = signed_in_client(referral.case.lead_professional).get(
        reverse("notices:referral_detail", args=[referral.pk])
    )
    assert b"Sign the register certificate" in page.content


def test_the_signed_certificate_names_the_signer_role_and_date(referral):
    certificate = sign(referral)
    assert certificate.signed_on == dt.date(2026, 3, 25)
    text = "\n".join(pdf_pages(bundle_pdf(referral)))
    assert "NOT SIGNED" not in text
    assert "Margaret Holloway" in text
    assert "Head teacher (Head teacher)" in text
    assert "25 March 2026" in text
    assert "is a true extract of the attendance register" in text
    assert "Education Act 1996 s566" in text
    # The certificate cites the extract's own section.
    assert "register extract in section 4 of this bundle" in certificate.statement
    event = AuditEvent.objects.get(target_type="notices.RegisterCertificate")
    assert event.changes["signer_name"] == "Margaret Holloway"


def test_who_may_sign_and_only_once(referral):
    dsl = UserFactory(role=Role.DSL, school=referral.case.school)
    with at(dt.date(2026, 3, 25)), pytest.raises(PermissionDenied):
        certificate_sign(
            acting_user=dsl,
            referral_id=referral.pk,
            signer_name="X",
            capacity="head_teacher",
            job_title="DSL",
        )
    sign(referral, capacity="authorised", job_title="Deputy head and attendance lead")
    with pytest.raises(ValidationError, match="already signed"):
        sign(referral)


def test_the_certificate_page_signs_through_the_form(referral):
    client = signed_in_client(referral.case.lead_professional)
    url = reverse("notices:referral_certificate", args=[referral.pk])
    with at(dt.date(2026, 3, 25)):
        page = client.get(url)
        assert page.status_code == 200
        assert b"true extract" in page.content
        refused = client.post(url, {"signer_name": "M Holloway", "capacity": "head_teacher"})
        assert refused.status_code == 200
        assert b"Confirm that the extract is a true extract" in refused.content
        response = client.post(
            url,
            {
                "signer_name": "M Holloway",
                "capacity": "head_teacher",
                "job_title": "Head teacher",
                "declaration": "on",
            },
        )
    assert response.status_code == 302
    assert RegisterCertificate.unscoped.get(referral=referral).signer_name == "M Holloway"


def test_the_pdf_download_is_audited(referral):
    officer = UserFactory(la_user=True, local_authority=referral.case.school.local_authority)
    response = signed_in_client(officer).get(
        reverse("notices:referral_bundle_pdf", args=[referral.pk])
    )
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(note__contains="bundle downloaded").exists()


def test_no_prosecution_on_an_uncertified_register_extract(referral):
    officer = UserFactory(la_user=True, local_authority=referral.case.school.local_authority)
    decision = {
        "kind": "prosecution_444_1",
        "reason": "Continued absence",
        "decided_on": READY,
        "eso_considered": True,
        "eso_note": "An ESO would not address the parents' non-engagement",
        "contract_explored": False,
        "contract_note": "The parents would not meet to agree one.",
        "offence_first_day": dt.date(2026, 2, 3),
        "offence_last_day": dt.date(2026, 3, 20),
    }
    with at(READY):
        referral_accept(acting_user=officer, referral_id=referral.pk)
        with pytest.raises(ValidationError) as refused:
            referral_decide(acting_user=officer, referral_id=referral.pk, **decision)
        assert "register certificate" in refused.value.error_dict["kind"][0].messages[0]
    sign(referral)
    with at(dt.date(2026, 3, 25)):
        made = referral_decide(acting_user=officer, referral_id=referral.pk, **decision)
    assert made.kind == "prosecution_444_1"


# The stored PDF ------------------------------------------------------------------


def download(referral: LegalReferral) -> bytes:
    officer = UserFactory(la_user=True, local_authority=referral.case.school.local_authority)
    response = signed_in_client(officer).get(
        reverse("notices:referral_bundle_pdf", args=[referral.pk])
    )
    assert response.status_code == 200
    return response.content


def stored_bytes(stored: BundleFile) -> bytes:
    with stored.file.open("rb") as handle:
        return handle.read()


def not_rendered(*args, **kwargs):
    raise AssertionError("the bundle was laid out again")


def test_the_pdf_is_stored_at_submission_and_every_download_serves_it(
    case, django_capture_on_commit_callbacks, monkeypatch
):
    with at(READY), django_capture_on_commit_callbacks(execute=True):
        referral = referral_submit(acting_user=case.lead_professional, case_id=case.pk)
    stored = BundleFile.unscoped.get(referral=referral)
    assert stored.certificate is None
    assert f"referral-{referral_reference(referral)}-v1" in stored.file.name
    data = stored_bytes(stored)
    assert hashlib.sha256(data).hexdigest() == stored.checksum
    event = AuditEvent.objects.get(target_type="notices.BundleFile", target_id=str(stored.pk))
    assert event.changes["checksum"] == stored.checksum
    # The stored copy is the whole bundle: its contents page still points at its sections.
    pages = pdf_pages(data)
    assert_contents_match(pages)
    assert all("register certificate NOT SIGNED" in page for page in pages)
    monkeypatch.setattr("notices.bundle.bundle_pdf", not_rendered)
    assert download(referral) == data
    assert download(referral) == data


def test_signing_the_certificate_stores_the_certified_bundle_beside_the_first(
    referral, django_capture_on_commit_callbacks
):
    # Submitted before the worker stored it: the first download renders and stores it.
    first = download(referral)
    unsigned = BundleFile.unscoped.get(referral=referral)
    assert stored_bytes(unsigned) == first
    with django_capture_on_commit_callbacks(execute=True):
        certificate = sign(referral)
    certified = BundleFile.unscoped.get(referral=referral, certificate=certificate)
    served = download(referral)
    assert served == stored_bytes(certified)
    text = "\n".join(pdf_pages(served))
    assert "NOT SIGNED" not in text
    assert "Margaret Holloway" in text
    # The unsigned copy the LA may have read is kept as it was.
    assert stored_bytes(BundleFile.unscoped.get(pk=unsigned.pk)) == first


def test_a_stored_pdf_that_no_longer_matches_its_checksum_is_neither_served_nor_replaced(
    referral, caplog
):
    download(referral)
    stored = BundleFile.unscoped.get(referral=referral)
    storage, name = stored.file.storage, stored.file.name
    storage.delete(name)
    storage.save(name, ContentFile(b"%PDF-1.7 altered"))
    with caplog.at_level(logging.ERROR, logger="notices.bundle"):
        served = download(referral)
    assert served.startswith(b"%PDF")
    assert served != b"%PDF-1.7 altered"
    assert "Page 1 of" in pdf_pages(served)[0]
    assert "does not match its checksum" in caplog.text
    assert stored_bytes(BundleFile.unscoped.get(pk=stored.pk)) == b"%PDF-1.7 altered"


def test_a_file_lost_from_the_store_is_rendered_and_stored_again(referral, caplog):
    download(referral)
    stored = BundleFile.unscoped.get(referral=referral)
    stored.file.storage.delete(stored.file.name)
    with caplog.at_level(logging.WARNING, logger="notices.bundle"):
        again = download(referral)
    assert "missing from the store" in caplog.text
    restored = BundleFile.unscoped.get(referral=referral)
    assert restored.pk == stored.pk
    assert stored_bytes(restored) == again
    assert hashlib.sha256(again).hexdigest() == restored.checksum


def test_two_renders_at_once_keep_the_first_stored(referral, monkeypatch):
    """The worker and a download both find nothing stored and both render:
    the one stored first is kept and served by both, the other discarded."""

    def rendered_while_the_worker_stored_its_own(*args, **kwargs):
        winner = BundleFile(referral=referral, checksum=hashlib.sha256(b"%PDF first").hexdigest())
        winner.file.save("first.pdf", ContentFile(b"%PDF first"), save=False)
        winner.rendered_at = referral.submitted_at
        winner.save()
        return b"%PDF second"

    monkeypatch.setattr("notices.bundle.bundle_pdf", rendered_while_the_worker_stored_its_own)
    stored, data = bundle_file_store(referral)
    assert data == b"%PDF first"
    assert BundleFile.unscoped.filter(referral=referral).count() == 1
    assert stored_bytes(stored) == b"%PDF first"


def test_an_earlier_penalty_notice_prints_its_amount_in_pounds(referral):
    """The bundle keeps a notice's amount as the notice stores it, in pence
    (8000 for the £80 paid within 21 days); the court reads pounds."""
    referral.bundle["penalty_notices"] = [
        {
            "recipient": "Grace Okafor",
            "issued_on": "2025-11-03",
            "offence_first_day": "2025-09-03",
            "offence_last_day": "2025-10-17",
            "status": "Paid",
            "amount": 8000,
            "paid_on": "2025-11-20",
            "withdrawn_on": None,
        }
    ]
    text = " ".join("\n".join(pdf_pages(bundle_pdf(referral))).split())
    assert "to Grace Okafor for 3 September 2025 to 17 October 2025, £80: Paid" in text
    assert "£8000" not in text
