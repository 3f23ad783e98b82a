"""The admin site behind the product's own sign-in and second factor.

The admin has no sign-in form of its own: /admin/login/ sends people to the
service's sign-in page (counted by the same lockout), and the admin opens only
for a session whose second factor has been checked (django-otp's OTPAdminSite).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django_otp.admin import OTPAdminSite


class ProductAdminSite(OTPAdminSite):
    site_header = "Attendance Pathway administration"
    site_title = "Attendance Pathway administration"

    # As the admin's own sign-in view is: it decides itself where to send people.
    @method_decorator(login_not_required)
    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        wanted = request.GET.get("next") or reverse("admin:index")
        user: Any = request.user
        if not user.is_authenticated:
            return redirect_to_login(wanted, reverse("login"))
        if not user.is_verified():
            # Only reached with a session that needs no code but lacks the
            # admin's (an administrator is always asked: SecondFactorMiddleware).
            return redirect_to_login(wanted, reverse("two_factor_set_up"))
        # Signed in and verified but not an administrator.
        raise PermissionDenied
