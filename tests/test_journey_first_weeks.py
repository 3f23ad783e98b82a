"""The journey an attendance lead makes in a case's first weeks, in a real
browser, with axe checking WCAG 2.2 AA on every page visited:

open a case from the school dashboard, log a first-day call, schedule and
record three Support First meetings, record the pupil's voice, add a barrier
and the support offered, write a SMART plan and review it; then see "Meetings
held: 3 of the minimum 3" and the chronology in date order.
"""

import datetime as dt

import pytest
from django.urls import reverse

from attendance.services.calendars import school_days_refresh
from attendance.services.marks import IncomingRegister, registers_merge
from attendance.services.snapshots import figures_refresh
from attendance.years import academic_year_of, empty_marks, mark_index
from core.dates import today

from . import browser_helpers
from .browser_helpers import axe_violations, sign_in
from .factories import PupilCarerFactory, PupilFactory, UserFactory

browser = browser_helpers.browser
page = browser_helpers.page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Visit:
    """Checks every page the journey lands on with axe, once per address."""

    def __init__(self, page, axe_source):
        self.page, self.axe_source, self.seen = page, axe_source, set()

    def check(self):
        address = self.page.url.split("#")[0]
        if address not in self.seen:
            self.seen.add(address)
            assert axe_violations(self.page, self.axe_source) == [], address

    def click(self, role, name, **kwargs):
        self.page.get_by_role(role, name=name, **kwargs).first.click()
        self.page.wait_for_load_state()
        self.check()


def fill_date(page, name, day):
    page.locator(f"#id_{name}_0").fill(str(day.day))
    page.locator(f"#id_{name}_1").fill(str(day.month))
    page.locator(f"#id_{name}_2").fill(str(day.year))


def recent_weekdays(count):
    day, found = today() - dt.timedelta(days=1), []
    while len(found) < count:
        if day.weekday() < 5:
            found.append(day)
        day -= dt.timedelta(days=1)
    return sorted(found)


def a_pupil_missing_fridays():
    lead = UserFactory(email="lead@riverside.example.org", full_name="Priya Shah")
    pupil = PupilFactory(school=lead.school, legal_forename="Amara", legal_surname="Okafor")
    PupilCarerFactory(pupil=pupil, carer__forename="Grace", carer__surname="Okafor")
    year = academic_year_of(today())
    chars = list(empty_marks(year))
    for day in recent_weekdays(20):
        if academic_year_of(day) != year:
            continue
        absent = day.weekday() in (0, 4)
        chars[mark_index(day, "AM")] = "O" if absent else "/"
        chars[mark_index(day, "PM")] = "O" if absent else "\\"
    registers_merge(incoming=[IncomingRegister(pupil.pk, lead.school_id, year, "".join(chars))])
    school_days_refresh(pairs={(lead.school_id, year)})
    figures_refresh(as_at=today(), school_ids=[lead.school_id])
    return lead, pupil


