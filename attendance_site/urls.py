from django.contrib import admin
from django.urls import include, path

from core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("", include("accounts.urls")),
    path("", include("cases.urls")),
    path("attendance/", include("attendance.urls")),
    path("notices/", include("notices.urls")),
    path("", include("documents.urls")),
    path("", include("records.urls")),
    path("api/", include("attendance_site.api_urls")),
    path("admin/", admin.site.urls),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
