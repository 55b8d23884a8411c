"""Chair-side pages. Session pages sit under the patient (they show the banner):
patients/<patient_id>/sessions/<session_id>/...; the chair board and the REMS tracker are
clinic-wide. Each part of the workflow keeps its routes in its own module."""

from kclinic.web.infusions import urls_discharge, urls_monitoring, urls_session

app_name = "infusions"
SESSION = "patients/<uuid:patient_id>/sessions/<uuid:session_id>/"
urlpatterns = [
    *urls_session.urlpatterns,
    *urls_monitoring.urlpatterns,
    *urls_discharge.urlpatterns,
]
