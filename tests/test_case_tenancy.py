"""Every case URL, for every kind of visitor: another school's lead and DSL get
the same 404 as for a case that does not exist (GET and POST); read-only staff
see the case but are refused every change."""

import re

import pytest
from django.urls import get_resolver, reverse

from accounts.models import Role
from cases.services.sharing import case_share

from .case_records import case_file_records
from .conftest import signed_in_client
from .factories import AttendanceCaseFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db


def case_urls():
    """(name, pattern) of every URL in the cases app about one case or its records."""
    found = []

    def walk(resolver, prefix="", namespace=""):
        for entry in resolver.url_patterns:
            if hasattr(entry, "url_patterns"):
                walk(entry, prefix + str(entry.pattern), entry.namespace or namespace)
            elif namespace in PAGE_NAMESPACES and re.search(
                r"<int:(case_id|timetable_id)>", prefix + str(entry.pattern)
            ):
                found.append((f"{namespace}:{entry.name}", prefix + str(entry.pattern)))

    walk(get_resolver())
    return found


# The pages of a case; the JSON API's case routes are tested in test_pathway_api.
PAGE_NAMESPACES = {"cases", "notices"}
CASE_URLS = case_urls()
READ_ONLY_PAGES = {"cases:case_detail", "cases:chronology", "cases:chronology_pdf"}


@pytest.fixture
def a_full_case():
    case = AttendanceCaseFactory()
    ids = case_file_records(case)
    # The school's share with the LA, so that "stop sharing" has one to stop.
    ids["share_id"] = case_share(
        acting_user=case.lead_professional, case_id=case.pk, reason="For the TSM"
    ).pk
    return case, ids


def url_for(name, pattern, ids):
    kwargs = {key: ids[key] for key in re.findall(r"<int:(\w+)>", pattern)}
    return reverse(name, kwargs=kwargs)


def test_every_case_url_is_covered():
    names = {name for name, _ in CASE_URLS}
    assert {
        "cases:case_detail",
        "cases:contact_new",
        "cases:meeting_held",
        "cases:review_new",
        "cases:timetable_end",
    } <= names
    assert len(CASE_URLS) >= 25


@pytest.mark.parametrize("role", [Role.ATTENDANCE_LEAD, Role.DSL])
@pytest.mark.parametrize(("name", "pattern"), CASE_URLS)
def test_another_schools_staff_get_404_for_every_case_url(a_full_case, role, name, pattern):
    case, ids = a_full_case
    outsider = signed_in_client(
        UserFactory(role=role, school=SchoolFactory(local_authority=case.school.local_authority))
    )
    url = url_for(name, pattern, ids)
    assert outsider.get(url).status_code == 404, url
    # Pages that only show things refuse a POST before looking anything up,
    # so the answer is the same whether or not the case exists.
    assert outsider.post(url, {}).status_code == (405 if name in READ_ONLY_PAGES else 404), url


@pytest.mark.parametrize(("name", "pattern"), CASE_URLS)
def test_read_only_staff_see_the_case_but_every_change_is_refused(a_full_case, name, pattern):
    case, ids = a_full_case
    staff = signed_in_client(UserFactory(role=Role.SCHOOL_STAFF, school=case.school))
    url = url_for(name, pattern, ids)
    if name in READ_ONLY_PAGES:
        assert staff.get(url).status_code == 200, url
    else:
        assert staff.post(url, {}).status_code == 403, url
