from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.pupil_list, name="pupil_list"),
    path("<int:pupil_id>/", views.pupil_detail, name="pupil_detail"),
    path(
        "<int:pupil_id>/carers/<int:link_id>/correspondence/",
        views.carer_correspondence,
        name="carer_correspondence",
    ),
]
