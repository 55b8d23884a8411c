"""`kclinic screen PROFILE.json`: the eligibility screen from the command line.

The command reads the profile file, parses it with the domain parser and prints the result.
It is the only place that reads the clock: without --on the screening date is today's local
date. Exit status 0 whatever the screening status (the status is the output); 2 when the
profile cannot be read or is invalid, with one line naming the field path.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime
from pathlib import Path

import click
from rich.table import Table

from kclinic.cli.output import console, domain_errors_exit_2, emit_json, fail
from kclinic.domain.eligibility import (
    DECISION_SUPPORT,
    DEFAULT_PROTOCOL,
    TRD_DEFINITIONS,
    ScreeningResult,
    parse_profile,
    screen,
)

STATUS_STYLE = {
    "blocked": "bold red",
    "override-needed": "bold yellow",
    "incomplete": "bold blue",
    "eligible": "bold green",
}
CLASS_STYLE = {"absolute": "bold red", "relative": "yellow", "caution": "", "missing": "blue"}


def _read_profile(path: str) -> object:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        fail(f"{path}: cannot read the profile ({reason})")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        fail(f"{path}: not valid JSON ({error.msg} at line {error.lineno} column {error.colno})")


def _screening_date(text: str | None) -> date:
    if text is None:
        # The clinic's local calendar date; the domain never reads the clock.
        return datetime.now(UTC).astimezone().date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"--on: {text!r} is not allowed; allowed: a date YYYY-MM-DD")


@click.command("screen")
@click.argument("profile_path", metavar="PROFILE.json")
@click.option("--on", "on_text", default=None, help="Screening date YYYY-MM-DD (default: today).")
@click.option(
    "--trd-definition",
    default=None,
    help="TRD definition: "
    + ", ".join(TRD_DEFINITIONS)
    + f" (default: {DEFAULT_PROTOCOL.trd_definition}).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@domain_errors_exit_2
def screen_command(
    profile_path: str, on_text: str | None, trd_definition: str | None, as_json: bool
) -> None:
    """Screen a candidate's eligibility profile (decision support, not a decision)."""
    on = _screening_date(on_text)
    protocol = DEFAULT_PROTOCOL
    if trd_definition is not None:
        protocol = dataclasses.replace(protocol, trd_definition=trd_definition)
    profile = parse_profile(_read_profile(profile_path))
    result = screen(profile, on, protocol)
    if as_json:
        emit_json(result.as_dict())
    else:
        _print_result(result)


def _print_result(result: ScreeningResult) -> None:
    style = STATUS_STYLE[result.status]
    treatment = result.planned_treatment or "treatment not recorded"
    console.print(
        f"status: [{style}]{result.status.upper()}[/{style}] ({treatment}, {result.on.isoformat()})"
    )
    console.print(f"[dim]{DECISION_SUPPORT}[/dim]")
    if result.findings:
        table = Table(title="Findings")
        for column in ("class", "rule", "finding", "source"):
            table.add_column(column, overflow="fold")  # never cut a rule id or field path
        for finding in result.findings:
            table.add_row(
                finding.finding_class,
                finding.rule,
                finding.message,
                finding.source.id,
                style=CLASS_STYLE[finding.finding_class] or None,
            )
        console.print(table)
    else:
        console.print("findings: none")
    _print_trd(result)
    if result.msm is not None:
        msm = result.msm
        dims = ", ".join(f"{name} {value}" for name, value in msm.score.answers.items())
        console.print(f"Maudsley stage: [bold]{msm.score.total}[/bold] ({msm.score.band}; {dims})")
    else:
        console.print(f"Maudsley stage: {result.msm_note or 'not staged: information missing'}")


def _print_trd(result: ScreeningResult) -> None:
    trd = result.trd
    d = trd.definition
    met = {True: "met", False: "NOT met", None: "cannot tell"}[trd.met]
    console.print(
        f"TRD ({d.name} v{d.version}): [bold]{met}[/bold], "
        f"{trd.failed_adequate_trials} failed adequate trial(s), {d.min_failures} needed"
    )
    for verdict in trd.counted:
        console.print(f"  counted      {verdict.ref} {verdict.treatment}: {verdict.reason}")
    for verdict in trd.not_counted:
        console.print(f"  not counted  {verdict.ref} {verdict.treatment}: {verdict.reason}")
