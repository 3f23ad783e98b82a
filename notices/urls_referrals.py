"""Referral URLs, to be included by `notices/urls.py` (app namespace "notices"):
`path("", include(urls_referrals.urlpatterns))` under the "notices/" prefix."""

from django.urls import path

from . import views_certificate
from . import views_referrals as views

urlpatterns = [
    path("cases/<int:case_id>/refer/", views.referral_submit_page, name="referral_submit"),
    path("referrals/<int:referral_id>/", views.referral_detail, name="referral_detail"),
    path("referrals/<int:referral_id>/return/", views.referral_return_page, name="referral_return"),
    path("referrals/<int:referral_id>/accept/", views.referral_accept_page, name="referral_accept"),
    path("referrals/<int:referral_id>/decide/", views.referral_decide_page, name="referral_decide"),
    path("referrals/<int:referral_id>/bundle/", views.referral_bundle, name="referral_bundle"),
    path(
        "referrals/<int:referral_id>/bundle.pdf",
        views.referral_bundle_pdf,
        name="referral_bundle_pdf",
    ),
    path(
        "decisions/<int:decision_id>/information-laid/",
        views.referral_information_laid,
        name="referral_information_laid",
    ),
    path("inbox/", views.la_inbox, name="inbox"),
    path(
        "referrals/<int:referral_id>/certificate/",
        views_certificate.certificate_page,
        name="referral_certificate",
    ),
    path("figures/", views.referral_figures, name="referral_figures"),
]
