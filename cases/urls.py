from django.urls import include, path

from .views import (
    access_log,
    cases,
    chronology,
    contacts,
    meetings,
    plans,
    pupils,
    sharing,
    support,
    threshold,
    timetables,
    today,
    voice,
)

app_name = "cases"

urlpatterns = [
    path("pupils/", pupils.pupil_list, name="pupil_list"),
    path("pupils/<int:pupil_id>/", pupils.pupil_detail, name="pupil_detail"),
    path(
        "pupils/<int:pupil_id>/carers/<int:link_id>/correspondence/",
        pupils.carer_correspondence,
        name="carer_correspondence",
    ),
    path("", include(access_log.urlpatterns)),
    path("", include(cases.urlpatterns)),
    path("", include(contacts.urlpatterns)),
    path("", include(meetings.urlpatterns)),
    path("", include(voice.urlpatterns)),
    path("", include(support.urlpatterns)),
    path("", include(plans.urlpatterns)),
    path("", include(timetables.urlpatterns)),
    path("", include(chronology.urlpatterns)),
    path("", include(sharing.urlpatterns)),
    path("", include(today.urlpatterns)),
    path("cases/", include(threshold.urlpatterns)),
]
