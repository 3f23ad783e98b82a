"""The pupil's voice: recording and changing Wishes and Feelings on a case."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path
from django.views.decorators.http import require_http_methods

from accounts.models import User
from core.dates import today
from core.scoping import get_for_user_or_404

from ..forms_voice import TEXT_FIELDS, VoiceForm
from ..models import WishesAndFeelings
from ..services.casework import StaleEdit
from ..services.voice import voice_record, voice_update
from .section import CaseFormPage

TEMPLATE = "cases/voice_form.html"


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def voice_new(request: HttpRequest, case_id: int) -> HttpResponse:
    page = CaseFormPage.open(
        request,
        case_id,
        closed_message="This case is closed, so the pupil's voice cannot be added to it.",
    )
    form = VoiceForm(
        request.POST or None,
        school_id=page.case.school_id,
        pupil=page.case.pupil,
        initial={"gathered_on": today(), "gathered_by": page.user.pk},
    )

    def save(data: dict[str, Any]) -> HttpResponse:
        voice_record(acting_user=page.user, case_id=case_id, **form.service_arguments())
        return page.saved("The pupil's voice is recorded.", texts=form.free_text())

    return page.handle(form, save, TEMPLATE, {"voice": None})


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def voice_change(request: HttpRequest, case_id: int, voice_id: int) -> HttpResponse:
    page = CaseFormPage.open(
        request, case_id, closed_message="This case is closed, so its records cannot be changed."
    )
    case = page.case
    voice = _voice(user=page.user, case_id=case_id, voice_id=voice_id)
    initial = {name: getattr(voice, name) for name in TEXT_FIELDS}
    initial.update(
        version=voice.version, gathered_on=voice.gathered_on, gathered_by=voice.gathered_by_id
    )
    form = VoiceForm(
        request.POST or None, school_id=case.school_id, pupil=case.pupil, initial=initial
    )

    def save(data: dict[str, Any]) -> HttpResponse:
        try:
            voice_update(
                acting_user=page.user,
                voice_id=voice.pk,
                version=data["version"] or 0,
                **form.service_arguments(),
            )
        except StaleEdit as exc:
            # Keep what the user typed, show the record as it is now beside it,
            # and take the current version: saving again is then a choice made
            # having seen the other person's change.
            current = _voice(user=page.user, case_id=case_id, voice_id=voice_id)
            typed = request.POST.copy()
            typed["version"] = str(current.version)
            again = VoiceForm(typed, school_id=case.school_id, pupil=case.pupil)
            again.is_valid()
            again.add_error(None, exc)
            return page.render(TEMPLATE, again, {"voice": voice, "current": current})
        return page.saved("The pupil's voice is updated.", texts=form.free_text())

    return page.handle(form, save, TEMPLATE, {"voice": voice, "current": None})


def _voice(*, user: User, case_id: int, voice_id: int) -> WishesAndFeelings:
    return get_for_user_or_404(
        WishesAndFeelings.objects.for_user(user).select_related(
            "case__pupil", "case__school", "gathered_by"
        ),
        user,
        pk=voice_id,
        case_id=case_id,
    )


urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/<int:case_id>/voice/new/", voice_new, name="voice_new"),
    path("cases/<int:case_id>/voice/<int:voice_id>/change/", voice_change, name="voice_change"),
]
