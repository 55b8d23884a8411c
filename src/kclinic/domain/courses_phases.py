"""The phases of a treatment course and which changes between them are allowed.

    evaluation -> induction -> maintenance -> ended
                      ^             |
                      +-------------+   re-induction (maintenance -> induction)

A course moves forward only (a step may be skipped: a patient transferred in maintenance
starts there), except that a course in maintenance may return to induction when symptoms
return (re-induction: reference 1.5, relapse after a median of 18 days, Murrough 2013).
Ended is final; ending a course needs a reason. The phase names follow the issue's data model
and the Spravato label's induction / maintenance terms (reference 1.7).
"""

from __future__ import annotations

from typing import Final, Literal, get_args

from kclinic.domain.errors import ValidationError

Phase = Literal["evaluation", "induction", "maintenance", "ended"]
PHASES: Final[tuple[str, ...]] = get_args(Phase)

# kclinic policy: a reason is a sentence a later reader can act on, not "x" or "ok".
REASON_MIN_CHARS: Final = 10

_NEXT: Final[dict[str, tuple[str, ...]]] = {
    "evaluation": ("induction", "maintenance", "ended"),
    "induction": ("maintenance", "ended"),
    "maintenance": ("induction", "ended"),
    "ended": (),
}


def next_phases(current: str) -> tuple[str, ...]:
    """Phases a course in `current` may move to."""
    if current not in _NEXT:
        raise ValidationError("phase", current, ", ".join(PHASES))
    return _NEXT[current]


def check_reason(reason: str | None, field: str = "reason") -> str:
    """The stripped reason, or ValidationError when it is shorter than REASON_MIN_CHARS."""
    text = (reason or "").strip()
    if len(text) < REASON_MIN_CHARS:
        raise ValidationError(field, text, f"a reason of at least {REASON_MIN_CHARS} characters")
    return text


def check_phase_change(current: str, new: str, reason: str | None = None) -> str:
    """Refuse a change the course's phase may not make; return the stripped reason.

    Ending a course needs a reason of at least REASON_MIN_CHARS characters; other changes
    take an optional one.
    """
    allowed = next_phases(current)
    if new not in allowed:
        raise ValidationError(
            "phase",
            new,
            (", ".join(allowed) if allowed else "no change (the course has ended)")
            + f" from {current}",
        )
    if new == "ended":
        return check_reason(reason)
    return (reason or "").strip()
