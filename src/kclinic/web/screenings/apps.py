from django.apps import AppConfig


class ScreeningsConfig(AppConfig):
    name = "kclinic.web.screenings"
    label = "screenings"
    verbose_name = "Eligibility screenings and consents"
    default_auto_field = "django.db.models.BigAutoField"
