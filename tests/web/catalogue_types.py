"""The shape of a URL-catalogue row, apart from url_catalogue.py so that the per-app
catalogue modules it merges can import it without importing it back (a cycle that would
leave them half-initialised when a test imports them first)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Kwargs = Callable[[Any], dict[str, object]]
