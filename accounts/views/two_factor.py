"""The second factor's pages: the code after the password, setting it up,
recovery codes, and turning it off (for those who chose it)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from accounts.forms import SecurityCodeForm, SetUpCodeForm
from accounts.middleware import (
    HAS_SECOND_FACTOR,
    second_factor_not_required,
    second_factor_step,
)
from accounts.services.two_factor import (
    CodeResult,
    check_code,
    has_second_factor,
    new_secret,
    paused_until,
    remove_second_factor,
    renew_recovery_codes,
    second_factor_required,
    set_up_details,
    set_up_second_factor,
)

# The key being set up, until the person types a code their app made from it.
SECRET_SESSION_KEY = "two_factor_secret"  # noqa: S105 (a session key's name, not a secret)
# Recovery codes just made, shown once on the next page and then forgotten.
CODES_SESSION_KEY = "two_factor_recovery_codes"


def _next_url(request: HttpRequest, default: str = "home") -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse(default)


def _address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def _paused(request: HttpRequest, until: Any) -> HttpResponse:
    return render(
        request,
        "accounts/two_factor_paused.html",
        {"paused_until": until, "hide_navigation": True},
        status=429,
    )


@second_factor_not_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    step = second_factor_step(request)
    if step == "set_up":
        return redirect(reverse("two_factor_set_up") + "?" + request.GET.urlencode())
    if step is None:
        return HttpResponseRedirect(_next_url(request))
    user: Any = request.user
    until = paused_until(user)
    if until is not None:
        return _paused(request, until)

    form = SecurityCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = check_code(user=user, code=form.cleaned_data["code"], address=_address(request))
        if result.result == CodeResult.PAUSED:
            return _paused(request, result.paused_until)
        if result.accepted:
            # A new session key for the fully signed-in session.
            request.session.cycle_key()
            otp_login(request, result.device)
            request.session[HAS_SECOND_FACTOR] = True
            if result.result == CodeResult.RECOVERY_CODE:
                left = result.recovery_codes_left or 0
                messages.warning(
                    request,
                    f"You used a recovery code. It will not work again. You have {left} left: "
                    "you can get new ones from your account page.",
                )
            return HttpResponseRedirect(_next_url(request))
        form.add_error("code", "The code is not right. Enter the code your app shows now")
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"form": form, "next": _next_url(request), "hide_navigation": True},
    )


@second_factor_not_required
@require_http_methods(["GET", "POST"])
def two_factor_set_up(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    step = second_factor_step(request)
    if step == "verify":
        # Someone with an app proves it before replacing it.
        return redirect(reverse("two_factor_verify") + "?" + request.GET.urlencode())
    secret = request.session.get(SECRET_SESSION_KEY)
    if not secret:
        secret = request.session[SECRET_SESSION_KEY] = new_secret()

    form = SetUpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = set_up_second_factor(user=user, secret_hex=secret, code=form.cleaned_data["code"])
        if codes is not None:
            device = user.totpdevice_set.get(confirmed=True)
            del request.session[SECRET_SESSION_KEY]
            request.session.cycle_key()
            otp_login(request, device)
            request.session[HAS_SECOND_FACTOR] = True
            request.session[CODES_SESSION_KEY] = codes
            url = reverse("recovery_codes")
            return redirect(f"{url}?next={_next_url(request)}")
        form.add_error(
            "code",
            "The code is not right. Check the app shows Attendance Pathway and enter "
            "the code it shows now",
        )
    return render(
        request,
        "accounts/two_factor_set_up.html",
        {
            "form": form,
            "details": set_up_details(user, secret),
            "required": second_factor_required(user),
            "replacing": has_second_factor(user),
            "next": _next_url(request),
            "hide_navigation": step == "set_up",
        },
    )


@require_http_methods(["GET"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    codes = request.session.pop(CODES_SESSION_KEY, None)
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "next": _next_url(request)},
    )


@require_POST
def recovery_codes_renew(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not has_second_factor(user):
        return redirect("account")
    request.session[CODES_SESSION_KEY] = renew_recovery_codes(user=user)
    return redirect(reverse("recovery_codes") + "?next=" + reverse("account"))


@require_http_methods(["GET", "POST"])
def two_factor_remove(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if second_factor_required(user) or not has_second_factor(user):
        return redirect("account")
    if request.method == "POST":
        remove_second_factor(user=user)
        request.session[HAS_SECOND_FACTOR] = False
        messages.success(request, "Two-factor authentication is off")
        return redirect("account")
    return render(request, "accounts/two_factor_remove.html")
