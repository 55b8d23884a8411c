"""`kclinic instruments` and `kclinic score`."""

from __future__ import annotations

import click
from rich.table import Table

from kclinic.cli.output import (
    console,
    domain_errors_exit_2,
    emit_json,
    fail,
    parse_json_argument,
)
from kclinic.domain import instruments
from kclinic.domain.instruments.base import Instrument, ScoreResult


def describe(instrument: Instrument) -> dict[str, object]:
    return {
        "id": instrument.id,
        "name": instrument.name,
        "respondent": instrument.respondent,
        "recall_period": instrument.recall_period,
        "items": len(instrument.items),
        "total_range": None
        if instrument.min_total is None
        else [instrument.min_total, instrument.max_total],
        "band_tables": [table.name for table in instrument.band_tables],
        "default_band_table": instrument.default_band_table,
        "options": {
            option.name: {"choices": list(option.choices), "default": option.default}
            for option in instrument.options
        },
        "licence": instrument.licence.status,
        "ships_item_text": instrument.licence.ships_item_text,
        "codes": dict(instrument.codes),
        "sources": [source.as_dict() for source in instrument.sources],
    }


@click.command("instruments")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def instruments_command(as_json: bool) -> None:
    """List the validated scales kclinic can score."""
    listing = [describe(instrument) for instrument in instruments.all_instruments()]
    if as_json:
        emit_json(listing)
        return
    table = Table(title="Instruments")
    table.add_column("id", no_wrap=True)
    for column in ("name", "items", "range", "band tables", "licence"):
        table.add_column(column)
    for entry, instrument in zip(listing, instruments.all_instruments(), strict=True):
        table.add_row(
            instrument.id,
            instrument.name,
            str(len(instrument.items)),
            "-"
            if instrument.min_total is None
            else f"{instrument.min_total}-{instrument.max_total}",
            ", ".join(str(name) for name in entry["band_tables"]) or "-",  # type: ignore[attr-defined]
            instrument.licence.status,
        )
    console.print(table)


def _parse_options(pairs: tuple[str, ...]) -> dict[str, str]:
    options: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            fail(f"--option: {pair!r} is not NAME=VALUE")
        options[name] = value
    return options


@click.command("score")
@click.argument("instrument_id", metavar="ID")
@click.option(
    "--answers",
    required=True,
    help="JSON: an array of item values in item order (null = unanswered), or an object "
    "keyed by item id. '-' reads standard input.",
)
@click.option("--band-table", default=None, help="A named band table (default: the scale's).")
@click.option("--option", "option_pairs", multiple=True, help="A scoring option NAME=VALUE.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@domain_errors_exit_2
def score_command(
    instrument_id: str,
    answers: str,
    band_table: str | None,
    option_pairs: tuple[str, ...],
    as_json: bool,
) -> None:
    """Score one completed form of the instrument ID."""
    instrument = instruments.get(instrument_id)
    raw = parse_json_argument(answers, "--answers")
    if not isinstance(raw, list | dict):
        fail("--answers: expected a JSON array or object")
    result = instrument.score(raw, band_table=band_table, options=_parse_options(option_pairs))
    if as_json:
        emit_json(result.as_dict())
    else:
        _print_result(instrument, result)


def _print_result(instrument: Instrument, result: ScoreResult) -> None:
    table = Table(title=instrument.name)
    table.add_column("item")
    table.add_column("name")
    table.add_column("answer", justify="right")
    for item in instrument.items:
        value = result.answers[item.id]
        table.add_row(item.id, item.short_name, "-" if value is None else str(value))
    console.print(table)
    total = "incomplete: no total" if result.total is None else str(result.total)
    console.print(f"total: [bold]{total}[/bold]")
    if result.band is not None:
        rule = ", ".join(f"{name}={value}" for name, value in result.options.items())
        console.print(f"band: [bold]{result.band}[/bold] ({result.band_table or 'rule ' + rule})")
    for name, value in result.subscales.items():
        console.print(f"{name}: {value}")
    for name, met in result.criteria.items():
        console.print(f"{name}: {'met' if met else 'not met'}")
    for flag in result.flags:
        console.print(f"[bold red]SAFETY FLAG: {flag}[/bold red]")
