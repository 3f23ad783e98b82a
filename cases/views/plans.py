"""The SMART action plan's pages: the aim, actions per barrier, ending an
action, and reviews. The plan itself is shown on the case page
(templates/cases/case/plan.html); these pages are `CaseFormPage`s that change
it and return there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, URLResolver, path
from django.views.decorators.http import require_http_methods

from core.dates import today

from ..forms_plans import (
    ActionChangeForm,
    ActionEndForm,
    ActionForm,
    PlanChangeForm,
    PlanForm,
    ProgressForm,
    ReviewForm,
)
from ..models import ActionProgress, Barrier, PlanAction
from ..services.casework import record_in_case
from ..services.plans import (
    DEFAULT_REVIEW_EVERY_DAYS,
    Progress,
    action_create,
    action_end,
    action_update,
    plan_create,
    plan_for_page,
    plan_update,
    review_create,
    review_page,
)
from .section import CaseFormPage

SECTION = "plan"
TEMPLATE_REVIEW = "cases/plan_review_form.html"
NO_PLAN_YET = "Write the plan's aim first: the attendance target and date."


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def plan_new(request: HttpRequest, case_id: int) -> HttpResponse:
    page = CaseFormPage.open(request, case_id, section=SECTION)
    if plan_for_page(user=page.user, case=page.case) is not None:
        return redirect("cases:plan_change", case_id=case_id)
    form = PlanForm(
        request.POST or None,
        initial={"review_every_days": DEFAULT_REVIEW_EVERY_DAYS, "agreed_on": today()},
    )

    def save(data: dict[str, Any]) -> HttpResponse:
        plan_create(acting_user=page.user, case_id=case_id, **data)
        return page.saved("Plan saved. Now add an action for each barrier.")

    return page.handle(form, save, "cases/plan_form.html", {"new": True})


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def plan_change(request: HttpRequest, case_id: int) -> HttpResponse:
    page = CaseFormPage.open(request, case_id, section=SECTION)
    plan = plan_for_page(user=page.user, case=page.case)
    if plan is None:
        return redirect("cases:plan_new", case_id=case_id)
    form = PlanChangeForm(
        request.POST or None,
        initial={
            "version": plan.version,
            "agreed_on": plan.agreed_on,
            "target_attendance": plan.target_attendance,
            "target_date": plan.target_date,
            "review_every_days": plan.review_every_days,
        },
    )

    def save(data: dict[str, Any]) -> HttpResponse:
        plan_update(acting_user=page.user, case_id=case_id, **data)
        return page.saved("Plan changed.")

    return page.handle(form, save, "cases/plan_form.html", {"new": False})


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def action_new(request: HttpRequest, case_id: int, barrier_id: int) -> HttpResponse:
    page = CaseFormPage.open(request, case_id, section=SECTION)
    barrier = record_in_case(Barrier, page.case, barrier_id)
    if plan_for_page(user=page.user, case=page.case) is None:
        messages.info(request, NO_PLAN_YET)
        return redirect("cases:plan_new", case_id=case_id)
    form = ActionForm(request.POST or None)

    def save(data: dict[str, Any]) -> HttpResponse:
        action_create(acting_user=page.user, case_id=case_id, barrier_id=barrier.pk, **data)
        return page.saved(
            f"Action added for the barrier: {barrier}.",
            texts=[data["action"], data["how_we_will_know"]],
        )

    return page.handle(
        form, save, "cases/plan_action_form.html", {"barrier": barrier, "action": None}
    )


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def action_change(request: HttpRequest, case_id: int, action_id: int) -> HttpResponse:
    page = CaseFormPage.open(request, case_id, section=SECTION)
    action = record_in_case(PlanAction, page.case, action_id)
    form = ActionChangeForm(
        request.POST or None,
        initial={
            "version": action.version,
            "action": action.action,
            "by_when": action.by_when,
            "responsible": action.responsible,
            "how_we_will_know": action.how_we_will_know,
        },
    )

    def save(data: dict[str, Any]) -> HttpResponse:
        action_update(acting_user=page.user, case_id=case_id, action_id=action.pk, **data)
        return page.saved("Action changed.", texts=[data["action"], data["how_we_will_know"]])

    return page.handle(
        form, save, "cases/plan_action_form.html", {"barrier": action.barrier, "action": action}
    )


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def action_finish(request: HttpRequest, case_id: int, action_id: int) -> HttpResponse:
    page = CaseFormPage.open(request, case_id, section=SECTION)
    action = record_in_case(PlanAction, page.case, action_id)
    form = ActionEndForm(
        request.POST or None, initial={"version": action.version, "ended_on": today()}
    )

    def save(data: dict[str, Any]) -> HttpResponse:
        action_end(acting_user=page.user, case_id=case_id, action_id=action.pk, **data)
        return page.saved("Action ended.")

    return page.handle(form, save, "cases/plan_action_end.html", {"action": action})


@dataclass(frozen=True)
class ProgressEntry:
    """One current action on the review form, with what the previous review said."""

    number: int
    action: PlanAction
    previous: ActionProgress | None
    form: ProgressForm


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def review_new(request: HttpRequest, case_id: int) -> HttpResponse:
    page = CaseFormPage.open(request, case_id, section=SECTION)
    review = review_page(user=page.user, case=page.case)
    if review is None:
        messages.info(request, NO_PLAN_YET)
        return redirect("cases:plan_new", case_id=case_id)
    data = request.POST if request.method == "POST" else None
    form = ReviewForm(
        data,
        review_every_days=review.plan.review_every_days,
        initial={"version": review.plan.version, "reviewed_on": today()},
    )
    entries = [
        # The prefix carries the action's id, so the form cannot be pointed at
        # another action: the service takes exactly the plan's current ones.
        ProgressEntry(
            number,
            action,
            review.previous_progress.get(action.pk),
            ProgressForm(data, prefix=f"action-{action.pk}", number=number),
        )
        for number, action in enumerate(review.actions, start=1)
    ]
    # Validate every progress form now (no short circuit), so that every error
    # shows at once, whatever the review form itself says.
    progress_valid = [entry.form.is_valid() for entry in entries]
    context = {
        "plan": review.plan,
        "page": review,
        "entries": entries,
        # Called when the page is drawn, after any refusal was added to the form.
        "has_errors": lambda: bool(form.errors) or any(e.form.errors for e in entries),
    }

    def save(cleaned: dict[str, Any]) -> HttpResponse:
        if not all(progress_valid):
            # The review itself is valid, an action's progress is not: say which.
            return page.render(TEMPLATE_REVIEW, form, context)
        review_create(
            acting_user=page.user,
            case_id=case_id,
            version=cleaned["version"],
            reviewed_on=cleaned["reviewed_on"],
            changes_made=cleaned["changes_made"],
            next_review_due=cleaned["next_review_due"],
            progress={
                entry.action.pk: Progress(
                    entry.form.cleaned_data["progress"], entry.form.cleaned_data["note"]
                )
                for entry in entries
            },
        )
        return page.saved(
            "Review recorded.",
            texts=[
                cleaned["changes_made"],
                *(entry.form.cleaned_data["note"] for entry in entries),
            ],
        )

    return page.handle(form, save, TEMPLATE_REVIEW, context)


urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/<int:case_id>/plan/new/", plan_new, name="plan_new"),
    path("cases/<int:case_id>/plan/change/", plan_change, name="plan_change"),
    path(
        "cases/<int:case_id>/plan/barriers/<int:barrier_id>/actions/new/",
        action_new,
        name="action_new",
    ),
    path(
        "cases/<int:case_id>/plan/actions/<int:action_id>/change/",
        action_change,
        name="action_change",
    ),
    path("cases/<int:case_id>/plan/actions/<int:action_id>/end/", action_finish, name="action_end"),
    path("cases/<int:case_id>/plan/reviews/new/", review_new, name="review_new"),
]
