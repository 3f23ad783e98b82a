"""The chronology as a PDF (issue 12): the same dated entries as the page, on
numbered A4 pages, scoped like the page and audited as a read."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from core.models import AuditEvent

from .conftest import signed_in_client
from .factories import SchoolFactory, UserFactory
from .test_chronology import case, november  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def text_of(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def test_the_pdf_lists_the_dated_entries_on_numbered_pages(case):  # noqa: F811
    client = signed_in_client(case.lead_professional)
    page = client.get(reverse("cases:chronology", args=[case.pk]))
    assert b"Download the chronology as a PDF" in page.content
    response = client.get(reverse("cases:chronology_pdf", args=[case.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pages = text_of(response.content)
    text = "\n".join(pages)
    assert "Case opened" in text
    assert "Wishes and feelings recorded" in text
    assert "Attendance, week of 15 September" in text
    assert "9 of 10 sessions attended (90.0%); 1 unauthorised" in text
    assert "Mon 15 Sep 2025" in text
    for number, page_text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page_text
    # Entries print in the page's order: the case opened first.
    entries = page.context["entries"]
    assert text.index(entries[0].title) < text.index(entries[-1].title)
    assert (
        AuditEvent.objects.filter(note__startswith="case chronology downloaded as PDF").count() == 1
    )


def test_the_pdf_keeps_the_page_selection(case):  # noqa: F811
    response = signed_in_client(case.lead_professional).get(
        reverse("cases:chronology_pdf", args=[case.pk]), {"kind": "contact"}
    )
    text = "\n".join(text_of(response.content))
    assert "Phone call with the family (reached)" in text
    assert "Wishes and feelings recorded" not in text
    assert "Shown: Contacts." in text


def test_outside_the_scope_is_not_found(case):  # noqa: F811
    outsider = UserFactory(school=SchoolFactory())
    response = signed_in_client(outsider).get(reverse("cases:chronology_pdf", args=[case.pk]))
    assert response.status_code == 404
