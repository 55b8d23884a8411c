"""`kclinic safety-followup`: evaluate the long-term safety rules for every patient and open
a task per new finding (idempotent; safe to run nightly from cron or the worker)."""

from __future__ import annotations

from datetime import datetime

import click

from kclinic.cli.web import ensure_var_dir, setup_django


@click.command("safety-followup")
@click.option(
    "--date",
    "on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Evaluate as of this date (default: today in the clinic's time zone).",
)
def safety_followup_command(on: datetime | None) -> None:
    """Open long-term safety follow-up tasks (urinalysis, LFTs, cognitive screen, misuse
    review, blood-pressure trend) for every patient with a treatment course."""
    ensure_var_dir()
    setup_django()
    from kclinic.web.reports.safety import run_safety_followup

    run = run_safety_followup(on.date() if on else None)
    click.echo(
        f"Safety follow-up for {run.today.isoformat()}: {run.patients} patients evaluated, "
        f"{run.opened} new task{'s' if run.opened != 1 else ''} opened."
    )
