"""The figures (rules A1-A3), checked on hand-built registers whose answers can be
counted on fingers. A parent can be fined on these numbers."""

import datetime as dt

import pytest

from attendance import codes
from attendance import figures as fig
from attendance.services.calendars import days_from_calendar
from attendance.years import academic_year_of, days_in_year, empty_marks, mark_index

SCHOOL, OTHER_SCHOOL = 1, 2


def d(text):
    return dt.date.fromisoformat(text)


def marks(year, sessions):
    """A year's mark string with {(date, "AM"|"PM"): one-character code} placed."""
    chars = list(empty_marks(year))
    for (day, session), char in sessions.items():
        chars[mark_index(d(day) if isinstance(day, str) else day, session)] = char
    return "".join(chars)


def weekdays(first, last):
    day = d(first)
    while day <= d(last):
        if day.weekday() < 5:
            yield day
        day += dt.timedelta(days=1)


def present_every_weekday(first, last):
    return {
        key: value
        for day in weekdays(first, last)
        for key, value in (((day, "AM"), "/"), ((day, "PM"), "\\"))
    }


def calendar(school_id, year, terms, closures=()):
    class Term:
        def __init__(self, start, end):
            self.start, self.end = d(start), d(end)

    class Closure:
        def __init__(self, date):
            self.date = d(date)

    days = days_from_calendar(year, [Term(*t) for t in terms], [Closure(c) for c in closures])
    return fig.SchoolCalendar(school_id, year, days)


def context(as_at, *calendars):
    return fig.Context(
        as_at=d(as_at), calendars={(c.school_id, c.academic_year): c for c in calendars}
    )


AUTUMN_2025 = [("2025-09-03", "2025-10-24"), ("2025-11-03", "2025-12-19")]
SUMMER_2025 = [("2025-04-22", "2025-05-23"), ("2025-06-02", "2025-07-22")]


