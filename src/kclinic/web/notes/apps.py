from django.apps import AppConfig


class NotesConfig(AppConfig):
    name = "kclinic.web.notes"
    label = "notes"
    verbose_name = "Clinical notes"
    default_auto_field = "django.db.models.BigAutoField"
