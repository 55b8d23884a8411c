"""Link tokens: 256 random bits, shown once; only the SHA-256 digest is stored.

A token that is not of the shape we issue is refused before any database look-up, so a
scanner trying URLs costs nothing and learns nothing; a tampered token simply has no digest
on record.
"""

from __future__ import annotations

import hashlib
import re
import secrets

_SHAPE = re.compile(r"[A-Za-z0-9_-]{40,64}")


def new_token() -> tuple[str, str]:
    """(token, digest)."""
    token = secrets.token_urlsafe(32)
    return token, digest(token)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def well_formed(token: str) -> bool:
    return bool(_SHAPE.fullmatch(token))
