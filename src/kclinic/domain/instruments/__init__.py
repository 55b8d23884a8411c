"""The instrument registry: validated scales by id.

`get("phq9").score([...])` scores a form; `all_instruments()` lists them in a stable order.
Each scale lives in its own module as data plus a scoring function (see `base`).
"""

from __future__ import annotations

from kclinic.domain.errors import UnknownNameError
from kclinic.domain.instruments.aldrete import ALDRETE
from kclinic.domain.instruments.base import Instrument, ScoreResult
from kclinic.domain.instruments.bprs_positive import BPRS_POSITIVE
from kclinic.domain.instruments.cadss import CADSS
from kclinic.domain.instruments.cssrs_screener import CSSRS_SCREENER
from kclinic.domain.instruments.gad7 import GAD7
from kclinic.domain.instruments.hamd17 import HAMD17
from kclinic.domain.instruments.madrs import MADRS
from kclinic.domain.instruments.moaas import MOAAS
from kclinic.domain.instruments.msm import MSM
from kclinic.domain.instruments.pcl5 import PCL5
from kclinic.domain.instruments.phq9 import PHQ9
from kclinic.domain.instruments.qids_sr16 import QIDS_SR16

# Order of listing: self-report symptom scales, clinician-rated scales, suicide risk,
# chair-side scales, recovery, staging.
_ORDER: tuple[Instrument, ...] = (
    PHQ9,
    GAD7,
    QIDS_SR16,
    MADRS,
    HAMD17,
    CSSRS_SCREENER,
    CADSS,
    BPRS_POSITIVE,
    PCL5,
    MOAAS,
    ALDRETE,
    MSM,
)
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
