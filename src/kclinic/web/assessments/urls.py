from django.urls import path

from kclinic.web.assessments import views

app_name = "assessments"
base = "patients/<uuid:patient_id>/assessments/"
urlpatterns = [
    path(base, views.assessment_list, name="list"),
    path(f"{base}new/", views.pick, name="pick"),
    path(f"{base}new/<slug:instrument_id>/", views.new, name="new"),
    path(f"{base}new/<slug:instrument_id>/preview/", views.preview, name="preview"),
    path(f"{base}<uuid:assessment_id>/", views.detail, name="detail"),
    path(f"{base}<uuid:assessment_id>/correct/", views.correct, name="correct"),
]
