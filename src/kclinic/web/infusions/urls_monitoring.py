"""The live monitoring page of a session and the clinic's chair board (part B of the
chair-side workflow)."""

from django.urls import URLPattern, path

from kclinic.web.infusions import views_monitoring as views

SESSION = "patients/<uuid:patient_id>/sessions/<uuid:session_id>/"

urlpatterns: list[URLPattern] = [
    path(SESSION + "monitor/", views.monitor, name="monitor"),
    path("chairs/", views.board, name="board"),
]