def test_every_code_counts_in_its_category():
    year = 2025
    day = d("2025-09-03")
    sessions = {}
    for code in codes.CODES:
        sessions[(day, "AM")] = code.char
        day += dt.timedelta(days=1)
    register = fig.Register(SCHOOL, year, marks(year, sessions))

    counts = fig.year_to_date([register], d("2025-12-31"))

    by_category = {}
    for code in codes.CODES:
        by_category.setdefault(code.category, []).append(code.code)
    assert counts.attended == len(by_category[codes.Category.PRESENT]) + len(
        by_category[codes.Category.APPROVED_EDUCATIONAL_ACTIVITY]
    )
    assert counts.authorised == 10  # C1 M J1 S C2 C T R I E
    assert counts.unauthorised == 4  # G N O U
    assert counts.possible == 3 + 5 + 10 + 4
    not_possible = (
        by_category[codes.Category.NOT_COUNTED] + by_category[codes.Category.ADMINISTRATIVE]
    )
    assert sorted(not_possible) == sorted(
        ["X", "Q", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7", "D", "Z", "#"]
    )


@pytest.mark.parametrize(
    ("raw", "stored", "original"),
    [
        ("H", "C", "H"),
        ("F", "C", "F"),
        ("J", "J1", "J"),  # interview: approved activity before 2024, authorised now
        ("Y", "Y7", "Y"),
        ("X03", "X", "X03"),
        ("I01", "I", "I01"),
        ("I02", "I", "I02"),
        ("C1", "C1", None),
        ("n", "N", None),
    ],
)
def test_legacy_codes_are_mapped_and_the_original_kept(raw, stored, original):
    mapped = codes.resolve_code(raw)
    assert (mapped.code.code, mapped.original) == (stored, original)


def test_one_character_forms_in_mark_strings():
    assert {c: codes.resolve_char(c).code.code for c in "<>?$%`:|_"} == {
        "<": "C1", ">": "C2", "?": "J1", "$": "Y1", "%": "Y3",
        "`": "Y4", ":": "Y5", "|": "Y6", "_": "Y7",
    }  # fmt: skip
    assert codes.resolve_char("H").original == "H"
    with pytest.raises(codes.UnknownCode):
        codes.resolve_char("^")  # our private Y2 form is not valid in a CTF
    with pytest.raises(codes.UnknownCode):
        codes.resolve_code("Q9")


def test_rates_are_unrounded_and_absent_when_nothing_was_possible():
    year = 2025
    sessions = {(day, "AM"): "/" for day in weekdays("2025-09-03", "2025-09-30")}
    sessions[(d("2025-09-03"), "PM")] = "I"
    cal = calendar(SCHOOL, year, AUTUMN_2025)
    span = fig.Span(SCHOOL, d("2025-09-01"), None)
    register = fig.Register(SCHOOL, year, marks(year, sessions))

    result = fig.pupil_figures(
        upn="X", registers=[register], spans=[span], context=context("2025-09-30", cal)
    )
    assert result.possible_sessions == 21
    assert result.attendance_rate == 20 / 21 * 100
    assert result.absence_rate == 1 / 21 * 100

    nothing = fig.pupil_figures(
        upn="X", registers=[], spans=[span], context=context("2025-09-02", cal)
    )
    assert nothing.possible_sessions == 0
    assert nothing.attendance_rate is None
    assert nothing.absence_rate is None
    assert not nothing.persistent_absence


@pytest.mark.parametrize(
    ("absent", "persistent", "severe"), [(9, False, False), (10, True, False), (50, True, True)]
)
def test_persistent_and_severe_absence_start_exactly_at_10_and_50_percent(
    absent, persistent, severe
):
    year = 2025
    days = list(weekdays("2025-09-03", "2025-12-19"))[:50]
    sessions = {}
    for i, day in enumerate(days):
        sessions[(day, "AM")] = "I" if i < absent else "/"
        sessions[(day, "PM")] = "I" if 50 + i < absent else "\\"
    result = fig.pupil_figures(
        upn="X",
        registers=[fig.Register(SCHOOL, year, marks(year, sessions))],
        spans=[fig.Span(SCHOOL, d("2025-09-01"), None)],
        context=context("2025-12-31", calendar(SCHOOL, year, AUTUMN_2025)),
    )
    assert result.possible_sessions == 100
    assert (result.persistent_absence, result.severe_absence) == (persistent, severe)


def unauthorised_on(days, char="O"):
    return {(day, "AM"): char for day in days}


def test_the_ten_school_weeks_skip_half_term_and_reach_back_before_it():
    year = 2025
    cal = calendar(SCHOOL, year, AUTUMN_2025)  # half term: 27-31 October
    # As at Friday 5 December the 10 school weeks are w/c 22 Sep ... 1 Dec: w/c
    # 27 Oct is half term, so the window reaches back an extra calendar week.
    sessions = present_every_weekday("2025-09-03", "2025-12-05")
    sessions.update(unauthorised_on(["2025-09-22", "2025-09-30"], "G"))
    sessions.update(unauthorised_on(["2025-09-19"], "N"))  # the week before: outside
    sessions.update(unauthorised_on(["2025-12-05"], "U"))
    register = fig.Register(SCHOOL, year, marks(year, sessions))
    span = fig.Span(SCHOOL, d("2025-09-01"), None)

    ctx = context("2025-12-05", cal)
    assert fig.window_start(ctx, [span]) == d("2025-09-22")
    result = fig.pupil_figures(upn="X", registers=[register], spans=[span], context=ctx)
    assert result.unauthorised_last_10_school_weeks == 3
    assert result.unauthorised_absence_sessions == 4


def test_the_ten_school_weeks_span_a_new_academic_year():
    summer = calendar(SCHOOL, 2024, SUMMER_2025)
    autumn = calendar(SCHOOL, 2025, AUTUMN_2025)
    # As at Friday 12 September 2025: w/c 8 Sep and 1 Sep are school weeks; the
    # other 8 are the last 8 weeks of the summer term (w/c 2 June ... 21 July).
    last_year = fig.Register(
        SCHOOL,
        2024,
        marks(2024, unauthorised_on(list(weekdays("2025-05-26", "2025-07-22")), "G")),
    )
    this_year = fig.Register(SCHOOL, 2025, marks(2025, unauthorised_on(["2025-09-12"], "N")))
    span = fig.Span(SCHOOL, d("2024-09-01"), None)
    ctx = context("2025-09-12", summer, autumn)

    assert fig.window_start(ctx, [span]) == d("2025-06-02")
    result = fig.pupil_figures(upn="X", registers=[last_year, this_year], spans=[span], context=ctx)
    # 2 Jun - 22 Jul weekdays: 37 sessions of G; 26-30 May is half term (no school days)
    # but the pupil has marks there; they are outside the window anyway.
    assert (
        result.unauthorised_last_10_school_weeks
        == len(list(weekdays("2025-06-02", "2025-07-22"))) + 1
    )
    assert result.national_threshold_met
    # The year's own figures start on 1 September.
    assert result.unauthorised_absence_sessions == 1


def test_the_week_containing_the_date_counts_when_it_has_a_school_day():
    cal = calendar(SCHOOL, 2025, AUTUMN_2025)
    span = fig.Span(SCHOOL, d("2025-09-01"), None)
    # Monday 17 November: w/c 17 Nov is the newest of the 10 weeks (half term
    # skipped), so the oldest is w/c 8 September.
    assert fig.window_start(context("2025-11-17", cal), [span]) == d("2025-09-08")
    # The Sunday before: the newest is w/c 10 November, the oldest w/c 1 September.
    assert fig.window_start(context("2025-11-16", cal), [span]) == d("2025-09-01")


def test_a_pupil_with_fewer_than_ten_school_weeks_counts_them_all():
    cal = calendar(SCHOOL, 2025, AUTUMN_2025)
    span = fig.Span(SCHOOL, d("2025-09-01"), None)
    # By Monday 3 November there have been 9 school weeks (half term is not one).
    assert fig.window_start(context("2025-11-03", cal), [span]) == d("2025-09-01")


@pytest.mark.parametrize("unauthorised", [9, 10])
def test_national_threshold_is_ten_sessions(unauthorised):
    cal = calendar(SCHOOL, 2025, AUTUMN_2025)
    days = list(weekdays("2025-11-03", "2025-12-05"))[:unauthorised]
    register = fig.Register(SCHOOL, 2025, marks(2025, unauthorised_on(days, "O")))
    result = fig.pupil_figures(
        upn="X",
        registers=[register],
        spans=[fig.Span(SCHOOL, d("2025-09-01"), None)],
        context=context("2025-12-05", cal),
    )
    assert result.unauthorised_last_10_school_weeks == unauthorised
    assert result.national_threshold_met is (unauthorised >= 10)


def test_a_pupil_who_moved_school_is_counted_at_both_and_each_school_counts_its_own():
    first = calendar(SCHOOL, 2025, AUTUMN_2025)
    second = calendar(OTHER_SCHOOL, 2025, AUTUMN_2025)
    before = present_every_weekday("2025-09-03", "2025-10-10")
    before.update(unauthorised_on(list(weekdays("2025-10-06", "2025-10-10")), "O"))
    after = present_every_weekday("2025-10-13", "2025-12-05")
    after.update(unauthorised_on(list(weekdays("2025-11-03", "2025-11-07")), "N"))
    registers = [
        fig.Register(SCHOOL, 2025, marks(2025, before)),
        fig.Register(OTHER_SCHOOL, 2025, marks(2025, after)),
    ]
    spans = [
        fig.Span(SCHOOL, d("2025-09-03"), d("2025-10-10")),
        fig.Span(OTHER_SCHOOL, d("2025-10-13"), None),
    ]
    ctx = context("2025-12-05", first, second)

    pupil = fig.pupil_figures(upn="X", registers=registers, spans=spans, context=ctx)
    at_second = fig.school_figures(
        upn="X", school_id=OTHER_SCHOOL, registers=registers, spans=spans, context=ctx
    )
    at_first = fig.school_figures(
        upn="X", school_id=SCHOOL, registers=registers, spans=spans, context=ctx
    )

    assert pupil.unauthorised_absence_sessions == 10
    assert pupil.possible_sessions == at_first.possible_sessions + at_second.possible_sessions
    assert at_second.unauthorised_absence_sessions == 5
    assert at_first.unauthorised_absence_sessions == 5
    # The threshold is the pupil's, from every enrolment, wherever it is shown.
    assert pupil.unauthorised_last_10_school_weeks == 10
    assert at_second.unauthorised_last_10_school_weeks == 10
    assert pupil.national_threshold_met


def test_missing_marks_are_school_day_sessions_on_roll_with_no_mark():
    cal = calendar(SCHOOL, 2025, AUTUMN_2025, closures=["2025-09-19"])
    sessions = present_every_weekday("2025-09-03", "2025-09-26")
    del sessions[(d("2025-09-10"), "PM")]  # a school day with no PM mark: missing
    del sessions[(d("2025-09-19"), "AM")]  # INSET day: not a school day
    del sessions[(d("2025-09-19"), "PM")]
    sessions[(d("2025-09-24"), "AM")] = "#"  # no session: not missing
    sessions[(d("2025-09-24"), "PM")] = "#"
    register = fig.Register(SCHOOL, 2025, marks(2025, sessions))
    span = fig.Span(SCHOOL, d("2025-09-03"), d("2025-09-30"))

    ctx = context("2025-09-26", cal)
    assert fig.missing_marks(ctx, [register], [span]) == 1
    # 29-30 Sept: on roll, school days, after as-at: not yet missing.
    # Later, with no marks for them at all, both days count.
    assert fig.missing_marks(context("2025-10-03", cal), [register], [span]) == 1 + 4


def test_a_school_day_with_no_register_at_all_counts_as_missing_while_on_roll():
    cal = calendar(SCHOOL, 2025, AUTUMN_2025)
    span = fig.Span(SCHOOL, d("2025-09-08"), None)
    assert fig.missing_marks(context("2025-09-09", cal), [], [span]) == 4


def test_without_a_calendar_school_days_come_from_the_registers():
    year = 2025
    one = marks(year, {("2025-09-03", "AM"): "/", ("2025-09-04", "AM"): "#"})
    two = marks(year, {("2025-09-05", "PM"): "N", ("2025-09-04", "PM"): "#"})
    days = fig.days_from_registers(year, [one, two])
    assert len(days) == days_in_year(year)
    school_days = [i for i, flag in enumerate(days) if flag == "1"]
    assert school_days == [2, 4]  # 3 and 5 September; the 4th had only "#"


def test_weekday_pattern_shows_friday_afternoons():
    year = 2025
    sessions = present_every_weekday("2025-09-03", "2025-10-24")
    fridays = [day for day in weekdays("2025-09-03", "2025-10-24") if day.weekday() == 4]
    sessions.update({(day, "PM"): "O" for day in fridays})
    pattern = fig.weekday_pattern(
        [fig.Register(SCHOOL, year, marks(year, sessions))], d("2025-10-24")
    )
    friday_pm = pattern[(4, "PM")]
    assert (friday_pm.possible, friday_pm.absent, friday_pm.unauthorised) == (8, 8, 8)
    assert friday_pm.absence_rate == 100
    assert all(cell.absent == 0 for key, cell in pattern.items() if key != (4, "PM"))


def test_academic_year_boundaries():
    assert academic_year_of(d("2025-08-31")) == 2024
    assert academic_year_of(d("2025-09-01")) == 2025
    assert days_in_year(2027) == 366  # 2028 is a leap year


def test_unknown_characters_in_a_mark_string_are_found():
    assert codes.unknown_mark_chars("/\\##--<>?$%`:|_H") == ""
    assert codes.unknown_mark_chars("/\\^9") == "9^"  # '^' is only our stored Y2
    assert codes.unknown_mark_chars("/\\^", stored=True) == ""
    assert codes.unknown_mark_chars("/é") == "é"


def test_counts_between_two_dates_cross_the_year_boundary():
    summer = fig.Register(
        SCHOOL, 2024, marks(2024, {("2025-07-21", "AM"): "/", ("2025-07-22", "AM"): "O"})
    )
    autumn = fig.Register(
        SCHOOL, 2025, marks(2025, {("2025-09-03", "AM"): "I", ("2025-09-04", "AM"): "/"})
    )
    counts = fig.counts_between([summer, autumn], d("2025-07-22"), d("2025-09-03"))
    assert (counts.attended, counts.authorised, counts.unauthorised) == (0, 1, 1)
