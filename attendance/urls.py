from django.urls import include, path

from .views import discrepancies, imports, pages

app_name = "attendance"

urlpatterns = [
    path("", include(pages.urlpatterns)),
    path("imports/", include(imports.urlpatterns)),
    path("imports/differences/", include(discrepancies.urlpatterns)),
]
