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
import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string

from accounts.models import School, User
from attendance import charts, codes
from attendance import figures as fig
from attendance.selectors import WeekTotal
from attendance.years import academic_year_of, mark_index, year_start
from cases.models import AttendanceCase, ReasonableAdjustment, SupportMeeting
from cases.selectors_chronology import case_chronology
from core.audit import audit_record
from core.dates import long_date, now
from core.models import AuditEvent
from pathway.models import PathwayEvaluation
from pathway.rules import context_load
from pupils.models import PupilCarer

from .hooks import letter_as_served
from .models import (
    BundleFile,
    LegalReferral,
    NoticeToImprove,
    ParentsToldOfReferral,
    PenaltyNotice,
    RegisterCertificate,
)
from .penalties import pounds

logger = logging.getLogger(__name__)

# Bumped when the bundle gains sections: a bundle frozen before it still
# renders, with only the sections it holds.
FORMAT = 2

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


def offence_period(notice: NoticeToImprove, day: dt.date) -> tuple[dt.date, dt.date]:
    """The period the register extract covers: from the start of the academic
    year in which the notice was issued (or from the start of the threshold
    window the notice met, if that is earlier) to the day of the referral.
    It shows the absence that met the threshold, the notice, and what
    followed it (docs/rules.md#referral-bundle). The window is counted back
    in calendar weeks from the Monday of its week: a window crossing a
    holiday starts earlier than that, but only matters for a notice early in
    the autumn term, when it reaches back into the summer term."""
    first = year_start(academic_year_of(notice.issued_on))
    if notice.threshold_as_at and notice.threshold_window_weeks:
        window = notice.threshold_as_at - dt.timedelta(weeks=notice.threshold_window_weeks)
        first = min(first, window - dt.timedelta(days=window.weekday()))
    return first, day


def _register_extract(
    registers: list[fig.Register], schools: dict[int, str], first: dt.date, last: dt.date
) -> list[dict[str, Any]]:
    """Each school's register, session by session, from `first` to `last`: the
    dates and codes as the school recorded them (days with no mark at that
    school, such as holidays, are left out), with the period's counts."""
    extracts = []
    for school_id in dict.fromkeys(r.school_id for r in registers):
        own = [r for r in registers if r.school_id == school_id]
        days = []
        day = first
        while day <= last:
            marks = []
            for session in ("AM", "PM"):
                code = ""
                for register in own:
                    if register.academic_year != academic_year_of(day):
                        continue
                    index = mark_index(day, session)
                    char = register.marks[index] if index < len(register.marks) else ""
                    if char in codes.BY_CHAR:
                        code = codes.BY_CHAR[char].code
                marks.append(code)
            if any(marks):
                days.append({"date": day, "am": marks[0], "pm": marks[1]})
            day += dt.timedelta(days=1)
        if not days:
            continue
        counts = fig.counts_between(own, first, last)
        extracts.append(
            {
                "school": schools.get(school_id, ""),
                "first": days[0]["date"],
                "last": days[-1]["date"],
                "possible": counts.possible,
                "attended": counts.attended,
                "authorised": counts.authorised,
                "unauthorised": counts.unauthorised,
                "days": days,
            }
        )
    return extracts


def _codes_used(extracts: list[dict[str, Any]]) -> list[dict[str, str]]:
    used = {m for e in extracts for d in e["days"] for m in (d["am"], d["pm"]) if m}
    return [
        {"code": c.code, "meaning": c.meaning, "category": c.category.label}
        for c in codes.CODES
        if c.code in used
    ]


def _parents(case: AttendanceCase, served: set[int]) -> list[dict[str, Any]]:
    """Everyone with parental responsibility or living with the pupil, with
    their address (from the school's contacts) and whether they were served."""
    links = (
        PupilCarer.unscoped.filter(pupil_id=case.pupil_id)
        .select_related("carer")
        .order_by("contact_priority", "pk")
    )
    return [
        {
            "name": str(link.carer),
            "relationship": link.get_relationship_display(),
            "parental_responsibility": link.parental_responsibility,
            "lives_with_pupil": link.lives_with_pupil,
            "address": link.carer.address,
            "postcode": link.carer.postcode,
            "receives_correspondence": link.receives_correspondence,
            "served_notice": link.pk in served,
        }
        for link in links
        if link.parental_responsibility or link.lives_with_pupil
    ]


