from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import include, path

from kclinic.web.api import api


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("", lambda request: redirect("patients:list"), name="home"),
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("kclinic.web.accounts.urls")),
    path("patients/", include("kclinic.web.patients.urls")),
    path("", include("kclinic.web.tasks.urls")),
    path("audit/", include("kclinic.web.audit.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("kclinic.web.notes.urls")),
    path("", include("kclinic.web.assessments.urls")),
    path("", include("kclinic.web.screenings.urls")),
    path("", include("kclinic.web.courses.urls")),
    path("", include("kclinic.web.inventory.urls")),
    path("", include("kclinic.web.infusions.urls")),
    path("", include("kclinic.web.portal.urls")),
    path("", include("kclinic.web.reports.urls")),
    # pages: one line each
]
