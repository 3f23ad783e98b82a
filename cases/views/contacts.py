"""Contacts with the family: logging a call, message or home visit, and the
first-day response list of pupils to call today."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from core.dates import today
from core.http import acting_user

from ..forms_contacts import ContactForm
from ..models import Contact
from ..selectors_first_day import ContactSubject, contact_subject, first_day_response
from ..services.contacts import contact_log
from .section import CaseFormPage, FormPage, case_section


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def contact_new(request: HttpRequest, case_id: int) -> HttpResponse:
    subject = contact_subject(user=acting_user(request), case_id=case_id)
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
    pupil_page = reverse("cases:pupil_detail", args=[subject.pupil.pk])
    page: FormPage
    if subject.case is not None:
        # A stale tab or a typed URL: say so before the form is filled in. A case
        # closed while the form was open is refused by the service, with its reason.
        page = CaseFormPage(
            request,
            back_to=case_section(subject.case.pk),
            case=subject.case,
            closed_message="This case is closed, so no more contacts can be logged on it.",
        )
    else:
        page = FormPage(request, back_to=pupil_page)
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

    def save(data: dict[str, Any]) -> HttpResponse:
        contact = contact_log(
            acting_user=page.user,
            pupil_id=subject.pupil.pk,
            case_id=case_id,
            **form.service_arguments(),
        )
        # Back to where the user came from (a fixed list: never an open redirect).
        if data["came_from"] == "first_day":
            to = reverse("cases:first_day")
        elif contact.case_id is not None:
            to = case_section(contact.case_id)
        else:
            to = pupil_page
        return page.saved(f"{_describe(contact)} logged.", texts=form.free_text(), to=to)

    back = form["came_from"].value() or came_from
    return page.handle(
        form,
        save,
        "cases/contact_form.html",
        {"pupil": subject.pupil, "case": subject.case, "back": back},
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
