"""Sign-in, sign-out and failed sign-in attempts go into the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from kclinic.web.audit.services import Actor, record


def _address(request: HttpRequest | None) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


@receiver(user_logged_in)
def _logged_in(sender: object, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    record(Actor(user, _address(request)), "sign_in")


@receiver(user_logged_out)
def _logged_out(sender: object, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(Actor(user, _address(request)), "sign_out")


@receiver(user_login_failed)
def _failed(
    sender: object, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    record(
        Actor(None, _address(request)),
        "sign_in_failed",
        detail={"username": str(credentials.get("username", ""))[:150]},
    )
