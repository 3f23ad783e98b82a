"""Contacts with the family: logging a call, message or home visit, and the
first-day response list of pupils to call today."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from core.dates import today
from core.http import acting_user
from core.language import language_advice

from ..forms_contacts import ContactForm
from ..models import Contact
from ..selectors_first_day import ContactSubject, contact_subject, first_day_response
from ..services.contacts import contact_log


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def contact_new(request: HttpRequest, case_id: int) -> HttpResponse:
    subject = contact_subject(user=acting_user(request), case_id=case_id)
    # A stale tab or a typed URL: say so before the form is filled in. A case
    # closed while the form was open is refused by the service, with its reason.
    if request.method == "GET" and subject.case is not None and not subject.case.is_open:
        messages.error(request, "This case is closed, so no more contacts can be logged on it.")
        return redirect("cases:case_detail", case_id=case_id)
    return _contact_form(request, subject, case_id=case_id, came_from="case")


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def pupil_contact_new(request: HttpRequest, pupil_id: int) -> HttpResponse:
    """From the first-day list or the pupil: joins the open case if there is one."""
    subject = contact_subject(user=acting_user(request), pupil_id=pupil_id)
    came_from = "first_day" if request.GET.get("from") == "first_day" else "pupil"
    return _contact_form(request, subject, case_id=None, came_from=came_from)


def _contact_form(
    request: HttpRequest, subject: ContactSubject, *, case_id: int | None, came_from: str
) -> HttpResponse:
    user = acting_user(request)
    form = ContactForm(
        request.POST or None,
        carers=subject.carers,
        initial={
            "came_from": came_from,
            "occurred_on": today(),
            "occurred_time": timezone.localtime().strftime("%H:%M"),
            "absence_date": _date_or_none(request.GET.get("absence_date", "")),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            contact = contact_log(
                acting_user=user,
                pupil_id=subject.pupil.pk,
                case_id=case_id,
                **form.service_arguments(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{_describe(contact)} logged.")
            advice = language_advice(form.free_text())
            if advice:
                messages.warning(request, advice)
            # Back to where the user came from (a fixed list: never an open redirect).
            if form.cleaned_data["came_from"] == "first_day":
                return redirect("cases:first_day")
            if contact.case_id is not None:
                return redirect("cases:case_detail", case_id=contact.case_id)
            return redirect("cases:pupil_detail", pupil_id=subject.pupil.pk)
    back = form["came_from"].value() or came_from
    return render(
        request,
        "cases/contact_form.html",
        {"form": form, "pupil": subject.pupil, "case": subject.case, "back": back},
    )


def _date_or_none(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _describe(contact: Contact) -> str:
    who = str(contact.carer.carer) if contact.carer is not None else contact.other_person
    return f"{contact.get_method_display()} with {who}"


@require_GET
@permission_required("cases.view_pupil", raise_exception=True)
def first_day(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    try:
        listing = first_day_response(
            user=user, include_unmarked=request.GET.get("include_unmarked") == "1"
        )
    except PermissionDenied as exc:
        # Said plainly on the page, instead of the general "no permission" page.
        return render(request, "cases/first_day.html", {"refused": str(exc)}, status=403)
    return render(
        request,
        "cases/first_day.html",
        {"listing": listing, "can_change": user.has_perm("cases.change_case")},
    )


urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/<int:case_id>/contacts/new/", contact_new, name="contact_new"),
    path("pupils/<int:pupil_id>/contacts/new/", pupil_contact_new, name="pupil_contact_new"),
    path("first-day/", first_day, name="first_day"),
]
