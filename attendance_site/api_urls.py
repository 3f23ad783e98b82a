"""/api/: version 1 of the JSON API and its OpenAPI schema."""

from django.urls import include, path

urlpatterns = [
    path("v1/", include("attendance.api.urls")),
]
