from django.urls import path

from kclinic.web.courses import views

app_name = "courses"
COURSE = "patients/<uuid:patient_id>/courses/<uuid:course_id>/"
SESSION = COURSE + "sessions/<uuid:session_id>/"
urlpatterns = [
    path("patients/<uuid:patient_id>/courses/", views.course_list, name="list"),
    path("patients/<uuid:patient_id>/courses/new/", views.course_new, name="new"),
    path(COURSE, views.course_detail, name="detail"),
    path(COURSE + "plan/", views.plan, name="plan"),
    path(COURSE + "phase/", views.phase, name="phase"),
    path(COURSE + "sessions/new/", views.add_session, name="add_session"),
    path(SESSION + "reschedule/", views.reschedule, name="reschedule"),
    path(SESSION + "cancel/", views.cancel, name="cancel"),
    path(SESSION + "complete/", views.complete, name="complete"),
]
