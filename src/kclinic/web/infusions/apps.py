from django.apps import AppConfig


class InfusionsConfig(AppConfig):
    name = "kclinic.web.infusions"
    label = "infusions"
    default_auto_field = "django.db.models.BigAutoField"
