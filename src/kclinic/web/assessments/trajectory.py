"""From stored totals to the trajectory charts: one series per depression scale present, with
the response and remission thresholds of the instrument's default outcome definition
(kclinic.domain.outcomes; docs/clinical/outcomes.md says why each default was chosen).

Pure Python (no Django): rows are anything with instrument_id, administered_at, total and
complete, so this is tested without a database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Final, Protocol

from kclinic.domain import instruments, outcomes
from kclinic.domain.errors import ValidationError
from kclinic.web.assessments.chart import Series, Threshold

# The depression scales whose totals are charted over a course, in the order shown.
CHARTED: Final = ("phq9", "qids-sr16", "madrs")
SHORT_NAMES: Final = {"phq9": "PHQ-9", "qids-sr16": "QIDS-SR16", "madrs": "MADRS"}


class Scored(Protocol):
    @property
    def instrument_id(self) -> str: ...
    @property
    def administered_at(self) -> datetime: ...
    @property
    def total(self) -> int | None: ...
    @property
    def complete(self) -> bool: ...


@dataclass(frozen=True)
class ChartRow:
    """A stored total as the chart reads it (time already in the clinic's time zone)."""

    instrument_id: str
    administered_at: datetime
    total: int | None
    complete: bool


def _number(value: Decimal) -> str:
    """10.5 -> '10.5', 10.0 -> '10' (normalize alone would print 1E+1)."""
    return format(value.normalize(), "f")


def series_for(
    instrument_id: str, rows: Iterable[Scored], infusions: Sequence[datetime] = ()
) -> Series | None:
    """The chart series of one instrument, or None when it has no complete assessment.

    Baseline is the first complete assessment of the instrument (by administration time).
    """
    instrument = instruments.get(instrument_id)
    points = sorted(
        (
            (row.administered_at, row.total)
            for row in rows
            if row.instrument_id == instrument_id and row.complete and row.total is not None
        ),
        key=lambda point: point[0].timestamp(),
    )
    if not points or instrument.max_total is None:
        return None
    short = SHORT_NAMES.get(instrument_id, instrument.name)
    definition = outcomes.default_definition(instrument_id)
    baseline_time, baseline = points[0]
    latest_time, latest = points[-1]
    thresholds = []
    sentences = [
        f"{short} totals (0-{instrument.max_total}, higher is worse) from "
        f"{len(points)} assessment{'s' if len(points) != 1 else ''}: baseline {baseline} on "
        f"{baseline_time:%Y-%m-%d}, latest {latest} on {latest_time:%Y-%m-%d}."
    ]
    percent = definition.response.min_reduction_percent
    if baseline > 0:
        level = definition.response.highest_responding_score(baseline)
        thresholds.append(
            Threshold(
                "response",
                level,
                f"response ≤ {_number(level)} ({_number(percent)}% below baseline {baseline})",
            )
        )
        sentences.append(
            f"Response threshold {_number(level)} ({_number(percent)}% below baseline)."
        )
    else:
        sentences.append("No response threshold: the baseline total is 0.")
    remission = definition.remission
    symbol = "<" if remission.comparison == "<" else "≤"
    thresholds.append(
        Threshold(
            "remission", Decimal(remission.threshold), f"remission {symbol} {remission.threshold}"
        )
    )
    sentences.append(f"Remission {symbol} {remission.threshold} ({definition.id}).")
    sentences.extend(_milestones(points, definition))
    if infusions:
        sentences.append(f"{len(infusions)} infusion{'s' if len(infusions) != 1 else ''} marked.")
    return Series(
        key=instrument_id,
        title=f"{short} total over time",
        y_label=f"{short} total",
        max_score=instrument.max_total,
        points=tuple(points),
        infusions=tuple(infusions),
        thresholds=tuple(thresholds),
        description=" ".join(sentences),
    )


def _milestones(
    points: Sequence[tuple[datetime, int]], definition: outcomes.OutcomeDefinition
) -> list[str]:
    """First response and remission under the definition, when the series can be read."""
    if len(points) < 2 or points[0][1] == 0:
        return []
    try:
        read = outcomes.trajectory(list(points), definition)
    except ValidationError:
        # Two assessments at the same minute cannot be ordered; say nothing rather than guess.
        return []
    found = []
    if read.first_response is not None:
        found.append(f"First response {read.first_response:%Y-%m-%d}.")
    if read.first_remission is not None:
        found.append(f"First remission {read.first_remission:%Y-%m-%d}.")
    return found


def trajectory_series(rows: Iterable[Scored], infusions: Sequence[datetime] = ()) -> list[Series]:
    """One series per charted instrument present, in CHARTED order."""
    rows = list(rows)
    found = (series_for(instrument_id, rows, infusions) for instrument_id in CHARTED)
    return [series for series in found if series is not None]
