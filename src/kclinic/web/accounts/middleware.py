"""Idle logout and the per-site second-factor requirement, both enforced on the server."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

LAST_SEEN = "kclinic_last_seen"
# Paths that must work without a verified second factor or a fresh session.
# /r/: patient self-report links (no staff account; the token is the credential).
_OPEN_PREFIXES = ("/accounts/", "/static/", "/api/", "/healthz", "/r/")


class IdleTimeoutMiddleware:
    """Sign out a session idle for longer than KCLINIC_IDLE_TIMEOUT_MINUTES."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            last = request.session.get(LAST_SEEN, now)
            if now - last > settings.KCLINIC_IDLE_TIMEOUT_MINUTES * 60:
                logout(request)
                messages.info(request, "You were signed out after a period of inactivity.")
                return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")
            request.session[LAST_SEEN] = now
        return self.get_response(request)


class RequireSecondFactorMiddleware:
    """Staff of a site that requires a second factor must verify a TOTP code each sign-in."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(_OPEN_PREFIXES)
            # django-otp's middleware adds is_verified() to the user.
            and not user.is_verified()  # type: ignore[attr-defined]
            and user.sites.filter(require_second_factor=True).exists()
        ):
            return redirect(f"{reverse('accounts:verify')}?next={request.path}")
        return self.get_response(request)
