"""When the next set of vital signs is due, and whether it is overdue.

Intervals come from the clinic's `VitalSignPolicy`: by default every 10 min during the
infusion and every 15 min in recovery (Emory series, clinical reference 3.1). Before dosing
there is no interval: the baseline set is a pre-check, not a timed observation.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from kclinic.domain.errors import UnknownNameError, ValidationError
from kclinic.domain.monitoring import DEFAULT_POLICY, PHASES, VitalSignPolicy
from kclinic.domain.session_states import State

_PHASE_OF: Final = {
    State.SCHEDULED: "pre_dose",
    State.CHECKED_IN: "pre_dose",
    State.PRECHECKS_DONE: "pre_dose",
    State.DOSE_VERIFIED: "pre_dose",
    State.INFUSING: "infusion",
    # Paused still counts as infusion: drug is in the line and pressure peaks near 40 min.
    State.PAUSED: "infusion",
    State.INFUSION_ENDED: "recovery",
    State.RECOVERY: "recovery",
}


def phase_for(state: State) -> str | None:
    """The monitoring phase of a session state; None once the session is closed."""
    return _PHASE_OF.get(state)


def interval_minutes(phase: str, policy: VitalSignPolicy = DEFAULT_POLICY) -> int | None:
    """Minutes between vital-sign sets in `phase`; None in the pre-dose phase."""
    if phase not in PHASES:
        raise UnknownNameError("phase", phase, PHASES)
    if phase == "infusion":
        return policy.infusion_interval_minutes.value
    if phase == "recovery":
        return policy.recovery_interval_minutes.value
    return None


def next_vitals_due(
    last_reading_at: datetime | None,
    phase: str,
    phase_started_at: datetime,
    policy: VitalSignPolicy = DEFAULT_POLICY,
) -> datetime | None:
    """When the next set is due: the later of the last reading and the phase start, plus the
    phase's interval (policy minutes). A phase change restarts the clock at the new interval.
    None in the pre-dose phase.
    """
    minutes = interval_minutes(phase, policy)
    if minutes is None:
        return None
    anchor = phase_started_at
    if last_reading_at is not None and last_reading_at > anchor:
        anchor = last_reading_at
    return anchor + timedelta(minutes=minutes)


def overdue(
    last_reading_at: datetime | None,
    phase: str,
    now: datetime,
    policy: VitalSignPolicy = DEFAULT_POLICY,
    phase_started_at: datetime | None = None,
) -> bool:
    """True when `now` is past the due time (exactly at the due time is not yet overdue).

    The due time is `next_vitals_due`; with neither a reading nor a phase start in a timed
    phase there is nothing to count from, and the set is overdue at once.
    """
    late_s = seconds_overdue(last_reading_at, phase, now, policy, phase_started_at)
    return late_s is not None and late_s > 0


def seconds_overdue(
    last_reading_at: datetime | None,
    phase: str,
    now: datetime,
    policy: VitalSignPolicy = DEFAULT_POLICY,
    phase_started_at: datetime | None = None,
) -> int | None:
    """Whole seconds past the due time (0 while not late); None in the pre-dose phase.

    With neither a reading nor a phase start in a timed phase, returns 1 (overdue now).
    """
    if interval_minutes(phase, policy) is None:
        return None
    if last_reading_at is not None and now < last_reading_at:
        raise ValidationError("now", now.isoformat(), f"{last_reading_at.isoformat()} or later")
    anchor = phase_started_at if phase_started_at is not None else last_reading_at
    if anchor is None:
        return 1
    due = next_vitals_due(last_reading_at, phase, anchor, policy)
    if due is None or now <= due:
        return 0
    return max(1, int((now - due).total_seconds()))
