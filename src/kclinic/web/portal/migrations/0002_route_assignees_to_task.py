"""Urgent routes' priority and assignees move to the task (tasks 0002 added the fields).

Before this, a route kept the priority and the primary and on-call clinicians itself and
prefixed the task's title with "URGENT "; the task now carries both, so the prefix goes
("URGENT self-report: ..." becomes "Self-report: ...", as new titles read). The route's
audit rows still name who was primary and on call at the time.
"""

from django.db import migrations

PREFIX = "URGENT "


def copy_to_tasks(apps, schema_editor):
    route_model = apps.get_model("portal", "RiskRoute")
    task_model = apps.get_model("tasks", "Task")
    routes = route_model.objects.select_related("task").order_by("pk")
    for route in routes.iterator(chunk_size=500):
        task = route.task
        people = [u for u in (route.primary_clinician_id, route.on_call_clinician_id) if u]
        if people:
            task.assigned_to.add(*people)
        title = task.title
        if title.startswith(PREFIX):
            rest = title[len(PREFIX) :]
            title = rest[:1].upper() + rest[1:]  # "URGENT self-report: ..." -> "Self-report: ..."
        task_model.objects.filter(pk=task.pk).update(
            priority=route.priority or "urgent", title=title
        )


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        ("tasks", "0002_priority_and_assignees"),
    ]

    operations = [migrations.RunPython(copy_to_tasks, migrations.RunPython.noop)]