_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S)


def _letters_served(notice: NoticeToImprove, recipients: list[PupilCarer]) -> list[dict[str, Any]]:
    """The Notice to Improve letter to each parent served, as the documents app
    stored it when it was made, kept as HTML so the bundle prints the letter
    itself; where no copy was stored, the letter made from the record now,
    and the bundle says so."""
    served = []
    for recipient in recipients:
        html, stored = letter_as_served(notice, recipient)
        match = _BODY.search(html)
        served.append(
            {
                "recipient": str(recipient.carer),
                "address": recipient.carer.address,
                "postcode": recipient.carer.postcode,
                "html": match.group(1) if match else html,
                "stored": stored,
            }
        )
    return served


def _earlier_penalties(case: AttendanceCase, day: dt.date) -> list[dict[str, Any]]:
    notices = (
        PenaltyNotice.unscoped.filter(case__pupil_id=case.pupil_id, issued_on__lte=day)
        .select_related("recipient__carer")
        .order_by("issued_on", "pk")
    )
    return [
        {
            "recipient": str(p.recipient.carer),
            "issued_on": p.issued_on,
            "offence_first_day": p.offence_first_day,
            "offence_last_day": p.offence_last_day,
            "status": p.get_status_display(),
            "amount": p.amount_if_paid_by_day_21 or p.amount_if_paid_by_day_28,
            "paid_on": p.paid_on if p.paid_on and p.paid_on <= day else None,
            "withdrawn_on": p.withdrawn_on if p.withdrawn_on and p.withdrawn_on <= day else None,
        }
        for p in notices
    ]


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
    first, last = offence_period(notice, day)
    school_names = dict(
        School.objects.filter(pk__in={r.school_id for r in ctx.registers}).values_list("pk", "name")
    )
    extracts = _register_extract(ctx.registers, school_names, first, last)
    pupil = case.pupil
    bundle: dict[str, Any] = {
        "format": FORMAT,
        "built_on": day.isoformat(),
        "pupil": {
            "name": pupil.display_name,
            "upn": pupil.upn,
            "date_of_birth": _iso(pupil.date_of_birth),
            "year_group": pupil.year_group,
            # Recorded needs and social-care status: the LA weighs them (and the
            # support they call for) before any prosecution.
            "sen_status": pupil.get_sen_status_display() if pupil.sen_status else "",
            "social_care": pupil.get_social_care_display() if pupil.social_care else "",
            "looked_after": pupil.looked_after,
        },
        "parents": _parents(case, {r.pk for r in recipients}),
        "period": {"first": first, "last": last},
        "register_extract": extracts,
        "codes_used": _codes_used(extracts),
        "register_weeks": [
            {"monday": w.monday, "cells": list(w.cells)}
            for w in charts.register_weeks(ctx.registers, first, last)
        ],
        "weekly": [
            {"monday": w.monday, "possible": w.possible, "attended": w.attended}
            for w in charts.register_weekly_totals(ctx.registers, first, last)
        ],
        "letters_served": _letters_served(notice, recipients),
        "penalty_notices": _earlier_penalties(case, day),
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
        "assessments": [
            {
                "assessed_on": _iso(a.assessed_on),
                "level": a.get_level_display(),
                "reason": a.reason,
            }
            for a in sorted(ctx.assessments, key=lambda a: (a.assessed_on, a.pk))
        ],
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


# Printing -------------------------------------------------------------------------


@dataclass(frozen=True)
class BundleSection:
    number: int
    anchor: str
    title: str


# (anchor, title, the bundle key it needs: absent from a bundle frozen before
# the section existed, which then prints without it).
_SECTIONS = (
    ("pupil", "The pupil and the case", "pupil"),
    ("parents", "Parents and carers", "parents"),
    ("attendance", "Attendance certificate figures", "attendance"),
    ("register", "Register extract for the offence period", "register_extract"),
    ("certificate", "Head teacher's certificate (Education Act 1996 s566)", "period"),
    ("notice", "The Notice to Improve", "notice"),
    ("letters", "The Notice to Improve as served to each parent", "letters_served"),
    ("chronology", "Chronology", "chronology"),
    ("meetings", "Support First meetings", "meetings"),
    ("voice", "The pupil's voice", "voices"),
    ("support", "Barriers, support and outcomes", "barriers"),
    ("plan", "The plan and its reviews", "plan"),
    ("engagement", "Engagement assessments", "engagement"),
    ("penalties", "Earlier penalty notices", "penalty_notices"),
    ("verdicts", "The pathway's checks", "evaluations"),
)


def bundle_sections(bundle: dict[str, Any]) -> list[BundleSection]:
    """The numbered sections a bundle prints, in order: the contents page, the
    headings and the certificate (which cites the extract's section) agree."""
    present = [(a, t) for a, t, key in _SECTIONS if key in bundle]
    return [BundleSection(n, a, t) for n, (a, t) in enumerate(present, start=1)]


def referral_reference(referral: LegalReferral) -> str:
    """What an officer or a court cites: the case and the referral, stable
    across versions of the same referral."""
    return f"AP-{referral.case_id}-R{referral.notice_id}"


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T")


def _dated(value: Any) -> Any:
    """The frozen JSON with its ISO dates turned back into dates, for printing."""
    if isinstance(value, dict):
        return {k: _dated(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dated(v) for v in value]
    if isinstance(value, str):
        if _ISO_DATE.match(value):
            return dt.date.fromisoformat(value)
        if _ISO_DATETIME.match(value):
            try:
                return dt.datetime.fromisoformat(value)
            except ValueError:
                return value
    return value


def _by_week(days: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The extract's days as the register is kept: a row per school week,
    Monday to Friday, each day its AM and PM codes ("" where that day had no
    mark). A cell per day rather than per session: the printed table has half
    the cells, and WeasyPrint's time goes with the cells."""
    weeks: dict[dt.date, list[tuple[str, str]]] = {}
    for day in days:
        date = day["date"]
        monday = date - dt.timedelta(days=date.weekday())
        cells = weeks.setdefault(monday, [("", "")] * 5)
        if date.weekday() < 5:
            cells[date.weekday()] = (day["am"], day["pm"])
    return [{"monday": monday, "days": cells} for monday, cells in weeks.items()]


def bundle_print_context(
    referral: LegalReferral, *, bundle: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What the printed bundle shows: the frozen bundle (or `bundle`, one
    built but not stored), its sections and charts (drawn by
    attendance.charts, as on the pupil's page), and the s566 certificate as
    signed, or that it is not."""
    frozen = referral.bundle if bundle is None else bundle
    b = _dated(frozen)
    sections = bundle_sections(frozen)
    certificate = RegisterCertificate.unscoped.filter(referral=referral).first()
    period = b.get("period")
    for extract in b.get("register_extract", []):
        extract["weeks"] = _by_week(extract["days"])
    # The frozen amounts are in pence, as the notices store them.
    for penalty in b.get("penalty_notices", []):
        amount = penalty.get("amount")
        penalty["amount_shown"] = "" if amount is None else pounds(amount)
    context: dict[str, Any] = {
        "referral": referral,
        "reference": referral_reference(referral),
        "b": b,
        "sections": sections,
        "number": {s.anchor: s.number for s in sections},
        "weekdays": ("Mon", "Tue", "Wed", "Thu", "Fri"),
        "certificate": certificate,
    }
    if period:
        span = f"{long_date(period['first'])} to {long_date(period['last'])}"
        context["herringbone"] = charts.herringbone_grid_chart(
            [charts.GridWeek(w["monday"], tuple(w["cells"])) for w in b["register_weeks"]],
            chart_id="bundle-herringbone",
            period=span,
        )
        context["trend"] = charts.weekly_trend_chart(
            [WeekTotal(w["monday"], w["possible"], w["attended"]) for w in b["weekly"]],
            chart_id="bundle-trend",
            subject=b["pupil"]["name"],
        )
    return context


# `bundle_pdf`'s default: read the certificate from the database.
_LOOK_UP = object()


def bundle_pdf(
    referral: LegalReferral, *, certificate: RegisterCertificate | object | None = _LOOK_UP
) -> bytes:
    """The bundle printed now, with the s566 certificate as signed (or
    `certificate`, when the caller has read it already). About a second and
    a half of WeasyPrint for a year's bundle: the download serves the stored
    copy (`bundle_pdf_served`), rendered once by the worker."""
    import weasyprint  # heavy (a second at start-up): loaded only when a PDF is made

    context = bundle_print_context(referral)
    if certificate is not _LOOK_UP:
        context["certificate"] = certificate
    html = render_to_string("notices/referral_bundle_pdf.html", context)
    pdf = weasyprint.HTML(string=html).write_pdf()
    assert pdf is not None  # bytes when no target is given
    return pdf


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _stored_bytes(stored: BundleFile) -> bytes | None:
    """The stored file's bytes, or None when the store has lost it."""
    name = stored.file.name
    if not name or not stored.file.storage.exists(name):
        return None
    with stored.file.open("rb") as handle:
        data: bytes = handle.read()
    return data


def bundle_file_store(referral: LegalReferral) -> tuple[BundleFile, bytes]:
    """The referral's stored PDF as it prints now (with the certificate once
    signed), and its bytes: rendered and stored if there is none yet, or if
    the store has lost its file. Never replaced otherwise. Run by the worker
    when the referral is submitted and when the certificate is signed
    (`notices.tasks.store_bundle_file`); by the download if it comes first."""
    certificate = RegisterCertificate.unscoped.filter(referral=referral).first()
    stored = BundleFile.unscoped.filter(referral=referral, certificate=certificate).first()
    if stored is not None:
        data = _stored_bytes(stored)
        if data is not None:
            return stored, data
        logger.warning("The stored bundle PDF %s is missing from the store: rendered again", stored)
    pdf = bundle_pdf(referral, certificate=certificate)
    name = f"referral-{referral_reference(referral)}-v{referral.version}"
    name += "-certified.pdf" if certificate else ".pdf"
    if stored is None:
        stored = BundleFile(referral=referral, certificate=certificate)
    stored.file.save(name, ContentFile(pdf), save=False)
    stored.checksum = _sha256(pdf)
    stored.rendered_at = now()
    try:
        with transaction.atomic():
            stored.save()
    except IntegrityError:
        # Rendered at the same moment by the worker or another download: keep
        # theirs, the first stored.
        stored.file.storage.delete(str(stored.file.name))
        winner = BundleFile.unscoped.get(referral=referral, certificate=certificate)
        data = _stored_bytes(winner)
        assert data is not None
        return winner, data
    # The checksum in the audit log too: a copy altered in the store and its
    # row can still be told from the PDF that was made.
    audit_record(
        actor=None,
        action=AuditEvent.Action.CREATE,
        target=stored,
        school=referral.case.school,
        changes={"file": stored.file.name, "checksum": stored.checksum},
    )
    return stored, pdf


def bundle_pdf_served(referral: LegalReferral) -> bytes:
    """What the download serves: the stored PDF, checked against its SHA-256.
    A file that no longer matches is not served nor replaced: the mismatch is
    logged as an error, kept for whoever looks into it, and the bundle
    rendered afresh from the frozen data for this download."""
    stored, data = bundle_file_store(referral)
    if _sha256(data) != stored.checksum:
        logger.error("The stored bundle PDF %s does not match its checksum", stored)
        return bundle_pdf(referral, certificate=stored.certificate)
    return data
