"""One way to write a form page about a record of a case.

The create, change and cancel pages of every case-file section (and the notice
pages) take the same steps: find the case, show a form, call one service, show
its refusal, go back to the case's section. `CaseFormPage` takes them; the view
keeps what is its own: which form, which service call, which words.

    @require_http_methods(["GET", "POST"])
    @permission_required("cases.change_case", raise_exception=True)
    def barrier_new(request, case_id):
        page = CaseFormPage.open(request, case_id, section="support")
        form = BarrierForm(request.POST or None)

        def save(data):
            barrier = barrier_create(acting_user=page.user, case_id=case_id, ...)
            return page.saved(f"Barrier added: {barrier.get_kind_display()}.")

        return page.handle(form, save, "cases/barrier_form.html", {"barrier": None})

What the user sees:
- a case outside their scope is a 404, exactly as one that does not exist;
  read-only staff get 403;
- opening the form (GET) of a closed case goes back to the case page, saying why;
- a valid POST calls `save`, once: the same post again within ten minutes
  (a double click, a resend) goes where the first went (core/once.py).
  A refusal (ValidationError) is shown on the form,
  beside the field it names, and what was typed is kept. That includes a case
  closed, or a record changed by someone else, after the form was opened: the
  service refuses, and nothing typed is lost;
- once saved: back to the case's section, with a message (and a word about
  broad terms in what was written, rule A6).

`FormPage` is the same without a case to check: the LA's referral and penalty
pages (their decisions outlive the school's case), a timetable or a contact
kept outside any case.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.models import User
from core.http import acting_user
from core.language import language_advice
from core.once import act_once

from ..models import AttendanceCase
from ..services.casework import CaseClosed, case_for_page, refuse_if_closed

Save = Callable[[dict[str, Any]], HttpResponse]


def case_section(case_id: int, section: str = "") -> str:
    """The case page, at one of its sections (`#support`, `#meeting-2`…)."""
    url = reverse("cases:case_detail", args=[case_id])
    return f"{url}#{section}" if section else url


@dataclass
class FormPage:
    """A form page whose saving is one service call (see the module's docstring).
    The LA's pages use it as it is: their decisions outlive the school's case."""

    request: HttpRequest
    back_to: str  # where a saved change goes: the case's section, the referral…

    @property
    def user(self) -> User:
        return acting_user(self.request)

    def handle(
        self,
        form: forms.Form,
        save: Save,
        template: str,
        context: Mapping[str, Any] | None = None,
        *,
        status_if_invalid: int = 200,
    ) -> HttpResponse:
        """The whole request. GET: the form, unless the page cannot be used now.
        POST: `save`'s response, or the form again with its errors or the refusal."""
        if self.request.method == "POST":
            if not form.is_valid():
                return self.render(template, form, context, status=status_if_invalid)

            def act() -> HttpResponse:
                try:
                    return save(form.cleaned_data)
                except ValidationError as exc:
                    _show_on_form(form, exc)
                return self.render(template, form, context, status=status_if_invalid)

            # The same post twice (a double click, a resend) saves once.
            return act_once(self.request, act)
        refusal = self.refusal_on_opening()
        if refusal is not None:
            return refusal
        return self.render(template, form, context)

    def refusal_on_opening(self) -> HttpResponse | None:
        """Why the page cannot be used now, as a response; None when it can."""
        return None

    def render(
        self,
        template: str,
        form: forms.Form,
        context: Mapping[str, Any] | None = None,
        *,
        status: int = 200,
    ) -> HttpResponse:
        """The form page; `context` adds to (or replaces) what the page puts in."""
        return render(
            self.request, template, {**self.page_context(form), **(context or {})}, status=status
        )

    def page_context(self, form: forms.Form) -> dict[str, Any]:
        return {"form": form}

    def saved(
        self,
        message: str,
        *,
        texts: Iterable[str | None] = (),
        warnings: Iterable[str] = (),
        to: str = "",
    ) -> HttpResponse:
        """Back to `back_to` (or `to`) with `message`, then any `warnings`, then a
        word about broad terms used in `texts`, which are saved as written (rule A6)."""
        messages.success(self.request, message)
        for warning in warnings:
            messages.warning(self.request, warning)
        advice = language_advice(texts)
        if advice:
            messages.warning(self.request, advice)
        return redirect(to or self.back_to)

    def refuse(self, reason: str | ValidationError, *, to: str = "") -> HttpResponse:
        """Back to `back_to` (or `to`), saying why this page cannot be used now
        (a cancelled meeting, a notice already running)."""
        text = reason if isinstance(reason, str) else " ".join(reason.messages)
        messages.error(self.request, text)
        return redirect(to or self.back_to)


@dataclass
class CaseFormPage(FormPage):
    """A form page about a record of a case the user may change."""

    case: AttendanceCase
    closed_message: str = ""  # the page's own words for a closed case; else the service's

    @classmethod
    def open(
        cls, request: HttpRequest, case_id: int, *, section: str = "", closed_message: str = ""
    ) -> CaseFormPage:
        """404 outside the user's scope, 403 if they may see the case but not change it."""
        case = case_for_page(acting_user=acting_user(request), case_id=case_id)
        return cls(
            request,
            back_to=case_section(case.pk, section),
            case=case,
            closed_message=closed_message,
        )

    def refusal_on_opening(self) -> HttpResponse | None:
        """A closed case: back to the case page, saying why. (A POST is refused by
        the service, on the form, so that nothing typed is lost.)"""
        try:
            refuse_if_closed(self.case)
        except CaseClosed as exc:
            return self.refuse(self.closed_message or exc, to=case_section(self.case.pk))
        return None

    def page_context(self, form: forms.Form) -> dict[str, Any]:
        return {"case": self.case, "form": form}


def _show_on_form(form: forms.Form, exc: ValidationError) -> None:
    """A service's refusal on the form, beside the field it names when the form
    has that field (so the error summary links to it), otherwise above the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)
