"""Background jobs of the portal (django-tasks; the database backend stores each job as a
row, so jobs survive restarts of the web server and of `kclinic worker`).

Jobs are queued inside the transaction that makes them necessary (a sent link queues its
reminders, an urgent route its notification), so a job exists exactly when its reason does.
Each job re-reads the database and is idempotent: running it twice sends nothing twice.
"""

from __future__ import annotations

import logging

from django_tasks import task

from kclinic.web.portal import delivery

logger = logging.getLogger("kclinic.portal.jobs")


@task()
def send_reminder(link_id: str, number: int) -> str:
    """Reminder `number` (1-3, a day apart) for a link the patient has not submitted."""
    from kclinic.web.portal.services import send_reminder as send

    return send(link_id, number)


@task()
def notify_urgent_route(route_id: str) -> str:
    """Tell the clinicians an urgent self-report task is waiting (no patient detail in the
    message: sign in to see it): the task's assignees, or with none every prescriber of the
    site."""
    from kclinic.web.portal.models import RiskRoute
    from kclinic.web.portal.routing import site_prescribers

    route = (
        RiskRoute.objects.select_related("patient__site", "task", "link")
        .filter(public_id=route_id)
        .first()
    )
    if route is None:
        return "skipped: no such route"
    site = route.patient.site
    people = [u for u in route.task.assigned_to.all() if u.is_active]
    page = "/tasks/?show=mine" if people else "/tasks/"
    if not people:
        people = site_prescribers(site)
    sent = 0
    for user in {u.pk: u for u in people}.values():
        if not user.email:
            logger.warning("urgent self-report task: %s has no email address", user.username)
            continue
        delivery.EmailSender().send(
            delivery.Message(
                user.email,
                f"URGENT: a self-report safety task is open at {site.name}",
                f"A patient's self-report at {site.name} raised an URGENT safety task "
                f"({route.get_stage_display().lower()}). Sign in to kclinic and open the task "
                f"list to review it:\n\n{route.link.base_url}{page}\n",
            )
        )
        sent += 1
    return f"notified {sent}"
