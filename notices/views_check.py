""" "Check your answers" before an irreversible legal step (issuing a Notice to
Improve, submitting, accepting and deciding a referral, issuing a penalty
notice, recording a prosecution).

Three requests, no session state, so the browser's back button and a refresh
cannot send anything by surprise:

1. the form posts its answers; they are validated and, when valid, the check
   page lists what will be sent to whom. Nothing is written. The answers travel
   on as hidden fields, with a token signed by `django.core.signing` holding
   the same answers, the record acted on and its state when it was checked;
2. "Change" posts the hidden answers back to the form, which shows them again;
3. "Confirm" posts the hidden answers and the token. The token's signature,
   its record, its answers (they must be the hidden fields' own) and the
   record's state are checked again; the form re-validates and the view's one
   service call runs, with its own locks and refusals. A token tampered with,
   out of date, or for a record that has changed since (a second click on
   "Confirm" among them: the first changed the record) is refused with a
   message, on the form, keeping every answer, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse, QueryDict
from django.shortcuts import render

from cases.views.section import FormPage, Save

# Hours a check page stays good for: long enough to read it, fetch a file or
# ask a colleague; short enough that the facts it shows are still today's.
MAX_AGE_SECONDS = 4 * 60 * 60
CONTROL_FIELDS = frozenset({"csrfmiddlewaretoken", "check_token", "confirm", "change"})
CHECK_TEMPLATE = "notices/check_answers.html"

TAMPERED = (
    "Your answers could not be confirmed: the check page was changed or has expired. "
    "Check your answers again, then confirm."
)
STALE = (
    "This has changed since you checked your answers (it may already have been done, "
    "or someone else has changed the record). Nothing has been sent. Check your answers "
    "again, then confirm."
)


@dataclass(frozen=True)
class Row:
    """One line of the summary: what, its value (one line each), and the form
    field whose "Change" goes back to it ("" for none)."""

    key: str
    lines: Sequence[str]
    change: str = ""


@dataclass(frozen=True)
class Section:
    heading: str
    rows: Sequence[Row]


@dataclass
class Summary:
    """What the check page shows: what confirming does, as it ends "Check your
    answers before you …" ("issue the Notice to Improve"), the sections, the
    notes, the button's words and where "Cancel" goes."""

    title: str
    caption: str
    sections: Sequence[Section]
    confirm_label: str
    cancel_url: str
    warning: str = ""
    notes: Sequence[str] = field(default_factory=list)


def answers_of(data: QueryDict) -> list[list[str]]:
    """The posted answers, in a stable order, without the page's own controls."""
    return [
        [name, value]
        for name in sorted(data.keys())
        if name not in CONTROL_FIELDS
        for value in data.getlist(name)
    ]


def token_make(*, step: str, user_id: int, subject: str, state: str, answers: list) -> str:
    return signing.dumps(
        {"subject": subject, "state": state, "answers": answers},
        salt=f"notices.check:{step}:{user_id}",
        compress=True,
    )


def token_problem(
    token: str, *, step: str, user_id: int, subject: str, state: str, answers: list
) -> str:
    """Why a confirm cannot go ahead ("" when it can)."""
    try:
        payload = signing.loads(
            token, salt=f"notices.check:{step}:{user_id}", max_age=MAX_AGE_SECONDS
        )
    except signing.BadSignature:  # includes SignatureExpired
        return TAMPERED
    if payload.get("subject") != subject or payload.get("answers") != answers:
        return TAMPERED
    if payload.get("state") != state:
        return STALE
    return ""


@dataclass
class CheckStep:
    """One irreversible step behind a check page.

    `step` names it (the token is good for that step, user and `subject` only);
    `state` is the acted-on record's state as it stands now, a string that
    changes whenever the step would act differently (the case's version, the
    referral's status…)."""

    page: FormPage
    step: str
    subject: str
    state: str

    def handle(
        self,
        form: forms.Form,
        *,
        save: Save,
        template: str,
        context: Mapping[str, Any] | None,
        summary: Callable[[dict[str, Any]], Summary],
        status_if_invalid: int = 200,
    ) -> HttpResponse:
        request = self.page.request
        if request.method != "POST":
            return self.page.handle(form, save, template, context)
        if "change" in request.POST:
            return self.page.render(template, form, context)
        answers = answers_of(request.POST)
        if "confirm" in request.POST:
            problem = token_problem(
                request.POST.get("check_token", ""),
                step=self.step,
                user_id=self.page.user.pk,
                subject=self.subject,
                state=self.state,
                answers=answers,
            )
            if problem:
                form.is_valid()
                form.add_error(None, problem)
                return self.page.render(template, form, context, status=409)
            return self.page.handle(form, save, template, context, status_if_invalid=400)
        if not form.is_valid():
            return self.page.render(template, form, context, status=status_if_invalid)
        try:
            shown = summary(form.cleaned_data)
        except ValidationError as exc:
            # What the service would refuse is said now, on the form.
            show_on_form(form, exc)
            return self.page.render(template, form, context, status=status_if_invalid)
        return self.check_page(shown, answers)

    def check_page(self, summary: Summary, answers: list) -> HttpResponse:
        token = token_make(
            step=self.step,
            user_id=self.page.user.pk,
            subject=self.subject,
            state=self.state,
            answers=answers,
        )
        return render(
            self.page.request,
            CHECK_TEMPLATE,
            {"summary": summary, "answers": answers, "check_token": token},
        )


def confirm_only(
    step: CheckStep,
    *,
    act: Callable[[], HttpResponse],
    summary: Callable[[], Summary],
) -> HttpResponse:
    """A step with no answers to give (accepting a referral): its button leads
    to the check page; only "Confirm" acts. A refusal goes back to the page."""
    request = step.page.request
    if "confirm" not in request.POST:
        return step.check_page(summary(), [])
    problem = token_problem(
        request.POST.get("check_token", ""),
        step=step.step,
        user_id=step.page.user.pk,
        subject=step.subject,
        state=step.state,
        answers=answers_of(request.POST),
    )
    if problem:
        return step.page.refuse(problem)
    return act()


def show_on_form(form: forms.Form, exc: ValidationError) -> None:
    """A refusal beside the field it names, when the form has it; else above."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


T = TypeVar("T")
S = TypeVar("S")


class _Undo(Exception):
    """Raised to undo a dry run's writes."""


def dry_run(act: Callable[[], T], read: Callable[[T], S]) -> S:
    """What the step would do, from the service itself, with nothing kept:
    `act` (the view's one service call) runs in a transaction that is always
    rolled back, after `read` has taken from its result what the check page
    shows. So the page shows exactly what confirming makes (the sessions and
    amounts of a penalty notice, the referral's version), and a refusal is said
    before the user confirms. Its audit rows, stored evaluations and queued
    tasks (`on_commit`) go with the rollback."""
    shown: list[S] = []
    try:
        with transaction.atomic():
            shown.append(read(act()))
            raise _Undo
    except _Undo:
        pass
    return shown[0]
