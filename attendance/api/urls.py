"""/api/v1/: DRF views only, so that DRF authenticates every route (a token or the
browser's session) and LoginRequiredMiddleware leaves them alone."""

from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "pupils/<str:upn>/attendance/",
        views.PupilAttendanceView.as_view(),
        name="pupil-attendance",
    ),
]
