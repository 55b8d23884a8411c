from django.urls import path

from kclinic.web.reports import views

app_name = "reports"
patient = "patients/<uuid:patient_id>/outcomes/"
urlpatterns = [
    path("reports/dashboard/", views.dashboard, name="dashboard"),
    path("reports/dashboard.csv", views.dashboard_csv, name="dashboard_csv"),
    path("reports/research-export/", views.research_export, name="research_export"),
    path("reports/research-export.csv", views.research_export_csv, name="research_export_csv"),
    path(
        "reports/research-export.parquet",
        views.research_export_parquet,
        name="research_export_parquet",
    ),
    path("info/ketamine-and-the-alternatives/", views.alternatives, name="alternatives"),
    path(patient, views.patient_outcomes_page, name="patient_outcomes"),
    path(f"{patient}letter.pdf", views.summary_letter_pdf, name="summary_letter"),
]
