"""Which safety flags make a task urgent (the rest are routine).

- `suicidal_ideation` (PHQ-9 item 9 > 0, QIDS-SR16 item 12 >= 1, HAM-D item 3 > 0, MADRS
  item 10 > 0, any C-SSRS "yes" to q1-q5): an endorsed PHQ-9 item 9 needs a structured
  suicide risk assessment before the visit ends (clinical reference 5.1, `ITEM9_ROUTING`);
  the other items route the same way by kclinic policy (5.3 and the instruments' modules).
- `suicidal_behaviour` (C-SSRS q6 "yes"): on its own already Columbia triage level moderate
  (older than 3 months) or high (within 3 months) (reference 5.6, `COLUMBIA_TRIAGE`), the
  levels a self-report routes urgently (kclinic.domain.self_report_risk). A clinician-entered
  screener with the same answers must not get a lower priority than a self-reported one.

`loss_of_consciousness` (MOAA/S 0) stays routine: it is recorded at the chair with staff
present, where the session's own alarms deal with the event; its task is the review
afterwards. Long-term follow-up tasks (urinalysis, liver tests, reviews) are routine checks.
"""

from __future__ import annotations

from typing import Final

from kclinic.domain.instruments import cssrs_screener, phq9
from kclinic.domain.instruments.base import SUICIDAL_BEHAVIOUR, SUICIDAL_IDEATION
from kclinic.domain.sources import Source

URGENT_FLAGS: Final = frozenset({SUICIDAL_IDEATION, SUICIDAL_BEHAVIOUR})
SOURCES: Final[tuple[Source, ...]] = (phq9.ITEM9_ROUTING, cssrs_screener.COLUMBIA_TRIAGE)


def is_urgent(flag: str) -> bool:
    """True when a safety task opened for `flag` is urgent."""
    return flag in URGENT_FLAGS
