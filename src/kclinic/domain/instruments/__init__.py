"""The instrument registry: validated scales by id.

`get("phq9").score([...])` scores a form; `all_instruments()` lists them in a stable order.
Each scale lives in its own module as data plus a scoring function (see `base`).
"""

from __future__ import annotations

from kclinic.domain.errors import UnknownNameError
from kclinic.domain.instruments.base import Instrument, ScoreResult
from kclinic.domain.instruments.phq9 import PHQ9

_ORDER: tuple[Instrument, ...] = (PHQ9,)
REGISTRY: dict[str, Instrument] = {instrument.id: instrument for instrument in _ORDER}


def get(instrument_id: str) -> Instrument:
    """The instrument with this id, or UnknownNameError listing the ids that exist."""
    try:
        return REGISTRY[instrument_id]
    except KeyError:
        raise UnknownNameError("instrument", instrument_id, REGISTRY) from None


def all_instruments() -> tuple[Instrument, ...]:
    return _ORDER


__all__ = ["REGISTRY", "Instrument", "ScoreResult", "all_instruments", "get"]
