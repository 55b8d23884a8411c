"""`kclinic worker`: run the background jobs (self-report reminders, urgent-task notices).

Jobs are rows in the database (django-tasks' database backend), queued by the web
application inside the transaction that needs them. The worker claims one row at a time, so
jobs survive a restart of the web server or of the worker itself, and several workers may
run side by side. Run it next to `kclinic serve` under the same process manager.
"""

from __future__ import annotations

import click

from kclinic.cli.web import ensure_var_dir, setup_django


@click.command("worker")
@click.option(
    "--interval",
    default=5.0,
    show_default=True,
    type=click.FloatRange(0.1, 3600),
    help="Seconds to wait when no job is ready.",
)
@click.option("--batch", is_flag=True, help="Run every job that is ready now, then exit.")
@click.option("--max-jobs", type=click.IntRange(1), default=None, help="Exit after this many jobs.")
def worker_command(interval: float, batch: bool, max_jobs: int | None) -> None:
    """Run background jobs from the database until stopped (Ctrl+C or SIGTERM finish the
    current job first)."""
    ensure_var_dir()
    setup_django()
    from django.core.management import call_command

    from kclinic.web.reports.jobs import ensure_nightly_followup

    ensure_nightly_followup()  # the long-term safety follow-up, every night

    options: dict[str, object] = {
        "interval": interval,
        "batch": batch,
        "reload": False,
        "queue_name": "*",
        "startup_delay": not batch,
    }
    if max_jobs is not None:
        options["max_tasks"] = max_jobs
    call_command("db_worker", **options)
