from django.urls import URLPattern, URLResolver, include, path

from . import views

app_name = "notices"

urlpatterns: list[URLPattern | URLResolver] = [
    path("review/", views.review, name="review"),
    path("cases/<int:case_id>/issue/", views.notice_new, name="notice_new"),
    path("<int:notice_id>/outcome/", views.notice_outcome, name="notice_outcome"),
    path("<int:notice_id>/withdraw/", views.notice_withdraw_page, name="notice_withdraw"),
    path("<int:notice_id>/correct/", views.notice_correct_page, name="notice_correct"),
    path("<int:notice_id>/parents-told/", views.parents_told, name="parents_told"),
    path(
        "<int:notice_id>/letter/<int:recipient_id>.pdf",
        views.letter,
        name="letter",
    ),
    # Referrals and the LA's review, built alongside (same "notices" namespace).
    path("", include("notices.urls_referrals")),
    path("", include("notices.urls_penalties")),
    path("", include("notices.urls_holiday")),
]
