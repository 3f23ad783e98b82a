"""Holiday penalty-notice request URLs, included by `notices/urls.py` (app
namespace "notices") under the "notices/" prefix."""

from django.urls import URLPattern, path

from . import views_holiday as views

urlpatterns: list[URLPattern] = [
    path("holiday-requests/", views.holiday_list, name="holiday_list"),
    path(
        "pupils/<int:pupil_id>/holiday-request/",
        views.holiday_request_new,
        name="holiday_request_new",
    ),
    path("holiday-requests/<int:request_id>/", views.holiday_detail, name="holiday_detail"),
    path(
        "holiday-requests/<int:request_id>/correct/",
        views.holiday_request_correct,
        name="holiday_correct",
    ),
    path("holiday-requests/<int:request_id>/return/", views.holiday_return, name="holiday_return"),
    path("holiday-requests/<int:request_id>/accept/", views.holiday_accept, name="holiday_accept"),
    path(
        "holiday-requests/<int:request_id>/decline/",
        views.holiday_decline,
        name="holiday_decline",
    ),
    path("holiday-requests/<int:request_id>/issue/", views.holiday_issue, name="holiday_issue"),
]
