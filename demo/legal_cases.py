"""The demo's cases past the Notice to Improve (rules A4, A5): four pupils whose
Support First work started in the term before the demo's registers
(demo.legal_registers), each step written through the product's services as at
its own day, so every record is one the product would write: the pathway's
verdict on that day, the notice's period counted from its issue, the LA's
decision on the referral it accepted.

    submitted    notice not heeded: the period ended, outcome "not sufficient
                 improvement", the parents told, the referral submitted (in the
                 LA's inbox)
    returned     the same, and the LA sent the referral back with its reasons
                 (on the lead's caseload and home page)
    prosecution  referral accepted; the LA decided to prosecute (s444(1)) having
                 considered an education supervision order and explored an
                 attendance contract
    penalty      referral accepted; the LA decided on penalty notices, one to
                 each parent served the notice: one paid within 21 days, one
                 unpaid past its 28 days (due a decision: prosecute, or withdraw
                 under regulation 9)

The school's Support First file for each (meetings held, the pupil's voice, a
barrier with its action, a plan reviewed, support declined, the parents
assessed as not engaging) is written like the other demo cases (demo.cases),
then the legal steps go through the services, which refuse anything the rules
do not allow: a part whose history does not fit in the school days available
(a demo built in the first weeks of a term) is left out.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from accounts.models import LocalAuthority, Role, User
from cases.models import ActionProgress, AttendanceCase, Barrier, EngagementAssessment, SupportOffer
from notices.models import LADecision, NoticeToImprove, ParentsToldOfReferral
from notices.penalties import ServiceMethod, amount_due
from notices.services.certificates import certificate_sign
from notices.services.notices import notice_issue, notice_outcome_record, parents_told_record
from notices.services.penalties import penalty_notice_issue, penalty_notice_record_payment
from notices.services.referrals import (
    referral_accept,
    referral_decide,
    referral_return,
    referral_submit,
)
from pupils.models import Pupil

from .cases import CaseStaff, _at, _Book, _Clock, _persona, _Story
from .registers import RegisterTerm

_Stage = AttendanceCase.Stage
# How long the Support First work ran before the notice, in school days.
_SUPPORT_FIRST_DAYS = 25


@dataclass(frozen=True)
class _Part:
    key: str
    # The notice is issued this many school days before the demo day; every later
    # step counts on from the end of its 30-school-day period.
    issued_back: int
    last_step: str


# In the order of the pupils in RegisterTerm.legal_upns: the first has two parents.
PARTS: tuple[_Part, ...] = (
    _Part("penalty", 62, "penalty"),
    _Part("prosecution", 55, "prosecution"),
    _Part("returned", 50, "returned"),
    _Part("submitted", 45, "submitted"),
)


def demo_legal_cases_build(
    *,
    rng: random.Random,
    la: LocalAuthority,
    term: RegisterTerm,
    staff: Mapping[int, CaseStaff],
    day: dt.date,
) -> int:
    """Write the legal-stage cases; returns how many. `day` is the demo day
    (the case files' "as at")."""
    officer = User.objects.filter(local_authority=la, role=Role.LA_OFFICER, is_active=True).first()
    if officer is None:
        return 0
    pupils = {p.upn: p for p in Pupil.unscoped.filter(upn__in=term.legal_upns)}
    built = 0
    for upn, part in zip(term.legal_upns, PARTS, strict=False):
        persona = _persona(pupils[upn], day - dt.timedelta(days=1))
        if persona is None or persona.school.pk not in staff:
            continue
        days = sorted(
            d
            for plan in term.plans[persona.school.pk].values()
            for d in plan.school_days()
            if d < day
        )
        if len(days) < part.issued_back + _SUPPORT_FIRST_DAYS:
            continue
        book = _Book()
        story = _Story(
            book=book,
            rng=rng,
            persona=persona,
            lead=staff[persona.school.pk].lead(),
            clock=_Clock(days, day, days[-1]),
            term_start=days[0],
            term_ends=[],
        )
        issue = days[-part.issued_back]
        _support_first(story, [d for d in days if d < issue][-_SUPPORT_FIRST_DAYS:], issue)
        book.stamp()
        _legal_steps(story, part, days, issue, officer)
        built += 1
    return built


# --- Support First, before the notice ------------------------------------------------------


def _support_first(s: _Story, before: Sequence[dt.date], issue: dt.date) -> None:
    """Three meetings held, the pupil's voice, one barrier with its action in a
    plan reviewed, support declined and not taken up, the parents assessed as
    not engaging: all the Notice to Improve asks (rule A4), by `issue`."""
    w = s.w

    def on(k: int) -> dt.date:
        return before[k]

    opened = on(0)
    s.open(
        opened,
        _Stage.SUPPORT_FIRST,
        f"{w.name} misses Friday afternoons most weeks, and some Monday mornings, with no "
        "reason given (O); the pattern has run since the spring.",
    )
    s.contact(
        s.time(opened, 10),
        "phone",
        reached=True,
        reason=f"{w.carer} said {w.name} was tired after the weekend.",
        notes="Explained the pattern on the register and invited the family to a meeting.",
    )
    routines = s.barrier(
        on(2),
        Barrier.Kind.ROUTINES,
        Barrier.Factor.PULL,
        "Late nights at the weekend; Friday afternoons seen at home as the start of the weekend.",
        resilience=f"{w.name} likes {w.his} teachers and is doing well in class.",
    )
    s.meeting(
        1,
        on(2),
        attended=s.p.invitees,
        scheduled_on=opened,
        barriers="Friday afternoons and Monday mornings; routines at the weekend.",
        parent_voice=f"{w.carer} said {w.name} is tired by Friday and it does no harm.",
        agreed="A morning routine chart; the school to ring on any Friday afternoon missed.",
        outcome="Plan agreed: every session, every week, until half term.",
        next_review=on(10),
    )
    s.voice(
        on(4),
        relationship=f"{s.lead.job_title}",
        setting="A quiet room, at break",
        why_hard="On Fridays we go out after lunch. Mondays I'm too tired to get up.",
        what_would_help="If Friday afternoons were more fun.",
        going_well="I like maths and my friends.",
        patterns="Looked at the herringbone together: Fridays and Mondays stand out.",
    )
    plan = s.plan(on(2), every=14, next_review=on(10))
    action = s.action(
        plan,
        routines,
        f"A Friday afternoon club {w.name} chose; a call home on any Friday afternoon missed.",
        on(6),
        f"{s.lead.full_name}",
        f"{w.name} is in school every Friday afternoon and Monday morning.",
    )
    s.offer(
        on(3),
        routines,
        "Parenting support on routines from the Early Help family worker.",
        SupportOffer.Provider.EARLY_HELP,
        outcome=SupportOffer.Outcome.DECLINED,
        outcome_on=on(8),
        note=f"{w.carer} said the family does not need it.",
    )
    s.meeting(
        2,
        on(10),
        attended=s.p.invitees,
        scheduled_on=on(2),
        barriers="Friday afternoons are still missed.",
        parent_voice=f"{w.carer} does not see the harm in a Friday afternoon.",
        agreed="Keep the club; the school explained the national threshold and what follows.",
        outcome="Plan reviewed: no change on Fridays.",
        next_review=on(18),
    )
    s.review(
        plan,
        on(10),
        [(action, ActionProgress.Progress.NONE, "Friday afternoons still missed.")],
        since=on(2),
        changes="None: the family has not taken up the club or the support.",
        next_due=on(18),
    )
    s.offer(
        on(11),
        routines,
        "A place at the school's breakfast club on Mondays.",
        SupportOffer.Provider.SCHOOL,
        outcome=SupportOffer.Outcome.NOT_ENGAGED,
        outcome_on=on(17),
        note=f"{w.name} came once.",
    )
    s.meeting(
        3,
        on(18),
        attended=s.p.invitees,
        scheduled_on=on(10),
        barriers="Friday afternoons and Monday mornings.",
        parent_voice=f"{w.carer} would not agree to any change.",
        agreed="The school will consider a Notice to Improve.",
        outcome="Support declined: the school explained the Notice to Improve.",
        next_review=on(24),
    )
    s.engagement(
        on(19),
        EngagementAssessment.Level.NOT_ENGAGING,
        f"{w.carer} declined Early Help, did not use the breakfast club place, and would not "
        "agree a change at the third meeting.",
    )


# --- The legal steps, each as at its own day ---------------------------------------------


def _legal_steps(
    s: _Story, part: _Part, days: Sequence[dt.date], issue: dt.date, officer: User
) -> None:
    case, lead, w = s._case(), s.lead, s.w
    notice = notice_issue(
        acting_user=lead,
        case_id=case.pk,
        issued_on=issue,
        as_at=issue,
        sufficient_improvement=(
            f"{w.name} attends every session, Friday afternoons and Monday mornings "
            "included, for the improvement period, with no unauthorised absence."
        ),
        consequence=(
            "If attendance does not improve enough, the school will refer to the Local "
            "Authority, which may issue a penalty notice or prosecute."
        ),
        staff_contact=f"{lead.full_name}, {case.school.name}",
    )
    after = _after(days, notice.period_ends_on)
    notice_outcome_record(
        acting_user=lead,
        notice_id=notice.pk,
        outcome=NoticeToImprove.Outcome.NOT_IMPROVED,
        note=f"Friday afternoons were still missed through the period ({w.name}).",
        on=after(1),
    )
    parents_told_record(
        acting_user=lead,
        notice_id=notice.pk,
        told_on=after(2),
        method=ParentsToldOfReferral.Method.PHONE,
        told_by=lead.full_name,
    )
    referral = referral_submit(
        acting_user=lead, case_id=case.pk, day=after(4), at=_at(after(4), 15, 40)
    )
    if part.last_step == "submitted":
        return
    if part.last_step == "returned":
        referral_return(
            acting_user=officer,
            referral_id=referral.pk,
            reasons=(
                "The bundle has no record of what came of the breakfast club place after "
                "meeting 3, and the attendance since the notice stops at its outcome: add "
                "the breakfast club outcome and resubmit."
            ),
            at=_at(after(8), 11, 20),
        )
        return
    # The head teacher's s566 certificate on the register extract, before the LA's decision.
    certificate_sign(
        acting_user=lead,
        referral_id=referral.pk,
        signer_name=lead.full_name,
        capacity="authorised",
        job_title="Attendance lead, authorised by the head teacher",
    )
    referral_accept(acting_user=officer, referral_id=referral.pk, at=_at(after(6), 10, 5))
    if part.last_step == "prosecution":
        referral_decide(
            acting_user=officer,
            referral_id=referral.pk,
            kind=LADecision.Kind.PROSECUTION_444_1,
            reason=(
                "Support First and the Notice to Improve have not changed the pattern, and a "
                "penalty notice was paid last year for the same pattern at the family's "
                "previous address: the case goes to the magistrates."
            ),
            decided_on=after(10),
            eso_considered=True,
            eso_note=(
                "An education supervision order was considered: the family has refused "
                "every offer of support, so an order directing it would not secure "
                "attendance."
            ),
            contract_explored=True,
            contract_note="An attendance contract was offered at meeting 3 and refused.",
            # The notice's improvement period: the information must be laid within six
            # months of its last day.
            offence_first_day=notice.issued_on,
            offence_last_day=notice.period_ends_on,
        )
        return
    decided_on = after(7)
    decision = referral_decide(
        acting_user=officer,
        referral_id=referral.pk,
        kind=LADecision.Kind.PENALTY_NOTICE,
        reason="A first penalty notice to each parent who was served the Notice to Improve.",
        decided_on=decided_on,
        eso_considered=False,
    )
    issued = after(8)
    notices = [
        penalty_notice_issue(
            acting_user=officer,
            case_id=case.pk,
            recipient_id=link.pk,
            issued_on=issued,
            offence_first_day=notice.issued_on,
            offence_last_day=notice.period_ends_on,
            service_method=ServiceMethod.FIRST_CLASS,
            served_on=issued,
            source_id=decision.pk,
        )
        for link in notice.recipients.order_by("pk")
    ]
    paid = notices[0]
    paid_on = _after(days, paid.received_on or issued)(5)
    amount = amount_due(paid, paid_on)
    if amount is not None:
        penalty_notice_record_payment(
            acting_user=officer, notice_id=paid.pk, paid_on=paid_on, amount=amount
        )


def _after(days: Sequence[dt.date], start: dt.date) -> Callable[[int], dt.date]:
    """The `n`th school day after `start`."""
    later = [d for d in days if d > start]

    def nth(n: int) -> dt.date:
        return later[n - 1] if n <= len(later) else later[-1] if later else start

    return nth
