"""The clinic's protocol overrides for chair-side sessions, read from the JSON file named by
KCLINIC_PROTOCOL_FILE (docs/configuration.md).

The file holds one object per section; each domain module turns its section into its policy
(e.g. `vital_signs` -> kclinic.domain.monitoring.VitalSignPolicy) and refuses unknown keys or
out-of-range values with a ValidationError naming them. Without a file every section is empty
and the cited defaults apply.

    {"source": "Riverside protocol v3, 2026-05",
     "vital_signs": {"predose_warn_bp": [150, 95]},
     "discharge": {"min_aldrete": 9}}
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

from kclinic.domain.errors import ConfigurationError

SECTIONS = ("vital_signs", "discharge", "prechecks", "dosing", "safety_followup")


@cache
def _document(path: str) -> dict[str, Any]:
    if not path:
        return {}
    try:
        loaded = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigurationError(f"KCLINIC_PROTOCOL_FILE {path}: {error}") from error
    if not isinstance(loaded, dict):
        raise ConfigurationError(f"KCLINIC_PROTOCOL_FILE {path}: expected a JSON object")
    unknown = set(loaded) - set(SECTIONS) - {"source"}
    if unknown:
        raise ConfigurationError(
            f"KCLINIC_PROTOCOL_FILE {path}: unknown sections {sorted(unknown)}; "
            f"allowed: source, {', '.join(SECTIONS)}"
        )
    return loaded


def section(name: str) -> dict[str, Any]:
    """The overrides of one section (empty when the clinic has none)."""
    if name not in SECTIONS:
        raise ValueError(f"unknown protocol section {name!r}")
    value = _document(settings.KCLINIC_PROTOCOL_FILE).get(name, {})
    if not isinstance(value, dict):
        raise ConfigurationError(f"KCLINIC_PROTOCOL_FILE: section {name!r} must be an object")
    return value


def source() -> str:
    """How the clinic names its protocol ("" for the cited defaults)."""
    return str(_document(settings.KCLINIC_PROTOCOL_FILE).get("source", ""))
