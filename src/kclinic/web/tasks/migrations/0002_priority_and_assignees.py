from django.conf import settings
from django.db import migrations, models

# The flags kclinic.web.tasks.priority makes urgent, as they were when this migration was
# written (a migration must not follow later changes of the code).
URGENT_FLAGS = ("suicidal_ideation", "suicidal_behaviour")


def urgent_suicide_flags(apps, schema_editor):
    """Safety tasks raised before priorities existed get the priority their flag has now."""
    task = apps.get_model("tasks", "Task")
    task.objects.filter(kind="safety", flag__in=URGENT_FLAGS).update(priority="urgent")


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0001_initial"),
        ("tasks", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="task",
            name="assigned_to",
            field=models.ManyToManyField(
                blank=True, related_name="assigned_tasks", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.AddField(
            model_name="task",
            name="priority",
            field=models.CharField(
                choices=[("urgent", "Urgent"), ("routine", "Routine")],
                default="routine",
                max_length=10,
            ),
        ),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(
                fields=["patient", "flag", "status"], name="tasks_task_patient_982456_idx"
            ),
        ),
        migrations.RunPython(urgent_suicide_flags, migrations.RunPython.noop),
    ]
