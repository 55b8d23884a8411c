"""A route no longer keeps priority or assignees (copied to the task by 0002), and a task may
have several routes (the answer saved, then the form submitted, route the same task). Kept
apart from 0002 so PostgreSQL alters the table in a transaction without pending row updates.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0002_route_assignees_to_task"),
        ("tasks", "0002_priority_and_assignees"),
    ]

    operations = [
        migrations.RemoveField(model_name="riskroute", name="on_call_clinician"),
        migrations.RemoveField(model_name="riskroute", name="primary_clinician"),
        migrations.RemoveField(model_name="riskroute", name="priority"),
        migrations.AlterField(
            model_name="riskroute",
            name="task",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="risk_routes",
                to="tasks.task",
            ),
        ),
    ]
