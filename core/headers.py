"""Response headers for a service holding children's safeguarding records.

- `Cache-Control: no-store` on every response the application makes (pages,
  PDFs, the API, sign-in): school computers are shared, and a back button or a
  proxy must never show one person's pupils to the next. Static assets are
  served before this middleware runs (WhiteNoise), so they stay cacheable.
- `Permissions-Policy` turns off browser features the service never uses.

The Content-Security-Policy comes from django-csp (settings.CONTENT_SECURITY_POLICY).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
        "interest-cohort",
    )
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Replaces any weaker caching a view asked for: nothing here may be stored.
        if "Cache-Control" in response:
            del response["Cache-Control"]
        patch_cache_control(response, no_store=True, private=True)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
