from django.urls import path

from kclinic.web.tasks import views

app_name = "tasks"
urlpatterns = [
    path("tasks/", views.clinic_tasks, name="list"),
    path("patients/<uuid:patient_id>/tasks/", views.patient_tasks, name="patient"),
    path("patients/<uuid:patient_id>/tasks/<uuid:task_id>/resolve/", views.resolve, name="resolve"),
]
