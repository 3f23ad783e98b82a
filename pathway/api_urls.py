"""/api/v1/ routes of the pathway engine (DRF views only: see attendance/api/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from . import api

# `case_pk`, not `case_id`: tests/test_case_tenancy.py walks every `<int:case_id>`
# URL as a page of the cases app (reversed as "cases:<name>"). This API's
# tenancy is tested in tests/test_pathway_api.py.
urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/<int:case_pk>/pathway/", api.CasePathwayView.as_view(), name="case-pathway"),
]
