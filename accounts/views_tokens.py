"""A user's own API tokens: the list, making one (its key shown once) and revoking one."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core.http import acting_user
from core.once import act_once

from .models import ApiToken
from .services.tokens import api_token_create, api_token_revoke

# The new key rides in the session from the post to the page that shows it,
# and is removed from the session as it is shown.
NEW_KEY = "accounts.new_api_token"


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="What is the token for?",
        help_text="For example, the name of the system that will use it.",
        max_length=100,
        error_messages={
            "required": "Enter what the token is for",
            "max_length": "What the token is for must be 100 characters or fewer",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def make() -> HttpResponse:
            token, key = api_token_create(
                user=user, name=form.cleaned_data["name"], acting_user=user
            )
            request.session[NEW_KEY] = {"id": token.pk, "key": key}
            return redirect("api_tokens")

        return act_once(request, make)
    new = request.session.pop(NEW_KEY, None)
    return render(
        request,
        "accounts/api_tokens.html",
        {
            "form": form,
            "tokens": ApiToken.objects.filter(user=user).select_related("revoked_by"),
            "new": new,
            "lifetime_days": settings.API_TOKEN_LIFETIME_DAYS,
        },
    )


@login_required
@require_POST
def api_token_revoke_page(request: HttpRequest, token_id: int) -> HttpResponse:
    user = acting_user(request)
    # Only the user's own tokens are found here; an administrator revokes
    # others' tokens in the admin.
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise Http404("No such token.")

    def revoke() -> HttpResponse:
        api_token_revoke(token=token, acting_user=user)
        messages.success(request, f"The token “{token.name}” is revoked: it no longer works.")
        return redirect("api_tokens")

    return act_once(request, revoke)
