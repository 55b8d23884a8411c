"""Recovery, discharge, session record and REMS pages (part C of the chair-side workflow)."""

from django.urls import URLPattern, path

from kclinic.web.infusions import views_discharge as views

SESSION = "patients/<uuid:patient_id>/sessions/<uuid:session_id>/"

urlpatterns: list[URLPattern] = [
    path(SESSION + "discharge/", views.discharge, name="discharge"),
    path(SESSION + "instructions/", views.instructions, name="instructions"),
    path(SESSION + "record/", views.record_page, name="record"),
    path(SESSION + "record.pdf", views.record_pdf, name="record_pdf"),
    path(SESSION + "rems/", views.rems_page, name="rems"),
    path(SESSION + "rems.pdf", views.rems_pdf_view, name="rems_pdf"),
    path("rems/due/", views.rems_tracker, name="rems_tracker"),
]
