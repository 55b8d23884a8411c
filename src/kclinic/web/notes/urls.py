from django.urls import path

from kclinic.web.notes import views

app_name = "notes"
_note = "patients/<uuid:patient_id>/notes/<uuid:note_id>/"
urlpatterns = [
    path("patients/<uuid:patient_id>/notes/", views.note_list, name="list"),
    path("patients/<uuid:patient_id>/notes/new/", views.note_new, name="new"),
    path(_note, views.note_detail, name="detail"),
    path(f"{_note}edit/", views.note_edit, name="edit"),
    path(f"{_note}sign/", views.note_sign, name="sign"),
    path(f"{_note}addendum/", views.addendum_new, name="addendum"),
    path(f"{_note}entered-in-error/", views.note_discard, name="discard"),
]
