"""Compulsory school age (Education Act 1996 s8; docs/rules.md#compulsory-school-age):
the worked examples, counted by hand against the statute's wording, then the
rule that blocks a Notice to Improve and a referral, and the refusal of a penalty
notice, for a child below or above it.

The wording each example is checked against:

- s8(2): "A person begins to be of compulsory school age (a) when he attains the
  age of five, if he attains that age on a prescribed day, and (b) otherwise at
  the beginning of the prescribed day next following his attaining that age."
  The prescribed days are 31 March, 31 August and 31 December (Education (Start
  of Compulsory School Age) Order 1998, SI 1998/1607).
- s8(3): "A person ceases to be of compulsory school age at the end of the day
  which is the school leaving date for any calendar year (a) if he attains the
  age of 16 after that day but before the beginning of the school year next
  following, (b) if he attains that age on that day, or (c) (unless paragraph
  (a) applies) if that day is the school leaving date next following his
  attaining that age." The school leaving date is the last Friday in June
  (Education (School Leaving Date) Order 1997, SI 1997/1970).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from notices.models import NoticeToImprove, PenaltyNotice
from notices.penalties import school_age_refusal
from notices.services.notices import NoticeRefused
from notices.services.referrals import ReferralNotAllowed, referral_submit
from pathway.rules import NOTICE_TO_IMPROVE, REFERRAL, OfCompulsorySchoolAge, evaluate
from pupils.models import Pupil
from pupils.school_age import (
    compulsory_school_age,
    is_of_compulsory_school_age,
    school_leaving_date,
)

from .factories import AttendanceCaseFactory, PupilCarerFactory, UserFactory
from .penalty_helpers import absent, issue_on_route, penalty_route
from .test_notices import ISSUED, issue, ready_case
from .test_pathway_rules import at
from .test_pathway_walk import issue as issue_the_walks_notice

D = dt.date

# --- When it starts: s8(2) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "starts"),
    [
        # Fifth birthday Monday 1 September 2025, not a prescribed day: s8(2)(b),
        # the next prescribed day after it is 31 December 2025.
        (D(2020, 9, 1), D(2025, 12, 31)),
        # Fifth birthday Wednesday 31 December 2025, itself a prescribed day:
        # s8(2)(a), that day.
        (D(2020, 12, 31), D(2025, 12, 31)),
        # Fifth birthday 1 January 2026: s8(2)(b), the next prescribed day is
        # 31 March 2026.
        (D(2021, 1, 1), D(2026, 3, 31)),
        # Fifth birthday 31 March 2026, a prescribed day: s8(2)(a).
        (D(2021, 3, 31), D(2026, 3, 31)),
        # Fifth birthday 1 April 2026: s8(2)(b), the next prescribed day is
        # 31 August 2026 (not the start of the autumn term).
        (D(2021, 4, 1), D(2026, 8, 31)),
        # Fifth birthday 31 August 2026, a prescribed day: s8(2)(a).
        (D(2021, 8, 31), D(2026, 8, 31)),
        # Born 29 February 2020: no 29 February in 2025, so the fifth birthday is
        # 1 March 2025 (28 February would give the same answer); s8(2)(b), the
        # next prescribed day is 31 March 2025.
        (D(2020, 2, 29), D(2025, 3, 31)),
    ],
)
def test_compulsory_school_age_starts_on_the_prescribed_day_on_or_after_the_fifth_birthday(
    born: dt.date, starts: dt.date
) -> None:
    assert compulsory_school_age(born).starts == starts


# --- When it ends: s8(3) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "leaving"),
    [
        # 30 June 2026 is a Tuesday; back four days to Friday 26 June.
        (2025, D(2025, 6, 27)),  # 30 June 2025 is a Monday: back three days.
        (2026, D(2026, 6, 26)),
        (2027, D(2027, 6, 25)),  # 30 June 2027 is a Wednesday: back five days.
        (2028, D(2028, 6, 30)),  # 30 June 2028 is itself a Friday.
        (2029, D(2029, 6, 29)),  # 30 June 2029 is a Saturday: back one day.
    ],
)
def test_the_school_leaving_date_is_the_last_friday_in_june(year: int, leaving: dt.date) -> None:
    assert school_leaving_date(year) == leaving
    assert leaving.weekday() == 4


@pytest.mark.parametrize(
    ("born", "ends"),
    [
        # Turns 16 on 15 March 2026, before that year's leaving date (Friday 26
        # June 2026), which is the leaving date "next following" the birthday:
        # s8(3)(c). School year 2025/26.
        (D(2010, 3, 15), D(2026, 6, 26)),
        # Turns 16 on the leaving date itself, Friday 26 June 2026: s8(3)(b).
        (D(2010, 6, 26), D(2026, 6, 26)),
        # Turns 16 on Saturday 27 June 2026, after that day's leaving date and
        # before the next school year: s8(3)(a), so it ends on 26 June 2026,
        # the day before the birthday.
        (D(2010, 6, 27), D(2026, 6, 26)),
        # Turns 16 on 31 August 2026, the last day of school year 2025/26:
        # still after 26 June and before the next school year, s8(3)(a).
        (D(2010, 8, 31), D(2026, 6, 26)),
        # Turns 16 on 1 September 2026, the first day of school year 2026/27:
        # not "before the beginning of the school year next following", so
        # (a) does not apply; (c) gives the next leaving date after the
        # birthday, the last Friday of June 2027, 25 June 2027. (On the school
        # year's first day see docs/rules.md#compulsory-school-age.)
        (D(2010, 9, 1), D(2027, 6, 25)),
        # Born 29 February 2012: 29 February 2028 exists, a 16th birthday before
        # that year's leaving date, Friday 30 June 2028: s8(3)(c).
        (D(2012, 2, 29), D(2028, 6, 30)),
    ],
)
def test_compulsory_school_age_ends_on_the_last_friday_in_june_of_the_school_year_of_16(
    born: dt.date, ends: dt.date
) -> None:
    assert compulsory_school_age(born).ends == ends


def test_both_the_first_and_the_last_day_are_included() -> None:
    # s8(2) "at the beginning of the prescribed day"; s8(3) "at the end of the
    # day which is the school leaving date".
    born = D(2020, 9, 1)  # from 31 December 2025
    assert not is_of_compulsory_school_age(born, D(2025, 12, 30))
    assert is_of_compulsory_school_age(born, D(2025, 12, 31))
    born = D(2010, 3, 15)  # until 26 June 2026
    assert is_of_compulsory_school_age(born, D(2026, 6, 26))
    assert not is_of_compulsory_school_age(born, D(2026, 6, 27))


# --- The pathway's rule: both rule sets ------------------------------------------------


def test_the_rule_is_in_both_rule_sets() -> None:
    assert any(isinstance(rule, OfCompulsorySchoolAge) for rule in NOTICE_TO_IMPROVE)
    assert any(isinstance(rule, OfCompulsorySchoolAge) for rule in REFERRAL)
    assert OfCompulsorySchoolAge.title == "The child is of compulsory school age"
    assert OfCompulsorySchoolAge.blocking


def born_on(case, day: dt.date) -> None:
    Pupil.unscoped.filter(pk=case.pupil_id).update(date_of_birth=day)
    case.pupil.refresh_from_db()


def age_check(case, day: dt.date, rule_set: str):
    found = evaluate(case, rule_set=rule_set, day=day)
    return found, next(c for c in found.checks if c.key == "compulsory_school_age")


@pytest.mark.django_db
@pytest.mark.parametrize("rule_set", ["notice_to_improve", "referral"])
@pytest.mark.parametrize(
    ("born", "day", "met", "missing"),
    [
        (
            D(2021, 4, 1),
            D(2026, 3, 4),
            False,
            "The child is not of compulsory school age until 31 August 2026 (born 1 April 2021)",
        ),
        (D(2020, 9, 1), D(2025, 12, 31), True, None),
        (D(2010, 3, 15), D(2026, 6, 26), True, None),
        (
            D(2010, 3, 15),
            D(2026, 6, 29),
            False,
            "The child stopped being of compulsory school age after 26 June 2026, "
            "the school leaving date (born 15 March 2010)",
        ),
    ],
)
def test_the_rule_says_when_the_child_is_of_compulsory_school_age(
    rule_set: str, born: dt.date, day: dt.date, met: bool, missing: str | None
) -> None:
    case = AttendanceCaseFactory()
    born_on(case, born)
    found, result = age_check(case, day, rule_set)
    assert result.met is met
    assert result.missing == missing
    assert result.blocking
    starts, ends = compulsory_school_age(born)
    [evidence] = result.evidence
    assert evidence.label == (
        f"Born {born.day} {born:%B %Y}: of compulsory school age from "
        f"{starts.day} {starts:%B %Y} to {ends.day} {ends:%B %Y}"
    )
    if not met:
        assert not found.allowed


# A child who is 4 on the day the school would issue (2 February 2026): born 1 April
# 2021, five on 1 April 2026, of compulsory school age from 31 August 2026.
FOUR = D(2021, 4, 1)
# A child who is 16 and past the leaving date on 2 February 2026: born 31 August
# 2009, 16 on 31 August 2025, after the leaving date of Friday 27 June 2025 and
# before school year 2025/26 (s8(3)(a)): not of that age after 27 June 2025.
SIXTEEN = D(2009, 8, 31)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("born", "missing"),
    [
        (
            FOUR,
            "The child is not of compulsory school age until 31 August 2026 (born 1 April 2021)",
        ),
        (
            SIXTEEN,
            "The child stopped being of compulsory school age after 27 June 2025, the school "
            "leaving date (born 31 August 2009)",
        ),
    ],
)
def test_a_child_outside_compulsory_school_age_meeting_the_threshold_gets_no_notice(
    born: dt.date, missing: str
) -> None:
    case = ready_case()
    born_on(case, born)
    found, _ = age_check(case, ISSUED, "notice_to_improve")
    # Everything else is met, the threshold among them: only the age refuses.
    assert [c.key for c in found.checks if not c.met] == ["compulsory_school_age"]
    with pytest.raises(NoticeRefused) as refused:
        issue(case)
    assert refused.value.messages == [
        "A Notice to Improve cannot be issued yet. Still missing:",
        missing,
    ]
    assert not NoticeToImprove.unscoped.exists()


@pytest.mark.django_db
def test_a_referral_is_refused_for_a_child_past_the_leaving_date() -> None:
    # The notice was issued (directly) on 2 February 2026; its period ended on
    # 23 March 2026 with an outcome of not sufficient improvement recorded the
    # next day, so only the age refuses.
    case = ready_case()
    with at(ISSUED):
        issue_the_walks_notice(case, outcome="not_improved", outcome_on=D(2026, 3, 24))
    born_on(case, SIXTEEN)
    with at(D(2026, 3, 24)), pytest.raises(ReferralNotAllowed) as refused:
        referral_submit(acting_user=case.lead_professional, case_id=case.pk)
    assert refused.value.missing == [
        "The child stopped being of compulsory school age after 27 June 2025, the school "
        "leaving date (born 31 August 2009)"
    ]


# --- Penalty notices ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "issued_on", "refusal"),
    [
        (
            D(2020, 9, 1),
            D(2025, 12, 30),
            "A penalty notice cannot be issued on 30 December 2025: the child is not of "
            "compulsory school age until 31 December 2025 (born 1 September 2020). A penalty "
            "notice is only for the absence of a child of compulsory school age (Education "
            "Act 1996 ss8 and 444).",
        ),
        (D(2020, 9, 1), D(2025, 12, 31), None),
        (D(2010, 8, 31), D(2026, 6, 26), None),
        (
            D(2010, 8, 31),
            D(2026, 6, 27),
            "A penalty notice cannot be issued on 27 June 2026: the child stopped being of "
            "compulsory school age after 26 June 2026, the school leaving date (born 31 August "
            "2010). A penalty notice is only for the absence of a child of compulsory school "
            "age (Education Act 1996 ss8 and 444).",
        ),
        (D(2010, 9, 1), D(2026, 6, 27), None),
    ],
)
def test_school_age_refusal(born: dt.date, issued_on: dt.date, refusal: str | None) -> None:
    found = school_age_refusal(date_of_birth=born, issued_on=issued_on)
    assert (found.reason if found else None) == refusal


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("born", "why"),
    [
        # 4 on 1 October 2025: of compulsory school age from 31 December 2025.
        (D(2020, 9, 1), "the child is not of compulsory school age until 31 December 2025"),
        # 16 on 31 August 2025, after the leaving date of 27 June 2025 (s8(3)(a)).
        (
            SIXTEEN,
            "the child stopped being of compulsory school age after 27 June 2025, the school "
            "leaving date",
        ),
    ],
)
def test_a_penalty_notice_is_refused_for_a_child_outside_compulsory_school_age(
    born: dt.date, why: str, client_for
) -> None:
    case = AttendanceCaseFactory()
    born_on(case, born)
    mother = PupilCarerFactory(pupil=case.pupil)
    officer = UserFactory(la_user=True, local_authority=case.school.local_authority)
    decision = penalty_route(case, mother)
    absent(case, D(2025, 9, 8), D(2025, 9, 26))
    with at(D(2025, 12, 1)):
        with pytest.raises(ValidationError) as refused:
            issue_on_route(
                officer,
                case,
                mother,
                decision=decision,
                issued_on=D(2025, 10, 1),
                first=D(2025, 9, 8),
                last=D(2025, 9, 26),
            )
        assert refused.value.messages == [
            f"A penalty notice cannot be issued on 1 October 2025: {why} (born "
            f"{born.day} {born:%B %Y}). A penalty notice is only for the absence of a child "
            "of compulsory school age (Education Act 1996 ss8 and 444)."
        ]
        # The LA's form shows the same refusal.
        response = client_for(officer).post(
            reverse("notices:penalty_notices", args=[case.pk]),
            {
                "decision": str(decision.pk),
                "recipient": str(mother.pk),
                "service_method": "hand",
                "issue_token": "5b0c1f52-8f53-4a7e-9d43-2f1d1b0f4a11",
                **{f"issued_on_{i}": part for i, part in enumerate(("1", "10", "2025"))},
                **{f"served_on_{i}": part for i, part in enumerate(("1", "10", "2025"))},
                **{f"offence_first_day_{i}": part for i, part in enumerate(("8", "9", "2025"))},
                **{f"offence_last_day_{i}": part for i, part in enumerate(("26", "9", "2025"))},
            },
        )
    assert response.status_code == 400
    assert why in response.content.decode()
    assert not PenaltyNotice.unscoped.exists()
