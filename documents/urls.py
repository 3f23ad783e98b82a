from django.urls import URLPattern, URLResolver, path

from . import views, views_batch

app_name = "documents"

urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/<int:case_id>/documents/", views.documents, name="case_documents"),
    path("cases/<int:case_id>/documents/make/", views.make, name="make"),
    path("documents/<int:document_id>.pdf", views.download, name="download"),
    path("documents/<int:document_id>/translation.pdf", views.translation, name="translation"),
    path(
        "documents/<int:document_id>/translation/",
        views.translation_new,
        name="translation_new",
    ),
    path(
        "documents/notices/<int:notice_id>/letter/<int:recipient_id>.pdf",
        views.notice_letter,
        name="notice_letter",
    ),
    path("school/details/", views.school_details, name="school_details"),
    path("documents/wording/", views.wordings, name="wordings"),
    path("documents/wording/<str:kind>/<str:key>/", views.wording_edit, name="wording_edit"),
    path("documents/half-term/", views_batch.half_term_batches, name="half_term_batches"),
    path("documents/half-term/new/", views_batch.half_term_new, name="half_term_new"),
    path(
        "documents/half-term/<int:batch_id>/", views_batch.half_term_batch, name="half_term_batch"
    ),
    path(
        "documents/half-term/<int:batch_id>/letters.zip",
        views_batch.half_term_zip,
        name="half_term_zip",
    ),
    path(
        "documents/half-term/<int:batch_id>/letters.pdf",
        views_batch.half_term_pdf,
        name="half_term_pdf",
    ),
    path(
        "documents/half-term/<int:batch_id>/texts.csv",
        views_batch.half_term_texts,
        name="half_term_texts",
    ),
]
