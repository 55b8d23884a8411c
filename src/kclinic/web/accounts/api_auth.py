"""API authentication: bearer tokens for integrations, the session for the browser."""

from __future__ import annotations

import hashlib
import secrets

from django.http import HttpRequest
from ninja.security import HttpBearer

from kclinic.web.accounts.models import ApiToken, User


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, name: str) -> str:
    """Create a token for `user` and return it; it is shown once and never stored in clear."""
    token = "kc_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, digest=digest(token))
    return token


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found = (
            ApiToken.objects.select_related("user")
            .filter(digest=digest(token), revoked_at=None, user__is_active=True)
            .first()
        )
        if found is None:
            return None
        request.user = found.user
        return found.user
