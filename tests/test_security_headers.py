"""Headers on every response (issue "Safeguarding-grade security", item 5):
a Content-Security-Policy with a nonce and without unsafe-inline, a
Permissions-Policy, `Cache-Control: no-store` on pages, PDFs, the API and the
sign-in page; and the proxy's HTTPS header trusted only when configured."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from documents.services.generate import document_make

from .test_attendance_api import token_client
from .test_attendance_api import url as api_url
from .test_notices import ISSUED, at, issue, ready_case
from .test_settings import run_manage

pytestmark = pytest.mark.django_db


def _csp(response) -> dict[str, str]:
    return {
        part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2]
        for part in response["Content-Security-Policy"].split(";")
        if part.strip()
    }


def test_a_signed_in_page_has_a_strict_policy_whose_nonce_runs_the_one_inline_script(
    lead, client_for
):
    response = client_for(lead).get(reverse("cases:pupil_list"))

    policy = _csp(response)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy["script-src"]).group(1)
    assert f'<script nonce="{nonce}">' in response.content.decode()
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert policy["form-action"] == "'self'"
    # A fresh nonce each time, or it protects nothing.
    again = _csp(client_for(lead).get(reverse("cases:pupil_list")))["script-src"]
    assert again != policy["script-src"]


def test_pages_the_sign_in_form_pdfs_and_the_api_are_never_stored(lead, client_for, client):
    page = client_for(lead).get(reverse("cases:pupil_list"))
    sign_in = client.get(reverse("login"))
    for response in (page, sign_in):
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]
        assert "camera=()" in response["Permissions-Policy"]


def test_a_letter_pdf_is_never_stored(client_for):
    case = ready_case()
    made = issue(case)
    recipient = made.recipients.get()
    with at(ISSUED):
        document = document_make(
            acting_user=case.lead_professional,
            case_id=case.pk,
            key=f"notice_to_improve:case{case.pk}:notice{made.pk}:to{recipient.pk}",
        )
        response = client_for(case.lead_professional).get(
            reverse("documents:download", args=[document.pk])
        )
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "no-store" in response["Cache-Control"]


def test_the_api_is_never_stored(lead, school):
    from .factories import EnrolmentFactory

    pupil = EnrolmentFactory(school=school).pupil
    response = token_client(lead).get(api_url(pupil.upn))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("behind_proxy", "trusted"), [("", "None"), ("1", "HTTP_X_FORWARDED_PROTO")]
)
def test_the_proxy_https_header_is_trusted_only_behind_a_configured_proxy(behind_proxy, trusted):
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)",
        DJANGO_ENV="production",
        SECRET_KEY="x" * 64 + "-a-long-random-production-key",
        ALLOWED_HOSTS="attendance.example.gov.uk",
        BEHIND_TLS_PROXY=behind_proxy,
    )
    assert result.returncode == 0, result.stderr
    assert trusted in result.stdout
