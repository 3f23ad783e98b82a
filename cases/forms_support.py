"""Forms for barriers, reasonable adjustments, support offered and the parents'
engagement. They parse and explain; the rules live in `cases.services.support`.
Hints and examples use the guidance's own words (Support First approach;
Effective Plans)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from crispy_forms_gds.choices import Choice
from django import forms

from accounts.models import User
from core.forms import GovDateField

from .forms_meetings import TEXT_LIMIT
from .models import Barrier, EngagementAssessment, SupportOffer

Kind = Barrier.Kind


@dataclass(frozen=True)
class AdjustmentExamples:
    """One row of the guidance's table "Examples of commonly identified barriers
    and reasonable adjustments", and the barriers of our catalogue it is about."""

    barrier: str
    kinds: frozenset[str]
    examples: tuple[str, ...]


# The Support First approach's table, in its own words (with one row from the
# Effective Plans webinar's "Individualised approaches"), so that the person
# recording an adjustment sees what the guidance suggests for the barrier.
ADJUSTMENT_EXAMPLES = (
    AdjustmentExamples(
        "Uniform",
        frozenset({Kind.UNIFORM, Kind.FINANCIAL_HARDSHIP, Kind.LEARNING_NEEDS}),
        (
            "Amendments and adjustments to uniforms / PE kits should be considered if this "
            "is identified as a barrier.",
            "Allowances to wear alternative uniform for pupils with sensory difficulties.",
            "School should consider help with providing uniform as appropriate.",
        ),
    ),
    AdjustmentExamples(
        "Peer conflict within the classroom",
        frozenset({Kind.PEER_CONFLICT, Kind.BULLYING}),
        ("Changing seating plans to encourage attendance.",),
    ),
    AdjustmentExamples(
        "Pupils needing additional support in class",
        frozenset({Kind.LEARNING_NEEDS}),
        (
            "Speak to the pupil concerned. Understand from them where in the classroom would "
            "best support them with their learning experience. Change seating plans to best "
            "support all pupils.",
        ),
    ),
    AdjustmentExamples(
        "Pupils absent on specific days and/or truanting specific lessons",
        frozenset({Kind.ANXIETY, Kind.LEARNING_NEEDS, Kind.ROUTINES, Kind.OTHER}),
        (
            "If getting changed in a communal area is a barrier then school should allow that "
            "pupil to get changed in a different area.",
            "Is there an alternative teacher or lesson that the pupil could attend.",
            "Soft starts could be considered to encourage a pupil into school such as free "
            "breakfast club or time in a quiet area first thing to help regulate or ground "
            "the pupil at the start of the day.",
            "Conversation with parents around routines to allow the pupil to be ready for school.",
        ),
    ),
    AdjustmentExamples(
        "Returning to school after a long period of absence",
        frozenset({Kind.ANXIETY, Kind.OTHER}),
        (
            "A part time timetable could be considered for a short period to build confidence "
            "and resilience. These should be reviewed regularly to ensure that the pupil "
            "attends school full time in the shortest amount of time possible.",
        ),
    ),
    AdjustmentExamples(
        "Transport",
        frozenset({Kind.TRANSPORT, Kind.PARENTAL_ILLNESS, Kind.HOUSING, Kind.FINANCIAL_HARDSHIP}),
        (
            "Providing a walking bus or pairing other pupils and families together to help "
            "share transport.",
            "Consider using the Family Group Conference team as a resource to find additional "
            "support.",
            "In some cases, it may be necessary to support attendance short term by arranging "
            "a taxi. Schools could explore funding this through their Pupil Premium budget.",
        ),
    ),
    AdjustmentExamples(
        "Pupils needing additional support within the school community",
        frozenset({Kind.BULLYING, Kind.PEER_CONFLICT, Kind.ANXIETY}),
        (
            "Agreements should be made for pupils to access in school support when needed "
            "such as Pastoral support, Thrive, ELSA.",
            "A safe place to socialise away from the busy areas in a supervised environment "
            "at recreational times.",
            "A soft start to the day which could include the option to check in with a "
            "trusted member of staff.",
        ),
    ),
    AdjustmentExamples(
        "Lack of motivation to attend school and low expectations",
        frozenset({Kind.LEARNING_NEEDS, Kind.OTHER}),
        (
            "Find what the pupil is interested in and use their interests in school to "
            "entice them in.",
            "Ensure that the pupil has all the relevant SEND support in place to help them "
            "access their learning.",
            "A reward system for anyone with improved attendance, or those who have attended "
            "every day that was possible for them.",
        ),
    ),
    AdjustmentExamples(
        "Financial hardship within the family home",
        frozenset({Kind.FINANCIAL_HARDSHIP, Kind.UNIFORM}),
        (
            "Support through Pupil Premium, and encourage parents to apply for Free School Meals.",
            "Signpost parents to outside financial support and advice.",
        ),
    ),
    AdjustmentExamples(
        "Individualised approaches",
        frozenset({Kind.ROUTINES, Kind.ANXIETY, Kind.YOUNG_CARER, Kind.PARENTAL_ILLNESS}),
        (
            "A wake-up phone call every day for a limited period of time.",
            "Teaching parents and pupils how to have routines in place in the morning: alarm "
            "set, shoes ready, bag packed.",
            "A staff member meets the pupil in the morning, for example with the school dog.",
            "Giving pupils special responsibilities in school to motivate them to be there.",
        ),
    ),
)


