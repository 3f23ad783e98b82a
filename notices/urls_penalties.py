"""Penalty notice URLs, included by `notices/urls.py` (app namespace "notices")
under the "notices/" prefix."""

from django.urls import URLPattern, path

from . import views_penalties as views

urlpatterns: list[URLPattern] = [
    path("penalty-notices/", views.la_penalty_notices, name="la_penalty_notices"),
    path("cases/<int:case_id>/penalty-notices/", views.penalty_notices, name="penalty_notices"),
    path("penalty-notices/<int:notice_id>/payment/", views.penalty_payment, name="penalty_payment"),
    path(
        "penalty-notices/<int:notice_id>/withdraw/",
        views.penalty_withdraw,
        name="penalty_withdraw",
    ),
    path(
        "penalty-notices/<int:notice_id>/prosecute/",
        views.penalty_prosecute,
        name="penalty_prosecute",
    ),
    path(
        "penalty-notices/<int:notice_id>/information-laid/",
        views.penalty_information_laid,
        name="penalty_information_laid",
    ),
]
