from django.urls import path

from kclinic.web.screenings import views, views_consents

app_name = "screenings"
urlpatterns = [
    path("patients/<uuid:patient_id>/screenings/", views.screening_list, name="list"),
    path("patients/<uuid:patient_id>/screenings/new/", views.new_screening, name="new"),
    path(
        "patients/<uuid:patient_id>/screenings/<uuid:screening_id>/",
        views.screening_detail,
        name="detail",
    ),
    path(
        "patients/<uuid:patient_id>/screenings/consents/",
        views_consents.consent_list,
        name="consents",
    ),
    path(
        "patients/<uuid:patient_id>/screenings/consents/<uuid:consent_id>/withdraw/",
        views_consents.withdraw,
        name="withdraw",
    ),
    path(
        "consent-documents/<uuid:document_id>/",
        views_consents.document,
        name="document",
    ),
]
