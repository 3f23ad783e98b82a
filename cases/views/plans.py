"""The SMART action plan's pages: the aim, actions per barrier, ending an
action, and reviews. The plan itself is shown on the case page
(templates/cases/case/plan.html); these pages change it and return there."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path, reverse
from django.views.decorators.http import require_http_methods

from core.dates import today
from core.http import acting_user
from core.language import language_advice

from ..forms_plans import (
    ActionChangeForm,
    ActionEndForm,
    ActionForm,
    PlanChangeForm,
    PlanForm,
    ProgressForm,
    ReviewForm,
)
from ..models import ActionProgress, PlanAction
from ..services.plans import (
    DEFAULT_REVIEW_EVERY_DAYS,
    Progress,
    action_create,
    action_end,
    action_for_page,
    action_update,
    barrier_for_page,
    plan_create,
    plan_for_page,
    plan_update,
    review_create,
    review_page,
)


def _back_to_plan(case_id: int) -> HttpResponseRedirect:
    return redirect(reverse("cases:case_detail", args=[case_id]) + "#plan")


def _advise(request: HttpRequest, *texts: str | None) -> None:
    """Rule A6: free text is saved as written, with a gentle word about broad terms."""
    advice = language_advice(texts)
    if advice:
        messages.warning(request, advice)


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def plan_new(request: HttpRequest, case_id: int) -> HttpResponse:
    case, plan = plan_for_page(user=request.user, case_id=case_id)
    if plan is not None:
        return redirect("cases:plan_change", case_id=case.pk)
    form = PlanForm(request.POST or None, initial={"review_every_days": DEFAULT_REVIEW_EVERY_DAYS})
    if request.method == "POST" and form.is_valid():
        try:
            plan_create(acting_user=acting_user(request), case_id=case.pk, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Plan saved. Now add an action for each barrier.")
            return _back_to_plan(case.pk)
    return render(request, "cases/plan_form.html", {"case": case, "form": form, "new": True})


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def plan_change(request: HttpRequest, case_id: int) -> HttpResponse:
    case, plan = plan_for_page(user=request.user, case_id=case_id)
    if plan is None:
        return redirect("cases:plan_new", case_id=case.pk)
    form = PlanChangeForm(
        request.POST or None,
        initial={
            "version": plan.version,
            "target_attendance": plan.target_attendance,
            "target_date": plan.target_date,
            "review_every_days": plan.review_every_days,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            plan_update(acting_user=acting_user(request), case_id=case.pk, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Plan changed.")
            return _back_to_plan(case.pk)
    return render(request, "cases/plan_form.html", {"case": case, "form": form, "new": False})


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def action_new(request: HttpRequest, case_id: int, barrier_id: int) -> HttpResponse:
    barrier = barrier_for_page(user=request.user, case_id=case_id, barrier_id=barrier_id)
    case, plan = plan_for_page(user=request.user, case_id=case_id)
    if plan is None:
        messages.info(request, "Write the plan's aim first: the attendance target and date.")
        return redirect("cases:plan_new", case_id=case.pk)
    form = ActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            action_create(
                acting_user=acting_user(request),
                case_id=case.pk,
                barrier_id=barrier.pk,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Action added for the barrier: {barrier}.")
            _advise(request, form.cleaned_data["action"], form.cleaned_data["how_we_will_know"])
            return _back_to_plan(case.pk)
    return render(
        request,
        "cases/plan_action_form.html",
        {"case": case, "barrier": barrier, "form": form, "action": None},
    )


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def action_change(request: HttpRequest, case_id: int, action_id: int) -> HttpResponse:
    action = action_for_page(user=request.user, case_id=case_id, action_id=action_id)
    case = action.case
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
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            action_update(
                acting_user=acting_user(request), case_id=case.pk, action_id=action.pk, **data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Action changed.")
            _advise(request, data["action"], data["how_we_will_know"])
            return _back_to_plan(case.pk)
    return render(
        request,
        "cases/plan_action_form.html",
        {"case": case, "barrier": action.barrier, "form": form, "action": action},
    )


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def action_finish(request: HttpRequest, case_id: int, action_id: int) -> HttpResponse:
    action = action_for_page(user=request.user, case_id=case_id, action_id=action_id)
    case = action.case
    form = ActionEndForm(
        request.POST or None, initial={"version": action.version, "ended_on": today()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            action_end(
                acting_user=acting_user(request),
                case_id=case.pk,
                action_id=action.pk,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Action ended.")
            return _back_to_plan(case.pk)
    return render(
        request, "cases/plan_action_end.html", {"case": case, "action": action, "form": form}
    )


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
    page = review_page(user=request.user, case_id=case_id)
    if page is None:
        messages.info(request, "Write the plan's aim first: the attendance target and date.")
        return redirect("cases:plan_new", case_id=case_id)
    data = request.POST if request.method == "POST" else None
    form = ReviewForm(
        data,
        review_every_days=page.plan.review_every_days,
        initial={"version": page.plan.version, "reviewed_on": today()},
    )
    entries = [
        # The prefix carries the action's id, so the form cannot be pointed at
        # another action: the service takes exactly the plan's current ones.
        ProgressEntry(
            number,
            action,
            page.previous_progress.get(action.pk),
            ProgressForm(data, prefix=f"action-{action.pk}", number=number),
        )
        for number, action in enumerate(page.actions, start=1)
    ]
    if data is not None:
        # Validate every form (no short circuit), so every error shows at once.
        review_valid = form.is_valid()
        progress_valid = [entry.form.is_valid() for entry in entries]
        if review_valid and all(progress_valid):
            try:
                review_create(
                    acting_user=acting_user(request),
                    case_id=page.case.pk,
                    version=form.cleaned_data["version"],
                    reviewed_on=form.cleaned_data["reviewed_on"],
                    changes_made=form.cleaned_data["changes_made"],
                    next_review_due=form.cleaned_data["next_review_due"],
                    progress={
                        entry.action.pk: Progress(
                            entry.form.cleaned_data["progress"], entry.form.cleaned_data["note"]
                        )
                        for entry in entries
                    },
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Review recorded.")
                _advise(
                    request,
                    form.cleaned_data["changes_made"],
                    *(entry.form.cleaned_data["note"] for entry in entries),
                )
                return _back_to_plan(page.case.pk)
    return render(
        request,
        "cases/plan_review_form.html",
        {
            "case": page.case,
            "plan": page.plan,
            "page": page,
            "form": form,
            "entries": entries,
            "has_errors": bool(form.errors) or any(e.form.errors for e in entries),
        },
    )


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
