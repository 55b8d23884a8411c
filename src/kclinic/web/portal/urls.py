from django.urls import path

from kclinic.web.portal import views_patient, views_staff

app_name = "portal"
urlpatterns = [
    # Staff
    path("self-report/due/", views_staff.due_list, name="due"),
    path(
        "patients/<uuid:patient_id>/self-report/",
        views_staff.patient_self_report,
        name="patient",
    ),
    path(
        "patients/<uuid:patient_id>/self-report/<uuid:link_id>/revoke/",
        views_staff.revoke,
        name="revoke",
    ),
    # The patient (no account: the token is the credential; see accounts.middleware)
    path("r/<str:token>/", views_patient.respond, name="respond"),
    path("r/<str:token>/<slug:section>/", views_patient.section, name="section"),
]
