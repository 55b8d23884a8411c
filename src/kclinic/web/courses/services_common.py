"""What every course write shares: the acting user, the course's optimistic version, and the
bounds on dates."""

from __future__ import annotations

from datetime import date

from django.db.models import F

from kclinic.web.courses.models import TreatmentCourse
from kclinic.web.patients.services import ConflictError

__all__ = ["BOOKING_HORIZON_DAYS", "EARLIEST_START", "ConflictError", "bump_version"]

EARLIEST_START = date(2000, 1, 1)
# How far ahead a course may start or a session be booked (a sanity bound on typing slips).
BOOKING_HORIZON_DAYS = 2 * 365


def bump_version(course: TreatmentCourse, expected_version: int | None) -> None:
    """Move the course's version on, or refuse when it changed since the editor loaded it.

    Called first inside the write's transaction: the conditional UPDATE also locks the course
    row (PostgreSQL) or the database (SQLite, immediate transactions) until the write ends,
    so two plan changes can never both pass the template check against the same old plan.
    With `expected_version=None` (chair-side completion) the version moves on regardless.
    """
    rows = TreatmentCourse.objects.filter(pk=course.pk)
    if expected_version is not None:
        rows = rows.filter(version=expected_version)
    if not rows.update(version=F("version") + 1):
        raise ConflictError(
            "this course was changed by someone else since you opened it; reload to see the change"
        )
    course.refresh_from_db(fields=["version", "phase", "template_id"])
