"""The referral bundle: everything the LA needs to decide on a legal-intervention
referral, as plain JSON, built once when the school submits.

The LA looks for evidence of the support offered, the barriers explored, the
family's engagement, the meetings held, the interventions and their outcomes,
and the notice and what followed it (Norfolk's legal-intervention referral
guidance; docs/rules.md#legal-intervention-referral). The bundle is stored on
the referral and never rebuilt, so the LA (and a court, later) sees the case as
it stood when the school referred it. Nothing here writes; nothing returned
refers to a live object.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch

from accounts.models import User
from attendance import codes
from attendance import figures as fig
from attendance.years import academic_year_of, mark_index, year_start
from cases.models import AttendanceCase, ReasonableAdjustment, SupportMeeting
from cases.selectors_chronology import case_chronology
from pathway.models import PathwayEvaluation
from pathway.rules import context_load
from pupils.models import PupilCarer

from .models import NoticeToImprove, ParentsToldOfReferral

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


def _iso(day: dt.date | dt.datetime | None) -> str | None:
    return day.isoformat() if day is not None else None


def _carer_names(links: Iterable[PupilCarer]) -> list[str]:
    return [f"{link.carer} ({link.get_relationship_display()})" for link in links]


def _plain(value: Any) -> Any:
    """JSON-safe copy: dates as ISO strings, decimals as strings (exact), tuples as lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _attendance(
    registers: list[fig.Register], figures: fig.Figures, day: dt.date
) -> dict[str, Any]:
    pattern = fig.weekday_pattern(registers, day)
    cells = [
        {
            "weekday": WEEKDAYS[weekday],
            "session": session,
            "possible": cell.possible,
            "absent": cell.absent,
            "unauthorised": cell.unauthorised,
            "absence_rate": cell.absence_rate,
        }
        for (weekday, session), cell in sorted(pattern.items(), key=lambda item: item[0])
    ]
    return {
        "year_start": year_start(academic_year_of(day)).isoformat(),
        "figures": figures.as_json(),
        "herringbone": cells,
        "code_breakdown": fig.code_breakdown(registers, day),
    }


def _marks_since(
    registers: list[fig.Register], first: dt.date, last: dt.date
) -> dict[str, Any] | None:
    """Counts and every session's code from `first` to `last` (the days since
    the notice); None when there is no day in between (a referral on the day
    of issue), so that no empty or inverted range is ever printed."""
    if first > last:
        return None
    counts = fig.counts_between(registers, first, last)
    by_date: list[dict[str, str]] = []
    day = first
    while day <= last:
        marks = []
        for session in ("AM", "PM"):
            char = codes.NO_MARK
            for register in registers:
                if register.academic_year != academic_year_of(day):
                    continue
                index = mark_index(day, session)
                if index < len(register.marks) and register.marks[index] != codes.NO_MARK:
                    char = register.marks[index]
            marks.append(codes.BY_CHAR[char].code if char in codes.BY_CHAR else "")
        if any(marks):
            by_date.append({"date": day.isoformat(), "am": marks[0], "pm": marks[1]})
        day += dt.timedelta(days=1)
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "attended": counts.attended,
        "authorised": counts.authorised,
        "unauthorised": counts.unauthorised,
        "sessions": by_date,
    }


def _notice(notice: NoticeToImprove, recipients: list[PupilCarer], day: dt.date) -> dict[str, Any]:
    """The notice as it stood on `day`: the facts fixed at issue as stored with
    it, and only what was recorded by `day` (an outcome or a telling dated
    later is left out). The period "ended" only once `day` is past its end."""
    outcome_known = notice.outcome and notice.outcome_on is not None and notice.outcome_on <= day
    told = ParentsToldOfReferral.unscoped.filter(notice=notice, told_on__lte=day).first()
    return {
        "issued_on": _iso(notice.issued_on),
        "period_ends_on": _iso(notice.period_ends_on),
        "period_ended": day > notice.period_ends_on,
        "threshold_at_issue": None
        if not notice.threshold_known
        else {
            "sessions": notice.threshold_sessions,
            "window_weeks": notice.threshold_window_weeks,
            "as_at": _iso(notice.threshold_as_at),
        },
        "support_relied_on": notice.support_relied_on,
        "parents_told": None
        if told is None
        else {
            "told_on": _iso(told.told_on),
            "method": told.get_method_display(),
            "told_by": told.told_by,
        },
        "recipients": _carer_names(recipients),
        "sufficient_improvement": notice.sufficient_improvement,
        "consequence": notice.consequence,
        "outcome": notice.get_outcome_display() if outcome_known else "",
        "outcome_on": _iso(notice.outcome_on) if outcome_known else None,
        "outcome_note": notice.outcome_note if outcome_known else "",
    }


