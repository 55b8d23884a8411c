"""Who a task is assigned to by default, and its priority by flag (the rule itself is
kclinic.domain.task_priority, with its sources)."""

from __future__ import annotations

from kclinic.domain.task_priority import is_urgent
from kclinic.web.accounts.models import Site, User
from kclinic.web.accounts.policy import Action, allowed
from kclinic.web.patients.models import Patient
from kclinic.web.tasks.models import Priority


def flag_priority(flag: str) -> str:
    """The priority of a safety task opened for `flag`."""
    return Priority.URGENT if is_urgent(flag) else Priority.ROUTINE


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
