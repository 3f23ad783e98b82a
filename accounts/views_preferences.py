"""The user's own email settings page: the morning digest on or off."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.http import acting_user

from .services.preferences import digest_preference_set


class DigestForm(forms.Form):
    morning_digest = forms.TypedChoiceField(
        label="Send me a morning email of what needs doing",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )


@require_http_methods(["GET", "POST"])
def email_settings(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    form = DigestForm(
        request.POST or None, initial={"morning_digest": "yes" if user.morning_digest else "no"}
    )
    if request.method == "POST" and form.is_valid():
        digest_preference_set(acting_user=user, morning_digest=form.cleaned_data["morning_digest"])
        messages.success(request, "Your email settings are saved.")
        return redirect("email_settings")
    return render(request, "accounts/email_settings.html", {"form": form})
