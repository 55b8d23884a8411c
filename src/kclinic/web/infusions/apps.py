from typing import Any

from django.apps import AppConfig
from django.core import checks


class InfusionsConfig(AppConfig):
    name = "kclinic.web.infusions"
    label = "infusions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        checks.register(protocol_file_check)


def protocol_file_check(**kwargs: Any) -> list[checks.CheckMessage]:
    """A protocol file with an unknown key or a value out of range stops `kclinic serve` (and
    every management command) with the message naming it, before a nurse meets it."""
    from kclinic.web.infusions.policies import problems

    return [checks.Error(text, id="kclinic.E001") for text in problems()]
