"""Which safety flags open an urgent task, and who a task is assigned to by default.

Urgent flags (the sources are the ones the instruments already cite for the flag):

- `suicidal_ideation` (PHQ-9 item 9 > 0, QIDS-SR16 item 12 >= 1, HAM-D item 3 > 0, MADRS
  item 10 > 0, any C-SSRS "yes" to q1-q5): an endorsed PHQ-9 item 9 needs a structured
  suicide risk assessment before the visit ends (clinical reference 5.1, `ITEM9_ROUTING`);
  the other items route the same way by kclinic policy (5.3 and the instruments' modules).
- `suicidal_behaviour` (C-SSRS q6 "yes"): on its own already Columbia triage level moderate
  (older than 3 months) or high (within 3 months) (reference 5.6, `COLUMBIA_TRIAGE`), the
  levels a self-report routes urgently (kclinic.domain.self_report_risk). A clinician-entered
  screener with the same answers must not get a lower priority than a self-reported one.

Everything else is routine, as it was before tasks had a priority: `loss_of_consciousness`
(MOAA/S 0) is recorded at the chair with staff present, where the session's own alarms deal
with the event; its task is the review afterwards. Follow-up tasks of the long-term safety
rules (reports app) are routine checks (urinalysis, liver tests, reviews).
"""

from __future__ import annotations

from typing import Final

from kclinic.domain.instruments import cssrs_screener, phq9
from kclinic.domain.instruments.base import SUICIDAL_BEHAVIOUR, SUICIDAL_IDEATION
from kclinic.domain.sources import Source
from kclinic.web.accounts.models import Site, User
from kclinic.web.accounts.policy import Action, allowed
from kclinic.web.patients.models import Patient
from kclinic.web.tasks.models import Priority

URGENT_FLAGS: Final = frozenset({SUICIDAL_IDEATION, SUICIDAL_BEHAVIOUR})
SOURCES: Final[tuple[Source, ...]] = (phq9.ITEM9_ROUTING, cssrs_screener.COLUMBIA_TRIAGE)


def flag_priority(flag: str) -> str:
    """The priority of a safety task opened for `flag`."""
    return Priority.URGENT if flag in URGENT_FLAGS else Priority.ROUTINE


def may_resolve(user: User | None, site: Site) -> User | None:
    """The user if they are active and may resolve safety tasks at the site, else None: only
    someone who can act on a task is assigned it."""
    if user is None or not user.is_active:
        return None
    return user if allowed(user, Action.RESOLVE_SAFETY_TASK, site) else None


def primary_clinician(patient: Patient) -> User | None:
    """The prescriber who opened the patient's active course (only a prescriber may open one),
    else the one who opened their latest course; None if that person may not resolve tasks at
    the patient's site any more (inactive, or moved away)."""
    from kclinic.web.courses.models import Phase, TreatmentCourse

    courses = TreatmentCourse.objects.filter(patient=patient).select_related("created_by")
    course = courses.exclude(phase=Phase.ENDED).first() or courses.order_by("-created_at").first()
    return may_resolve(course.created_by if course else None, patient.site)