def test_a_lead_works_a_case_through_its_first_weeks(live_server, page, axe_source):
    lead, _ = a_pupil_missing_fridays()
    visit = Visit(page, axe_source)
    sign_in(page, live_server.url, lead.email)
    day = today()

    # The school dashboard lists Amara; her page offers to open a case.
    page.goto(live_server.url + reverse("attendance:school_dashboard", args=[lead.school_id]))
    visit.check()
    visit.click("link", "Amara Okafor")
    visit.click("link", "Open an attendance case")
    page.get_by_label("Why are you opening a case?").fill(
        "Absent most Mondays and Fridays since the start of term."
    )
    visit.click("button", "Open case")
    assert page.get_by_text("Meetings held: 0 of the minimum 3").first.is_visible()
    case_url = page.url

    # A first-day call to her mother, yesterday morning.
    visit.click("link", "Log a contact")
    fill_date(page, "occurred_on", day - dt.timedelta(days=1))
    page.get_by_label("Time").fill("08:45")
    page.get_by_role("radio", name="Phone call").check()
    page.get_by_role("radio", name="Grace Okafor (Mother)").check()
    page.get_by_role("group", name="Did you reach them?").get_by_label("Yes").check()
    page.get_by_role("group", name="Is a follow-up needed?").get_by_label("No").check()
    page.get_by_label("Reason for absence, if you established one (optional)").fill(
        "Amara said she felt sick before PE."
    )
    visit.click("button", "Log contact")

    # Three Support First meetings, each scheduled and then recorded as held.
    for number in (1, 2, 3):
        page.goto(case_url)
        visit.click("link", "Schedule a meeting")
        fill_date(page, "scheduled_on", day)
        # A different time each: the same meeting scheduled twice is saved once.
        page.get_by_label("Time").fill(f"00:{5 * number:02d}")
        page.get_by_label("In person").check()
        visit.click("button", "Schedule meeting")
        visit.click("link", "Record as held")
        fill_date(page, "held_on", day)
        page.get_by_label("Grace Okafor").check()
        page.get_by_label("Outcome").fill(f"Meeting {number}: agreed a morning check-in.")
        visit.click("button", "Save the record")
    assert page.get_by_text("Meetings held: 3 of the minimum 3").first.is_visible()

    # The pupil's voice, in her own words.
    visit.click("link", "Record the pupil's voice")
    fill_date(page, "gathered_on", day)
    page.get_by_label("Their relationship to the pupil").fill("Form tutor, who she trusts")
    page.get_by_label("Where the conversation took place").fill("The library at lunchtime")
    page.get_by_label("Why it is hard to come to school, in the pupil's words").fill(
        "Fridays are PE and I hate getting changed in front of everyone."
    )
    page.get_by_label("What would help, in the pupil's words").fill(
        "Getting changed somewhere on my own."
    )
    visit.click("button", "Save the pupil's voice")

    # A barrier and the support offered for it.
    visit.click("link", "Add a barrier")
    page.get_by_label("Anxiety or emotional wellbeing").check()
    page.get_by_label("Push (away from school)").check()
    page.get_by_label("Describe the barrier").fill("Anxious about changing for PE.")
    fill_date(page, "identified_on", day)
    visit.click("button", "Add barrier")
    visit.click("link", "Record support offered")
    page.get_by_label("What support was offered?").fill("A private changing space before PE")
    page.get_by_label("School", exact=True).check()
    fill_date(page, "offered_on", day)
    page.get_by_label("In person").check()
    visit.click("button", "Save support offered")

    # The SMART plan: the aim, an action for the barrier, and a review.
    visit.click("link", "Write the plan")
    page.get_by_label("Attendance target (%)").fill("95")
    fill_date(page, "target_date", day + dt.timedelta(days=42))
    visit.click("button", "Save the aim")
    visit.click("link", "Add an action for this barrier")
    page.get_by_label("Action or intervention to address the barrier").fill(
        "Changing room of her own before PE, set up by her form tutor"
    )
    fill_date(page, "by_when", day + dt.timedelta(days=7))
    page.get_by_label("Person responsible").fill("Sam Jones, form tutor")
    page.get_by_label("How will we know it is working for the child?").fill(
        "She is in school on Fridays."
    )
    visit.click("button", "Add the action")
    visit.click("link", "Record a review")
    fill_date(page, "reviewed_on", day)
    page.get_by_label("Some progress").first.check()
    visit.click("button", "Record the review")

    page.goto(case_url)
    visit.check()
    assert page.get_by_text("Meetings held: 3 of the minimum 3").first.is_visible()
    assert page.get_by_text("Fridays are PE and I hate getting changed").first.is_visible()

    # The chronology, in date order.
    visit.click("link", "View and print the chronology")
    dates = page.locator("table tbody tr td:first-child").all_inner_texts()
    parsed = [
        dt.datetime.strptime(text.strip(), "%a %d %b %Y").replace(tzinfo=dt.UTC).date()
        for text in dates
    ]
    assert parsed == sorted(parsed)
    assert len(parsed) >= 9
    for title in (
        "Case opened",
        "Support First meeting 3 held",
        "Wishes and feelings recorded",
        "Plan reviewed",
    ):
        assert page.get_by_text(title).first.is_visible()