def adjustment_examples(
    barrier_kinds: Iterable[str],
) -> tuple[list[AdjustmentExamples], list[AdjustmentExamples]]:
    """The guidance's examples for the barriers in this case first, then the rest."""
    kinds = set(barrier_kinds)
    relevant = [group for group in ADJUSTMENT_EXAMPLES if group.kinds & kinds]
    others = [group for group in ADJUSTMENT_EXAMPLES if not group.kinds & kinds]
    return relevant, others


FACTOR_CHOICES = [
    Choice(
        Barrier.Factor.PUSH.value,
        Barrier.Factor.PUSH.label,
        hint="Something pushing the pupil away from school, for example bullying or "
        "difficult peer relationships, or difficulty accessing learning.",
    ),
    Choice(
        Barrier.Factor.PULL.value,
        Barrier.Factor.PULL.label,
        hint="Something pulling the pupil towards home, for example parental illness or "
        "separation anxiety.",
    ),
]

LEVEL_HINTS = {
    EngagementAssessment.Level.ENGAGING: "When parents are engaging there should not be the "
    "need to escalate to legal intervention.",
    EngagementAssessment.Level.PARTLY: "For example, they come to some meetings or take up "
    "some of the support offered.",
    EngagementAssessment.Level.NOT_ENGAGING: "For example, offers of support have not been "
    "engaged with.",
}


def _text(
    label: str, *, help_text: str = "", required: bool = False, **kwargs: Any
) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=required,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        **kwargs,
    )


def _barrier_field(barriers: Sequence[Barrier], label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        choices=[
            *(
                Choice(
                    barrier.pk,
                    barrier.get_kind_display(),
                    hint=barrier.description[:120]
                    + ("…" if len(barrier.description) > 120 else ""),
                )
                for barrier in barriers
            ),
            Choice("", "Not for one particular barrier"),
        ],
        error_messages={"invalid_choice": "Select a barrier recorded in this case"},
    )


class BarrierForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    kind = forms.ChoiceField(
        label="What kind of barrier is it?",
        choices=Barrier.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the kind of barrier"},
    )
    factor = forms.ChoiceField(
        label="Is it a push or a pull factor?",
        help_text="Identify the underlying causes of the poor attendance: push and pull factors.",
        choices=FACTOR_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether it is a push or a pull factor"},
    )
    description = _text(
        "Describe the barrier",
        help_text="What the pupil or family told you, in their words where you can. Describe "
        "the specific barrier rather than a broad label.",
        required=True,
        error_messages={"required": "Describe the barrier"},
    )
    risk_factors = _text(
        "Risk factors (optional)",
        help_text="What makes absence more likely, for example parental illness or difficult "
        "peer relationships.",
    )
    resilience_factors = _text(
        "Resilience factors (optional)",
        help_text="What helps, for example: parent/carer wants child to attend school; good "
        "relationship with Head of Year.",
    )
    identified_on = GovDateField(
        label="Date identified",
        what="the date the barrier was identified",
        help_text="For example, 27 3 2026",
    )
    resolved_on = GovDateField(
        label="Date resolved (optional)",
        what="the date the barrier was resolved",
        required=False,
        help_text="Leave empty while the barrier remains.",
    )

    def __init__(self, *args: Any, barrier: Barrier | None = None, **kwargs: Any) -> None:
        if barrier is not None:
            kwargs["initial"] = {
                "version": barrier.version,
                "kind": barrier.kind,
                "factor": barrier.factor,
                "description": barrier.description,
                "risk_factors": barrier.risk_factors,
                "resilience_factors": barrier.resilience_factors,
                "identified_on": barrier.identified_on,
                "resolved_on": barrier.resolved_on,
            }
        super().__init__(*args, **kwargs)


