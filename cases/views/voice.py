"""The pupil's voice: recording and changing Wishes and Feelings on a case."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path
from django.views.decorators.http import require_http_methods

from accounts.models import User
from core.dates import today
from core.http import acting_user
from core.language import language_advice
from core.scoping import get_for_user_or_404

from ..forms_voice import TEXT_FIELDS, VoiceForm
from ..models import AttendanceCase, WishesAndFeelings
from ..services.casework import StaleEdit
from ..services.voice import voice_record, voice_update


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def voice_new(request: HttpRequest, case_id: int) -> HttpResponse:
    user = acting_user(request)
    case = get_for_user_or_404(
        AttendanceCase.objects.for_user(user).select_related("pupil", "school"), user, pk=case_id
    )
    if request.method == "GET" and not case.is_open:
        messages.error(request, "This case is closed, so the pupil's voice cannot be added to it.")
        return redirect("cases:case_detail", case_id=case.pk)
    form = VoiceForm(
        request.POST or None,
        school_id=case.school_id,
        pupil=case.pupil,
        initial={"gathered_on": today(), "gathered_by": user.pk},
    )
    if request.method == "POST" and form.is_valid():
        try:
            voice_record(acting_user=user, case_id=case.pk, **form.service_arguments())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            _saved(request, form, "The pupil's voice is recorded.")
            return redirect("cases:case_detail", case_id=case.pk)
    return render(request, "cases/voice_form.html", {"form": form, "case": case, "voice": None})


@require_http_methods(["GET", "POST"])
@permission_required("cases.change_case", raise_exception=True)
def voice_change(request: HttpRequest, case_id: int, voice_id: int) -> HttpResponse:
    user = acting_user(request)
    voice = _voice(user=user, case_id=case_id, voice_id=voice_id)
    case = voice.case
    if request.method == "GET" and not case.is_open:
        messages.error(request, "This case is closed, so its records cannot be changed.")
        return redirect("cases:case_detail", case_id=case.pk)
    initial = {name: getattr(voice, name) for name in TEXT_FIELDS}
    initial.update(
        version=voice.version, gathered_on=voice.gathered_on, gathered_by=voice.gathered_by_id
    )
    form = VoiceForm(
        request.POST or None, school_id=case.school_id, pupil=case.pupil, initial=initial
    )
    current: WishesAndFeelings | None = None
    if request.method == "POST" and form.is_valid():
        try:
            voice_update(
                acting_user=user,
                voice_id=voice.pk,
                version=form.cleaned_data["version"] or 0,
                **form.service_arguments(),
            )
        except StaleEdit as exc:
            # Keep what the user typed, show the record as it is now beside it,
            # and take the current version: saving again is then a choice made
            # having seen the other person's change.
            current = _voice(user=user, case_id=case_id, voice_id=voice_id)
            data = request.POST.copy()
            data["version"] = str(current.version)
            form = VoiceForm(data, school_id=case.school_id, pupil=case.pupil)
            form.is_valid()
            form.add_error(None, exc)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            _saved(request, form, "The pupil's voice is updated.")
            return redirect("cases:case_detail", case_id=case.pk)
    return render(
        request,
        "cases/voice_form.html",
        {"form": form, "case": case, "voice": voice, "current": current},
    )


def _voice(*, user: User, case_id: int, voice_id: int) -> WishesAndFeelings:
    return get_for_user_or_404(
        WishesAndFeelings.objects.for_user(user).select_related(
            "case__pupil", "case__school", "gathered_by"
        ),
        user,
        pk=voice_id,
        case_id=case_id,
    )


def _saved(request: HttpRequest, form: VoiceForm, message: str) -> None:
    messages.success(request, message)
    advice = language_advice(form.free_text())
    if advice:
        messages.warning(request, advice)


urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/<int:case_id>/voice/new/", voice_new, name="voice_new"),
    path("cases/<int:case_id>/voice/<int:voice_id>/change/", voice_change, name="voice_change"),
]