def bundle_build(
    case: AttendanceCase,
    notice: NoticeToImprove,
    day: dt.date,
    *,
    user: User,
    evaluation: PathwayEvaluation | None = None,
) -> dict[str, Any]:
    """The bundle for `case`'s referral following `notice`, as at `day`.

    `user` is the school user submitting (the chronology is read in their
    scope); `evaluation` the REFERRAL verdict just stored, listed first.
    The query count does not grow with the size of the case.
    """
    meetings = list(
        SupportMeeting.unscoped.filter(case=case)
        .prefetch_related(
            Prefetch("invited", queryset=PupilCarer.unscoped.select_related("carer")),
            Prefetch("attended", queryset=PupilCarer.unscoped.select_related("carer")),
        )
        .order_by("sequence", "pk")
    )
    # The rules' own loader: the same figures, plan and records the verdict read.
    ctx = context_load(case, day=day, meetings=meetings)
    adjustments = list(ReasonableAdjustment.unscoped.filter(case=case).order_by("made_on", "pk"))
    recipients = list(notice.recipients.select_related("carer").all())
    _, entries = case_chronology(user=user, case_id=case.pk, day=day)
    evaluations = list(
        PathwayEvaluation.unscoped.filter(case=case)
        .select_related("evaluated_by")
        .order_by("-evaluated_at", "-pk")
    )
    if evaluation is not None:
        evaluations.sort(key=lambda e: e.pk != evaluation.pk)
    latest_assessment = max(ctx.assessments, key=lambda a: (a.assessed_on, a.pk), default=None)
    first_after_notice = notice.issued_on + dt.timedelta(days=1)
    plan = ctx.plan
    bundle: dict[str, Any] = {
        "built_on": day.isoformat(),
        "pupil": {
            "name": case.pupil.display_name,
            "upn": case.pupil.upn,
            "date_of_birth": _iso(case.pupil.date_of_birth),
        },
        "school": case.school.name,
        "case": {
            "opened_on": _iso(case.opened_at.date()),
            "opening_reason": case.opening_reason,
            "stage": case.get_stage_display(),
        },
        "attendance": _attendance(ctx.registers, ctx.figures, day),
        "chronology": [
            {
                "date": entry.date.isoformat(),
                "kind": entry.kind_label,
                "title": entry.title,
                "detail": entry.detail,
                "who": entry.who,
            }
            for entry in entries
        ],
        "meetings": [
            {
                "sequence": m.sequence,
                "scheduled_for": _iso(m.scheduled_for),
                "method": m.get_method_display(),
                "held": m.held_on is not None and bool(m.outcome) and not m.cancelled,
                "held_on": _iso(m.held_on),
                "cancelled": m.cancelled,
                "invited": _carer_names(m.invited.all()),
                "attended": _carer_names(m.attended.all()),
                "other_professionals": m.other_professionals,
                "adjustments": m.adjustments,
                "outcome": m.outcome,
                "barriers_discussed": m.barriers_discussed,
                "parent_voice": m.parent_voice,
                "agreed_actions": m.agreed_actions,
            }
            for m in meetings
        ],
        "voices": [
            {
                "gathered_on": _iso(v.gathered_on),
                "relationship": v.relationship,
                "setting": v.setting,
                "why_hard": v.why_hard,
                "what_would_help": v.what_would_help,
                "worries_at_school": v.worries_at_school,
                "worries_at_home": v.worries_at_home,
                "going_well": v.going_well,
            }
            for v in sorted(ctx.voices, key=lambda v: (v.gathered_on, v.pk))
        ],
        "barriers": [
            {
                "kind": b.get_kind_display(),
                "factor": b.get_factor_display(),
                "description": b.description,
                "identified_on": _iso(b.identified_on),
                "resolved_on": _iso(b.resolved_on),
            }
            for b in sorted(ctx.barriers, key=lambda b: (b.identified_on, b.pk))
        ],
        "adjustments": [
            {"description": a.description, "made_on": _iso(a.made_on)} for a in adjustments
        ],
        "support_offered": [
            {
                "what": o.what,
                "provider": o.get_provider_display(),
                "offered_on": _iso(o.offered_on),
                "outcome": o.get_outcome_display(),
                "outcome_on": _iso(o.outcome_on),
                "outcome_note": o.outcome_note,
            }
            for o in sorted(ctx.offers, key=lambda o: (o.offered_on, o.pk))
        ],
        "plan": None
        if plan is None
        else {
            "target_attendance": str(plan.target_attendance),
            "target_date": _iso(plan.target_date),
            "actions": [
                {
                    "action": a.action,
                    "by_when": _iso(a.by_when),
                    "responsible": a.responsible,
                    "how_we_will_know": a.how_we_will_know,
                    "ended_on": _iso(a.ended_on),
                }
                for a in ctx.actions
            ],
            "reviews": [
                {
                    "reviewed_on": _iso(r.reviewed_on),
                    "changes_made": r.changes_made,
                    "attendance_since": _plain(r.attendance_since),
                }
                for r in ctx.reviews
            ],
        },
        "notice": _notice(notice, recipients, day),
        "marks_since_notice": _marks_since(ctx.registers, first_after_notice, day),
        "engagement": None
        if latest_assessment is None
        else {
            "assessed_on": _iso(latest_assessment.assessed_on),
            "level": latest_assessment.get_level_display(),
            "reason": latest_assessment.reason,
        },
        # Shown to the LA beside the verdict (rule A4): why the school went ahead.
        "early_referral_reason": evaluation.early_referral_reason if evaluation else "",
        "override_reason": evaluation.override_reason if evaluation else "",
        "evaluations": [
            {
                "rule_set": e.get_rule_set_display(),
                "day": _iso(e.day),
                "allowed": e.allowed,
                "checks": _plain(e.checks),
                "override_reason": e.override_reason,
                "early_referral_reason": e.early_referral_reason,
                "evaluated_at": _iso(e.evaluated_at),
                "evaluated_by": str(e.evaluated_by),
            }
            for e in evaluations
        ],
    }
    plain: dict[str, Any] = _plain(bundle)
    return plain
