"""A holiday penalty-notice request in a real browser, from the school to a
penalty notice: the lead starts it from the pupil's page, the officer finds it
beside the referral inbox, returns it (through its check page, changing the
reasons once), the lead corrects and resubmits, the officer accepts it (check
page), issues a notice to the mother (the offence period filled with the
leave's dates; check page), and the case's penalty-notice page shows the
holiday route. Every new page has no axe (WCAG 2.2 AA) violation."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Role
from notices.models import HolidayRequest

from . import browser_helpers
from .browser_helpers import axe_violations, sign_in
from .factories import PupilCarerFactory, PupilFactory, SchoolFactory, UserFactory
from .test_holiday_requests import LEAVE, mark

browser = browser_helpers.browser
page = browser_helpers.page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def frozen(day):
    return time_machine.travel(dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC), tick=True)


def fill_date(page, name, day):
    page.locator(f"#id_{name}_0").fill(str(day.day))
    page.locator(f"#id_{name}_1").fill(str(day.month))
    page.locator(f"#id_{name}_2").fill(str(day.year))


def check_axe(page, axe_source):
    assert axe_violations(page, axe_source) == [], page.url


def check_page(page, title, axe_source):
    """The check page of `title` is shown, nothing is written yet, and axe is clean."""
    page.wait_for_load_state()
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == f"Check your answers before you {title}", heading.inner_text()
    check_axe(page, axe_source)


def no_errors(page):
    summary = page.locator(".govuk-error-summary")
    assert not summary.count(), summary.inner_text()


def test_holiday_request_from_the_school_to_the_las_acceptance(live_server, page, axe_source):
    school = SchoolFactory()
    pupil = PupilFactory(school=school, date_of_birth=dt.date(2015, 5, 1))
    mother = PupilCarerFactory(pupil=pupil, contact_priority=1)
    father = PupilCarerFactory(pupil=pupil, relationship="father", contact_priority=2)
    lead = UserFactory(role=Role.ATTENDANCE_LEAD, school=school, email="lead@school.example")
    officer = UserFactory(
        la_user=True, local_authority=school.local_authority, email="officer@la.example.org"
    )
    mark(pupil, school, dt.date(2026, 1, 5), dt.date(2026, 3, 27), "/")
    mark(pupil, school, *LEAVE, "G")
    base = live_server.url

    with frozen(dt.date(2026, 3, 9)):
        sign_in(page, base, lead.email)
        page.goto(base + reverse("cases:pupil_detail", args=[pupil.pk]))
        page.get_by_role("link", name=re.compile("Ask the LA for a penalty notice")).click()
        check_axe(page, axe_source)
        fill_date(page, "sessions_first_day", LEAVE[0])
        fill_date(page, "sessions_last_day", LEAVE[1])
        fill_date(page, "leave_first_day", LEAVE[0])
        fill_date(page, "leave_last_day", LEAVE[1])
        page.get_by_label("Who asked for the leave?").fill("Mrs Jones (mother)")
        fill_date(page, "requested_on", dt.date(2026, 1, 5))
        page.get_by_label("The reason given for the leave").fill("Family wedding abroad")
        fill_date(page, "refused_on", dt.date(2026, 1, 8))
        page.get_by_label("Why the school refused the leave").fill("Not exceptional")
        page.get_by_label(re.compile(str(mother.carer))).check()
        page.get_by_role("button", name="Submit to the LA").click()
        page.wait_for_url(re.compile(r".*/notices/holiday-requests/\d+/$"))
        no_errors(page)
        check_axe(page, axe_source)
        first = HolidayRequest.unscoped.get()

        # The officer finds it beside the referral inbox and returns it.
        page.context.clear_cookies()
        sign_in(page, base, officer.email)
        page.goto(base + reverse("notices:inbox"))
        page.get_by_role("link", name=re.compile("Holiday penalty-notice requests")).click()
        check_axe(page, axe_source)
        page.get_by_role("link", name=pupil.display_name).click()
        check_axe(page, axe_source)
        assert page.get_by_text("10 unauthorised sessions").first.is_visible()
        page.get_by_label("What the school needs to correct").fill("Name the father.")
        page.get_by_role("button", name="Continue to return it").click()
        check_page(page, "return the holiday request to the school", axe_source)
        assert page.get_by_text("Name the father.").first.is_visible()
        # "Change" goes back to the form with the reasons kept.
        page.get_by_role("button", name=re.compile("Change")).click()
        page.get_by_label("What the school needs to correct").fill("Name the father too.")
        page.get_by_role("button", name="Continue to return it").click()
        check_page(page, "return the holiday request to the school", axe_source)
        assert HolidayRequest.unscoped.get(pk=first.pk).status == HolidayRequest.Status.SUBMITTED
        page.get_by_role("button", name="Confirm and return the request").click()
        page.wait_for_url(re.compile(r".*/notices/holiday-requests/\d+/$"))
        no_errors(page)
        first.refresh_from_db()
        assert first.return_reasons == "Name the father too."

        # The lead corrects and resubmits.
        page.context.clear_cookies()
        sign_in(page, base, lead.email)
        page.goto(base + reverse("notices:holiday_detail", args=[first.pk]))
        assert page.get_by_text("Name the father too.").first.is_visible()
        page.get_by_role("link", name="Correct and resubmit the request").click()
        check_axe(page, axe_source)
        page.get_by_label(re.compile(str(father.carer))).check()
        page.get_by_role("button", name="Submit to the LA").click()
        page.wait_for_url(re.compile(r".*/notices/holiday-requests/\d+/$"))
        no_errors(page)
        second = HolidayRequest.unscoped.get(version=2)
        assert set(second.parents.all()) == {mother, father}

    # The officer accepts it and opens the issue form.
    with frozen(dt.date(2026, 3, 16)):
        page.context.clear_cookies()
        sign_in(page, base, officer.email)
        page.goto(base + reverse("notices:holiday_detail", args=[second.pk]))
        check_axe(page, axe_source)
        page.get_by_role("button", name="Continue to accept").click()
        check_page(page, "accept the holiday request", axe_source)
        assert page.get_by_text("Referred for legal intervention").first.is_visible()
        page.get_by_role("button", name="Confirm and accept the request").click()
        page.wait_for_url(re.compile(r".*/notices/holiday-requests/\d+/$"))
        no_errors(page)
        check_axe(page, axe_source)
        second.refresh_from_db()
        assert second.status == HolidayRequest.Status.ACCEPTED
        page.get_by_role("link", name="Issue a penalty notice").click()
        check_axe(page, axe_source)
        assert page.locator("#id_offence_first_day_0").input_value() == "2"
        assert page.locator("#id_offence_last_day_0").input_value() == "6"
        page.get_by_label(re.compile(str(mother.carer))).check()
        fill_date(page, "issued_on", dt.date(2026, 3, 16))
        page.get_by_label("First-class post").check()
        fill_date(page, "served_on", dt.date(2026, 3, 16))
        page.get_by_role("button", name="Continue").click()
        check_page(page, "issue the penalty notice", axe_source)
        assert page.get_by_text("£80 if paid by 7 April 2026").first.is_visible()
        assert not second.penalty_notices.exists()
        page.get_by_role("button", name="Confirm and issue the penalty notice").click()
        page.wait_for_url(re.compile(r".*/notices/holiday-requests/\d+/$"))
        no_errors(page)
        assert page.get_by_text("received 18 March 2026").first.is_visible()
        notice = second.penalty_notices.get()
        assert (notice.recipient, notice.offence_first_day) == (mother, LEAVE[0])

        # The case's penalty notices name the holiday route, not a missing decision.
        page.get_by_role("link", name="Penalty notices for this pupil").click()
        check_axe(page, axe_source)
        assert page.get_by_text("Neither is recorded").count() == 0
        assert page.get_by_text("Holiday requests accepted by the LA").is_visible()
        assert page.locator('[data-route="holiday_request"]').is_visible()