class AdjustmentForm(forms.Form):
    description = _text(
        "What adjustment was made?",
        help_text="Reasonable adjustments should be made to allow that pupil to access their "
        "education.",
        required=True,
        error_messages={"required": "Describe the adjustment"},
    )
    made_on = GovDateField(
        label="Date made",
        what="the date the adjustment was made",
        help_text="For example, 27 3 2026",
    )

    def __init__(self, *args: Any, barriers: Sequence[Barrier], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if barriers:
            self.fields["barrier"] = _barrier_field(barriers, "Which barrier does it address?")


def no_response_hint(wait_school_days: int) -> str:
    """What "no response" means for rule A4, with the LA's wait."""
    return (
        'A "no response" does not count as not engaged straight away: make a further '
        "attempt by another method (for example a phone call after a letter) or by another "
        "member of staff, and record it as a follow-up. It counts as not engaged "
        f"{wait_school_days} school days after that follow-up if there is still no response."
    )


def _outcome_choices(wait_school_days: int) -> list[Choice]:
    return [
        Choice(value, label, hint=no_response_hint(wait_school_days))
        if value == SupportOffer.Outcome.NO_RESPONSE
        else Choice(value, label)
        for value, label in SupportOffer.Outcome.choices
    ]


def _staff_field(staff: Sequence[User], label: str, what: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        coerce=int,
        choices=[(user.pk, user.full_name or user.email) for user in staff],
        error_messages={
            "required": f"Select who {what}",
            "invalid_choice": "Select a member of staff at this school",
        },
    )


class _OutcomeFields(forms.Form):
    outcome = forms.ChoiceField(
        label="What was the outcome?",
        help_text="Support is exhausted once every offer is declined, not engaged with, "
        "engaged with without sufficient improvement, or had no response even after a "
        "follow-up by another method or member of staff and the wait that follows it.",
        choices=SupportOffer.Outcome.choices,
        initial=SupportOffer.Outcome.AWAITING,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the outcome"},
    )
    outcome_on = GovDateField(
        label="Date of the outcome",
        what="the date of the outcome",
        required=False,
        help_text="Leave empty while waiting for a response.",
    )
    outcome_note = _text(
        "Note about the outcome (optional)", help_text="For example, what the parent said."
    )


class OfferForm(_OutcomeFields):
    """Support offered; its outcome usually comes later ("Record the outcome"),
    so it starts as waiting for a response, but can be given now."""

    what = _text(
        "What support was offered?",
        help_text="Offer appropriate additional support through relevant agencies and "
        "services, for example Early Help, a referral for a health assessment, or help "
        "through Pupil Premium.",
        required=True,
        error_messages={"required": "Enter the support offered"},
    )
    for_family = _text(
        "For the family (optional)",
        help_text="How the family will read this offer in letters, in plain words, for "
        'example "A place in the school\'s breakfast club from 8am". The box above is for '
        "staff and never goes into a letter; leave this blank to leave the offer out of letters.",
    )
    provider = forms.ChoiceField(
        label="Who provides it?",
        choices=SupportOffer.Provider.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select who provides the support"},
    )
    provider_detail = forms.CharField(
        label="Name or team (optional)",
        help_text="For example, the family support worker's name",
        max_length=200,
        required=False,
    )
    offered_on = GovDateField(
        label="Date offered",
        what="the date the support was offered",
        help_text="For example, 27 3 2026",
    )

    method = forms.ChoiceField(
        label="How was it offered?",
        choices=SupportOffer.Method.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how the support was offered"},
    )

    field_order = [
        "what",
        "for_family",
        "provider",
        "provider_detail",
        "offered_on",
        "method",
        "made_by",
        "barrier",
    ]

    def __init__(
        self,
        *args: Any,
        barriers: Sequence[Barrier],
        staff: Sequence[User],
        wait_school_days: int,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["made_by"] = _staff_field(
            staff, "Which member of staff made the offer?", "made the offer"
        )
        outcome = self.fields["outcome"]
        assert isinstance(outcome, forms.ChoiceField)
        outcome.choices = _outcome_choices(wait_school_days)
        self.order_fields(self.field_order)
        if barriers:
            self.fields["barrier"] = _barrier_field(barriers, "Which barrier does it address?")
            self.order_fields(self.field_order)


class OfferOutcomeForm(_OutcomeFields):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, offer: SupportOffer, wait_school_days: int, **kwargs: Any
    ) -> None:
        kwargs["initial"] = {
            "version": offer.version,
            "outcome": offer.outcome,
            "outcome_on": offer.outcome_on,
            "outcome_note": offer.outcome_note,
        }
        super().__init__(*args, **kwargs)
        outcome = self.fields["outcome"]
        assert isinstance(outcome, forms.ChoiceField)
        outcome.choices = _outcome_choices(wait_school_days)


class OfferFollowUpForm(forms.Form):
    """A further attempt to get an answer to a support offer."""

    followed_up_on = GovDateField(
        label="Date of the follow-up",
        what="the date of the follow-up",
        help_text="For example, 10 3 2026",
    )
    method = forms.ChoiceField(
        label="How did you follow up?",
        help_text="It counts only if it is by another method than the offer, or made by "
        "another member of staff.",
        choices=SupportOffer.Method.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how you followed up"},
    )
    note = _text("Note (optional)", help_text="For example, who you spoke to or what you left.")

    field_order = ["followed_up_on", "method", "made_by", "note"]

    def __init__(self, *args: Any, staff: Sequence[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["made_by"] = _staff_field(
            staff, "Which member of staff followed up?", "followed up"
        )
        self.order_fields(self.field_order)


class EngagementForm(forms.Form):
    assessed_on = GovDateField(
        label="Date of the assessment",
        what="the date of the assessment",
        help_text="For example, 27 3 2026",
    )
    level = forms.ChoiceField(
        label="How are the parents engaging with support?",
        choices=[
            Choice(level.value, level.label, hint=LEVEL_HINTS[level])
            for level in EngagementAssessment.Level
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select how the parents are engaging"},
    )
    reason = _text(
        "Why?",
        help_text="What the parents have done, with dates: meetings attended, support taken up "
        "or declined. The latest assessment decides whether a Notice to Improve or a "
        "referral may go ahead.",
        required=True,
        error_messages={"required": "Enter the reason for your assessment"},
    )
