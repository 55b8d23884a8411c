"""Session pages before the drug (part A): today's list, the session hub, check-in, the
pre-infusion checklist, the dose order, the double check and cancel."""

from django.urls import URLPattern, path

from kclinic.web.infusions import views_session as views

# The same prefix as infusions/urls.py (not imported from there: it imports this module).
SESSION = "patients/<uuid:patient_id>/sessions/<uuid:session_id>/"

urlpatterns: list[URLPattern] = [
    path("sessions/today/", views.today, name="today"),
    path(SESSION, views.session_hub, name="session"),
    path(SESSION + "check-in/", views.check_in, name="checkin"),
    path(SESSION + "prechecks/", views.prechecks, name="prechecks"),
    path(SESSION + "order/", views.order, name="order"),
    path(SESSION + "check/", views.check, name="check"),
    path(SESSION + "cancel/", views.cancel, name="cancel"),
]
