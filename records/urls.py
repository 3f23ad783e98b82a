from django.urls import path

from .views import subject_access

app_name = "records"
urlpatterns = [
    path("pupils/<int:pupil_id>/subject-access/", subject_access, name="subject_access"),
]
