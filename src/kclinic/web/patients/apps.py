from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "kclinic.web.patients"
    label = "patients"
    default_auto_field = "django.db.models.BigAutoField"
