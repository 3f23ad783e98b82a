"""The admin site behind the product's own sign-in and second factor.

The admin has no sign-in form of its own: /admin/login/ sends people to the
service's sign-in page (counted by the same lockout), and the admin opens only
for a session whose second factor has been checked (django-otp's OTPAdminSite).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp.admin import OTPAdminSite


class ProductAdminSite(OTPAdminSite):
    site_header = "Attendance Pathway administration"
    site_title = "Attendance Pathway administration"

    # As the admin's own sign-in view is: it decides itself where to send people.
    @method_decorator(login_not_required)
    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        wanted = request.GET.get("next") or ""
        if not url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
            wanted = reverse("admin:index")
        user: Any = request.user
        if not user.is_authenticated:
            return redirect_to_login(wanted, reverse("login"))
        if not (user.is_active and user.is_staff):
            raise PermissionDenied
        if user.is_verified():
            return redirect(wanted)
        # An administrator whose session needs no code (the demo setting).
        return redirect_to_login(wanted, reverse("two_factor_set_up"))

    def has_permission(self, request: HttpRequest) -> bool:
        if not settings.SECOND_FACTOR_REQUIRED:
            # The local demo only (production refuses the setting).
            return AdminSite.has_permission(self, request)
        return bool(super().has_permission(request))
