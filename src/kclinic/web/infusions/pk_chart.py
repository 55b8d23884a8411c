"""The dose-order page's chart: predicted plasma ketamine for the ordered IV infusion.

The curve is kclinic.domain.pk's default model (Herd 2007, the only racemic model verified
against its publication) for the patient's weight, solved exactly; the template draws it as
server-side SVG. A planning aid, not a drug level: docs/clinical/pharmacokinetics.md says why
the models over-predict the measured peak and why no effect-site curve is shown. The dashed
line is the measured mean peak after 0.5 mg/kg over 40 min (Zanos 2018, Table 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from kclinic.domain import pk
from kclinic.domain.errors import KclinicError
from kclinic.domain.pk.library import ZANOS_2018
from kclinic.domain.sources import Source
from kclinic.web.infusions.models import DoseOrder

WIDTH: Final = 640
HEIGHT: Final = 272
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 28, 36
AFTER_MIN: Final = 180  # how long after the end of the infusion the curve is drawn
MEASURED_PEAK_NG_PER_ML: Final = 185


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class PkChart:
    """Coordinates for the template; concentrations in ng/mL, times in minutes."""

    width: int
    height: int
    points: str
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    infusion_end_x: float
    reference_y: float
    peak_x: float
    peak_y: float
    cmax_ng_per_ml: int
    tmax_min: int
    model_name: str
    model_source: Source
    reference_source: Source
    warnings: tuple[str, ...]
    description: str


def _step(top: float) -> int:
    for step in (25, 50, 100, 200, 500, 1000):
        if top / step <= 6:
            return step
    return 2000


def pk_chart(order: DoseOrder, age_years: int | None = None) -> PkChart | None:
    """The chart of an IV order, or None for other routes (no model for them ships)."""
    if order.plan.get("route") != "iv" or not order.duration_min:
        return None
    model = pk.get_model(pk.DEFAULT_MODEL_ID)
    minutes = Decimal(order.duration_min)
    try:
        patient = pk.Patient(
            weight_kg=order.weight_kg,
            age_years=None if age_years is None else Decimal(age_years),
        )
        regimen = pk.constant_infusion(order.dose_mg, minutes)
        result = pk.simulate(
            model, patient, regimen, pk.grid_times(Decimal(1), minutes + AFTER_MIN)
        )
    except KclinicError:
        return None
    times = [float(t) for t in result.times_min]
    values = [float(v) for v in result.plasma_ng_per_ml]
    span_x = times[-1] or 1.0
    top = max(max(values), MEASURED_PEAK_NG_PER_ML) * 1.1
    step = _step(top)
    top = step * (int(top // step) + 1)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(t: float) -> float:
        return round(LEFT + inner_w * t / span_x, 1)

    def y(v: float) -> float:
        return round(TOP + inner_h * (1 - v / top), 1)

    points = " ".join(f"{x(t)},{y(v)}" for t, v in zip(times, values, strict=True))
    x_step = 30 if span_x <= 300 else 60
    summary = result.summary
    return PkChart(
        width=WIDTH,
        height=HEIGHT,
        points=points,
        x_ticks=tuple(Tick(x(m), str(m)) for m in range(0, int(span_x) + 1, x_step)),
        y_ticks=tuple(Tick(y(v), str(v)) for v in range(0, int(top) + 1, step)),
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        plot_top=TOP,
        plot_bottom=HEIGHT - BOTTOM,
        infusion_end_x=x(float(minutes)),
        reference_y=y(MEASURED_PEAK_NG_PER_ML),
        peak_x=x(summary.tmax_min),
        peak_y=y(summary.cmax_ng_per_ml),
        cmax_ng_per_ml=round(summary.cmax_ng_per_ml),
        tmax_min=round(summary.tmax_min),
        model_name=model.name,
        model_source=model.source,
        reference_source=ZANOS_2018,
        warnings=result.warnings,
        description=(
            f"Predicted plasma ketamine for {order.dose_mg} mg over {order.duration_min} min at "
            f"{order.weight_kg} kg: peak about {round(summary.cmax_ng_per_ml)} ng/mL at "
            f"{round(summary.tmax_min)} min, falling afterwards."
        ),
    )
