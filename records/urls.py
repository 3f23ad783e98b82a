from django.urls import path

from .views import subject_access
from .views_retention import retention, retention_decide

app_name = "records"
urlpatterns = [
    path("pupils/<int:pupil_id>/subject-access/", subject_access, name="subject_access"),
    path("records/retention/", retention, name="retention"),
    path("records/retention/<int:review_id>/", retention_decide, name="retention_decide"),
]
