"""Trajectory charts for the outcomes page: the assessments app's chart geometry
(kclinic.web.assessments.chart), with the response and remission lines of the definition
the page reads the course under, and a line at the baseline.

The assessments chart draws the instrument's default definition over the whole record; here
each course is charted on its own, under the definition chosen for it, so the lines are built
here and the baseline line is added to the laid-out geometry. Pure Python (no Django).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from kclinic.domain import instruments
from kclinic.domain.outcomes import OutcomeDefinition
from kclinic.web.assessments.chart import Geometry, Rule, Series, Threshold, layout, y_at


def short_name(instrument_id: str) -> str:
    """'PHQ-9' from 'Patient Health Questionnaire-9 (PHQ-9)'."""
    name = instruments.get(instrument_id).name
    return name[name.rindex("(") + 1 : -1] if name.endswith(")") and "(" in name else name


def number(value: Decimal) -> str:
    """10.5 -> '10.5', 10.0 -> '10'."""
    return format(value.normalize(), "f")


def thresholds(definition: OutcomeDefinition, baseline: int) -> tuple[Threshold, ...]:
    """The response line (the highest score still a response, when the baseline is above 0)
    and the remission line of a definition."""
    lines = []
    rule = definition.response
    if baseline > 0:
        level = rule.highest_responding_score(baseline)
        label = (
            f"response ≤ {number(level)} ({number(rule.min_reduction_percent)}% below {baseline})"
        )
        if rule.or_followup_below is not None:
            label += f" or < {rule.or_followup_below}"
        lines.append(Threshold("response", level, label))
    remission = definition.remission
    symbol = "<" if remission.comparison == "<" else "≤"
    lines.append(
        Threshold(
            "remission", Decimal(remission.threshold), f"remission {symbol} {remission.threshold}"
        )
    )
    return tuple(lines)


def chart(
    key: str,
    short: str,
    max_score: int,
    points: Sequence[tuple[datetime, int]],
    infusions: Sequence[datetime],
    definition: OutcomeDefinition | None,
    baseline: int | None,
    description: str,
) -> Geometry:
    """Lay out one instrument over one course, with its baseline line when known."""
    series = Series(
        key=key,
        title=f"{short} total over the course",
        y_label=f"{short} total",
        max_score=max_score,
        points=tuple(points),
        infusions=tuple(infusions),
        thresholds=thresholds(definition, baseline)
        if definition is not None and baseline is not None
        else (),
        description=description,
    )
    geometry = layout(series)
    if baseline is None:
        return geometry
    y = y_at(baseline, max_score, geometry.top, geometry.bottom)
    line = Rule(
        kind="baseline",
        y=y,
        label=f"baseline {baseline}",
        label_x=geometry.right - 4,
        label_y=round(y + 12, 1),
        anchor="end",
    )
    return replace(geometry, rules=(*geometry.rules, line))
