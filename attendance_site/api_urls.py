"""/api/: version 1 of the JSON API and its OpenAPI schema."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny

urlpatterns = [
    path("v1/", include("attendance.api.urls")),
    path("v1/", include("pathway.api_urls")),
    # Public, and ignoring any credentials sent: the schema describes the API's
    # shapes and holds no data, and other systems' developers need it before they
    # have a token (ADR 0003). Like every DRF view it is exempt from
    # LoginRequiredMiddleware.
    path(
        "schema/",
        SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[AllowAny]),
        name="api-schema",
    ),
]
