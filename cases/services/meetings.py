"""Support First meetings with the family: scheduling, recording what happened,
changing and cancelling them, and what each meeting's state means for rule A4.

"The expectation is for a minimum of three meetings to take place with the
family" (Support First approach). Whether a meeting counts is decided in one
place, `cases.flags.meeting_is_held`; the caseload counts the same rule in SQL.

Every write goes through `case_for_change` (scope 404, `cases.change_case` 403,
open case), runs in one transaction, refuses a stale edit and writes one audit
row listing what changed, including who was invited and who attended. That is
why meetings do not use `record_create`/`record_update`: those set plain fields
and audit them, and a meeting's invitations are a many-to-many relation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from core.audit import audit_record, field_changes
from core.dates import today
from core.models import AuditEvent
from pupils.models import PupilCarer

from ..flags import meeting_is_held
from ..models import AttendanceCase, SupportMeeting
from .casework import case_for_change, check_version

# The plain fields a meeting's arrangements and its record are made of, for the audit.
ARRANGEMENT_FIELDS = (
    "scheduled_for",
    "method",
    "place",
    "other_professionals",
    "interpreter",
    "adjustments",
)
RECORD_FIELDS = (
    "held_on",
    "barriers_discussed",
    "parent_voice",
    "going_well",
    "agreed_actions",
    "outcome",
    "pupil_views",
    "summary_for_family",
    "next_review_date",
)


# Reads for the form pages ---------------------------------------------------


def meeting_in_case(case: AttendanceCase, meeting_id: int) -> SupportMeeting:
    """A meeting of this case, with who was invited and who came; a meeting of
    another case (even one the user may see) is as missing as one that does not exist."""
    try:
        return SupportMeeting.unscoped.prefetch_related("invited__carer", "attended__carer").get(
            case=case, pk=meeting_id
        )
    except SupportMeeting.DoesNotExist:
        raise Http404("No such record.") from None


def invitable_carers(case: AttendanceCase) -> list[PupilCarer]:
    """The pupil's parents and carers who may be invited: everyone linked to the
    pupil except a parent the DSL decided should not be contacted."""
    return [
        link
        for link in PupilCarer.unscoped.filter(pupil_id=case.pupil_id)
        .select_related("carer")
        .order_by("contact_priority", "pk")
        if not dsl_excluded(link)
    ]


def dsl_excluded(link: PupilCarer) -> bool:
    """A parent who does not live with the pupil, whom the DSL decided not to
    include: the school does not write to them, so it does not invite them either."""
    return not link.lives_with_pupil and link.included_in_correspondence is False


def awaiting_dsl_decision(link: PupilCarer) -> bool:
    return not link.lives_with_pupil and link.included_in_correspondence is None


def default_invitees(carers: Iterable[PupilCarer]) -> list[PupilCarer]:
    """Everyone who gets the school's letters about attendance
    (`PupilCarer.receives_correspondence`): every parent or carer who lives
    with the pupil, and a non-resident parent only once the DSL has decided to
    include them ("All parents should be included in attendance correspondence")."""
    return [link for link in carers if link.receives_correspondence]


def needing_interpreter(carers: Iterable[PupilCarer]) -> list[PupilCarer]:
    return [link for link in carers if link.carer.interpreter_needed]


def interpreter_missing(meeting: SupportMeeting) -> list[PupilCarer]:
    """Invited people who need an interpreter, when none is arranged: worth a
    reminder after saving, never a refusal (one may be arranged another way)."""
    if meeting.interpreter:
        return []
    return needing_interpreter(meeting.invited.select_related("carer"))


def refuse_if_cancelled(meeting: SupportMeeting) -> None:
    if meeting.cancelled:
        raise ValidationError(
            "This meeting was cancelled, so it cannot be changed. Schedule a new meeting instead."
        )


def refuse_cancel(meeting: SupportMeeting) -> None:
    """Only a meeting still to happen can be cancelled."""
    refuse_if_cancelled(meeting)
    if meeting.held_on is not None:
        raise ValidationError(
            "This meeting has been recorded as held, so it cannot be cancelled. "
            "Change the record of the meeting if it is wrong."
        )


def next_meeting_number(case: AttendanceCase) -> int:
    """Numbers run on across cancelled meetings, so "meeting 2" always means the same meeting."""
    highest = SupportMeeting.unscoped.filter(case=case).aggregate(n=Max("sequence"))["n"]
    return (highest or 0) + 1


# What a meeting's state means on the case page --------------------------------


@dataclass(frozen=True)
class MeetingCard:
    """One meeting as the case page shows it: its state under rule A4 and, when
    it has been recorded but does not count, why not."""

    meeting: SupportMeeting
    status: str
    tag_colour: str
    counts: bool
    invited: list[PupilCarer]
    attended: list[PupilCarer]
    not_counted_because: tuple[str, ...] = ()
    # Invited or attending while still waiting for the DSL's decision: a warning.
    awaiting_dsl: tuple[PupilCarer, ...] = ()

    @property
    def is_scheduled(self) -> bool:
        return not self.meeting.cancelled and self.meeting.held_on is None

    @property
    def is_recorded(self) -> bool:
        return not self.meeting.cancelled and self.meeting.held_on is not None


def meeting_card(meeting: SupportMeeting, *, today: dt.date) -> MeetingCard:
    """Uses the prefetched `invited` and `attended`: no queries."""
    invited = list(meeting.invited.all())
    attended = list(meeting.attended.all())
    people = {link.pk: link for link in [*invited, *attended]}
    common: dict[str, Any] = {
        "meeting": meeting,
        "invited": invited,
        "attended": attended,
        "awaiting_dsl": tuple(
            people[pk] for pk in sorted(people) if awaiting_dsl_decision(people[pk])
        ),
    }
    if meeting.cancelled:
        return MeetingCard(status="Cancelled", tag_colour="grey", counts=False, **common)
    if meeting_is_held(meeting, today, invited_count=len(invited)):
        return MeetingCard(status="Held", tag_colour="green", counts=True, **common)
    if meeting.held_on is None:
        overdue = timezone.localdate(meeting.scheduled_for) < today
        return MeetingCard(
            status="Scheduled",
            tag_colour="blue",
            counts=False,
            not_counted_because=("The date has passed: record what happened.",) if overdue else (),
            **common,
        )
    reasons: list[str] = []
    if meeting.held_on > today:
        reasons.append("its date is in the future")
    if not meeting.outcome.strip():
        reasons.append("no outcome is recorded")
    if not invited:
        reasons.append("no parent or carer was invited")
    return MeetingCard(
        status="Not counted",
        tag_colour="orange",
        counts=False,
        not_counted_because=tuple(reasons),
        **common,
    )


def meeting_cards(meetings: Sequence[SupportMeeting], *, today: dt.date) -> list[MeetingCard]:
    return [meeting_card(meeting, today=today) for meeting in meetings]


# Writes --------------------------------------------------------------------


def meeting_schedule(
    *,
    acting_user: User,
    case_id: int,
    scheduled_for: dt.datetime,
    method: str,
    invited_ids: Collection[int],
    other_professionals: str = "",
    interpreter: bool = False,
    adjustments: str = "",
    place: str = "",
) -> SupportMeeting:
    """Arrange the next Support First meeting; it takes the next number in the case."""
    with transaction.atomic():
        # The case row stays locked until commit, so two people scheduling at
        # once get numbers one after the other, not the same number.
        case = case_for_change(acting_user=acting_user, case_id=case_id)
        invited = _invitees(case, invited_ids)
        meeting = SupportMeeting(
            case=case,
            sequence=next_meeting_number(case),
            scheduled_for=scheduled_for,
            method=method,
            place=place.strip(),
            other_professionals=other_professionals.strip(),
            interpreter=interpreter,
            adjustments=adjustments.strip(),
            created_by=acting_user,
            updated_by=acting_user,
        )
        meeting.full_clean(exclude=["case", "created_by", "updated_by"])
        meeting.save()
        meeting.invited.set(invited)
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.CREATE,
            target=meeting,
            school=case.school,
            changes={
                "sequence": meeting.sequence,
                **{name: _plain(getattr(meeting, name)) for name in ARRANGEMENT_FIELDS},
                "invited": _names(invited),
            },
        )
    return meeting


def meeting_schedule_held(
    *,
    acting_user: User,
    case_id: int,
    scheduled_for: dt.datetime,
    method: str,
    invited_ids: Collection[int],
    attended_ids: Collection[int],
    outcome: str,
    other_professionals: str = "",
    interpreter: bool = False,
    adjustments: str = "",
    barriers_discussed: str = "",
    parent_voice: str = "",
    going_well: str = "",
    agreed_actions: str = "",
    next_review_date: dt.date | None = None,
    place: str = "",
    pupil_views: str = "",
    summary_for_family: str = "",
) -> SupportMeeting:
    """A meeting that has already taken place, recorded in one go: arranged and
    held on the day of `scheduled_for` (today or earlier). Both steps run in one
    transaction, so a refusal of either saves nothing; each writes its audit row."""
    held_on = timezone.localdate(scheduled_for)
    if held_on > today():
        raise ValidationError(
            {
                "scheduled_on": "A meeting can be recorded as held only once its date has "
                "passed: leave what happened empty to schedule it"
            }
        )
    with transaction.atomic():
        meeting = meeting_schedule(
            acting_user=acting_user,
            case_id=case_id,
            scheduled_for=scheduled_for,
            method=method,
            invited_ids=invited_ids,
            other_professionals=other_professionals,
            interpreter=interpreter,
            adjustments=adjustments,
            place=place,
        )
        try:
            return meeting_record_held(
                acting_user=acting_user,
                case_id=case_id,
                meeting_id=meeting.pk,
                version=meeting.version,
                held_on=held_on,
                attended_ids=attended_ids,
                outcome=outcome,
                barriers_discussed=barriers_discussed,
                parent_voice=parent_voice,
                going_well=going_well,
                agreed_actions=agreed_actions,
                next_review_date=next_review_date,
                pupil_views=pupil_views,
                summary_for_family=summary_for_family,
            )
        except ValidationError as exc:
            # On the one form, the day it was held is the meeting's date.
            if hasattr(exc, "error_dict") and "held_on" in exc.error_dict:
                exc.error_dict["scheduled_on"] = exc.error_dict.pop("held_on")
            raise


def awaiting_decision_invited(meeting: SupportMeeting) -> list[PupilCarer]:
    """Invited (or recorded as attending) while the DSL has not yet decided
    whether the school should write to them: worth a warning with a link to that
    decision, never a refusal (the school may have good reason to meet them)."""
    people = {link.pk: link for link in meeting.invited.select_related("carer")}
    people.update({link.pk: link for link in meeting.attended.select_related("carer")})
    return [people[pk] for pk in sorted(people) if awaiting_dsl_decision(people[pk])]


def meeting_update(
    *,
    acting_user: User,
    case_id: int,
    meeting_id: int,
    version: int,
    scheduled_for: dt.datetime,
    method: str,
    invited_ids: Collection[int],
    other_professionals: str = "",
    interpreter: bool = False,
    adjustments: str = "",
    place: str = "",
) -> SupportMeeting:
    """Change a meeting's arrangements (also after it was held, to correct who
    was invited), refusing a stale edit."""
    with transaction.atomic():
        case = case_for_change(acting_user=acting_user, case_id=case_id)
        meeting = _locked(case, meeting_id)
        check_version(meeting, version)
        refuse_if_cancelled(meeting)
        invited = _invitees(case, invited_ids)
        attended = set(meeting.attended.all())
        if not attended <= set(invited):
            missing = _names(sorted(attended - set(invited), key=lambda link: link.pk))
            raise ValidationError(
                {
                    "invited": f"{', '.join(missing)} came to the meeting, so they must stay "
                    "invited. Change the record of the meeting first if that is wrong."
                }
            )
        before = _snapshot(meeting, ARRANGEMENT_FIELDS)
        meeting.scheduled_for = scheduled_for
        meeting.method = method
        meeting.place = place.strip()
        meeting.other_professionals = other_professionals.strip()
        meeting.interpreter = interpreter
        meeting.adjustments = adjustments.strip()
        _save_change(acting_user, meeting)
        before_invited = _names(meeting.invited.all())
        meeting.invited.set(invited)
        _audit_change(
            acting_user,
            case,
            meeting,
            before,
            ARRANGEMENT_FIELDS,
            people={"invited": (before_invited, _names(invited))},
        )
    return meeting


def meeting_record_held(
    *,
    acting_user: User,
    case_id: int,
    meeting_id: int,
    version: int,
    held_on: dt.date,
    attended_ids: Collection[int],
    outcome: str,
    barriers_discussed: str = "",
    parent_voice: str = "",
    going_well: str = "",
    agreed_actions: str = "",
    next_review_date: dt.date | None = None,
    pupil_views: str = "",
    summary_for_family: str = "",
) -> SupportMeeting:
    """Record what happened at a meeting (or correct the record). Once it has a
    date that has passed, an outcome and someone invited, it counts (rule A4)."""
    with transaction.atomic():
        case = case_for_change(acting_user=acting_user, case_id=case_id)
        meeting = _locked(case, meeting_id)
        check_version(meeting, version)
        refuse_if_cancelled(meeting)
        errors: dict[str, str] = {}
        if held_on > today():
            errors["held_on"] = "The date the meeting was held must be today or in the past"
        if not outcome.strip():
            errors["outcome"] = "Enter the outcome of the meeting"
        if next_review_date is not None and next_review_date <= held_on:
            errors["next_review_date"] = (
                "The next review date must be after the date the meeting was held"
            )
        invited = {link.pk: link for link in meeting.invited.all()}
        if set(attended_ids) - set(invited):
            errors["attended"] = "Select only people who were invited to the meeting"
        if errors:
            raise ValidationError(errors)
        attended = [invited[pk] for pk in sorted(set(attended_ids))]
        before = _snapshot(meeting, RECORD_FIELDS)
        meeting.held_on = held_on
        meeting.outcome = outcome.strip()
        meeting.barriers_discussed = barriers_discussed.strip()
        meeting.parent_voice = parent_voice.strip()
        meeting.going_well = going_well.strip()
        meeting.agreed_actions = agreed_actions.strip()
        meeting.pupil_views = pupil_views.strip()
        meeting.summary_for_family = summary_for_family.strip()
        meeting.next_review_date = next_review_date
        _save_change(acting_user, meeting)
        before_attended = _names(meeting.attended.all())
        meeting.attended.set(attended)
        _audit_change(
            acting_user,
            case,
            meeting,
            before,
            RECORD_FIELDS,
            people={"attended": (before_attended, _names(attended))},
        )
    return meeting


def meeting_cancel(
    *, acting_user: User, case_id: int, meeting_id: int, version: int, reason: str
) -> SupportMeeting:
    """Cancel a meeting that has not been held; the reason is kept as its
    outcome. A cancelled meeting never counts towards the minimum."""
    with transaction.atomic():
        case = case_for_change(acting_user=acting_user, case_id=case_id)
        meeting = _locked(case, meeting_id)
        check_version(meeting, version)
        refuse_cancel(meeting)
        if not reason.strip():
            raise ValidationError({"reason": "Enter why the meeting was cancelled"})
        fields = ("cancelled", "outcome")
        before = _snapshot(meeting, fields)
        meeting.cancelled = True
        meeting.outcome = reason.strip()
        _save_change(acting_user, meeting)
        _audit_change(acting_user, case, meeting, before, fields)
    return meeting


# Shared steps ----------------------------------------------------------------


def _locked(case: AttendanceCase, meeting_id: int) -> SupportMeeting:
    try:
        return SupportMeeting.unscoped.select_for_update().get(case=case, pk=meeting_id)
    except SupportMeeting.DoesNotExist:
        raise Http404("No such record.") from None


def _invitees(case: AttendanceCase, invited_ids: Collection[int]) -> list[PupilCarer]:
    wanted = set(invited_ids)
    found = list(
        PupilCarer.unscoped.filter(pupil_id=case.pupil_id, pk__in=wanted)
        .select_related("carer")
        .order_by("contact_priority", "pk")
    )
    if len(found) != len(wanted):
        raise ValidationError({"invited": "Select only parents or carers of this pupil"})
    excluded = [link for link in found if dsl_excluded(link)]
    if excluded:
        raise ValidationError(
            {
                "invited": f"The DSL decided that {', '.join(_names(excluded))} should not "
                "be contacted about attendance, so they cannot be invited."
            }
        )
    return found


def _snapshot(meeting: SupportMeeting, fields: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(meeting, name) for name in fields}


def _save_change(acting_user: User, meeting: SupportMeeting) -> None:
    meeting.updated_by = acting_user
    meeting.version += 1
    meeting.full_clean(exclude=["case", "created_by", "updated_by"])
    meeting.save()


def _audit_change(
    acting_user: User,
    case: AttendanceCase,
    meeting: SupportMeeting,
    before: dict[str, Any],
    fields: Sequence[str],
    *,
    people: dict[str, tuple[list[str], list[str]]] | None = None,
) -> None:
    changes: dict[str, Any] = field_changes(before, _snapshot(meeting, fields), fields)
    for name, (old, new) in (people or {}).items():
        if old != new:
            changes[name] = [old, new]
    audit_record(
        actor=acting_user,
        action=AuditEvent.Action.UPDATE,
        target=meeting,
        school=case.school,
        changes=changes,
    )


def _names(links: Iterable[PupilCarer]) -> list[str]:
    return [str(link.carer) for link in links]


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
