from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kclinic.web.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kclinic.web.accounts import signals  # noqa: F401  (connects the receivers)
