"""Permission-matrix rows for the discharge pages and API (added by permission_matrix.py)."""

from __future__ import annotations

from tests.web.matrix_types import Endpoint


def endpoints() -> list[Endpoint]:
    return []
