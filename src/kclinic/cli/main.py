"""The `kclinic` console script."""

from __future__ import annotations

import click

from kclinic import __version__
from kclinic.cli.dose import dose_command
from kclinic.cli.instruments import instruments_command, score_command
from kclinic.cli.ledger import ledger_group
from kclinic.cli.pk import pk_group
from kclinic.cli.safety import safety_followup_command
from kclinic.cli.screen import screen_command
from kclinic.cli.tour import tour_command
from kclinic.cli.web import (
    audit_group,
    createadmin_command,
    demo_command,
    migrate_command,
    serve_command,
    token_group,
)
from kclinic.cli.worker import worker_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kclinic")
def main() -> None:
    """kclinic: software for running a ketamine infusion therapy service."""


for command in (
    # the clinical core (pure: never loads Django)
    instruments_command,
    score_command,
    dose_command,
    screen_command,
    pk_group,
    tour_command,
    # the clinic application
    demo_command,
    serve_command,
    migrate_command,
    createadmin_command,
    audit_group,
    ledger_group,
    token_group,
    worker_command,
    safety_followup_command,
):
    main.add_command(command)
