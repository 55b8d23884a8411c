"""Outcome statistics: proportions with Wilson score intervals, rates per 100 sessions, a
patient's course read as time to response, sustained response and relapse, and cumulative
ketamine exposure (mg and mg/kg per 30 days).

Response, remission and relapse themselves are judged by kclinic.domain.outcomes under a
named definition; this module only counts and times what that module decides. The clinic
dashboard's own rules (how many sessions make an induction, which assessment is the
baseline and which the outcome, what counts as an adverse event of a kind) are cited data
here too, so the SQL that aggregates a whole clinic and the pages that show one patient use
the same numbers.

Decimal throughout; proportions are fractions 0-1 and are turned into percentages, rounded
once to 0.1 percentage point, only for display (`Proportion.percent`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Final, Generic, Literal, TypeVar

from kclinic.domain.errors import ValidationError
from kclinic.domain.outcomes import MCINNES_2022, Trajectory
from kclinic.domain.sources import KCLINIC_POLICY, Cited, Source
from kclinic.domain.units import round_half_up

TimeT = TypeVar("TimeT", datetime, date, int)
PERCENT_STEP: Final = Decimal("0.1")
MG_STEP: Final = Decimal("0.01")
MG_PER_KG_STEP: Final = Decimal("0.001")
DAY_STEP: Final = Decimal("0.1")

WILSON_1927 = Source(
    id="wilson-1927",
    citation="Wilson EB. Probable inference, the law of succession, and statistical "
    "inference. J Am Stat Assoc 1927;22:209-212 (the score interval for a proportion)",
    confidence="unverified",
    note="standard statistical method; checked against Newcombe RG, Stat Med 1998;17:857-872 "
    "(method 3) worked examples in the unit tests",
)
NORMAL_QUANTILE = Source(
    id="normal-0.975-quantile",
    citation="Standard normal 0.975 quantile (two-sided 95% interval): 1.959963984540054",
    confidence="derived",
)
Z_95: Final = Cited(Decimal("1.959963984540054"), NORMAL_QUANTILE)

# -- the dashboard's reading rules -------------------------------------------------------

SIX_INFUSION_INDUCTION = Source(
    id="six-infusion-induction",
    citation="Six infusions make an induction: ELEKT-D (N Engl J Med 2023; 6 infusions over "
    "3 weeks), Oliver PA et al. J Clin Psychiatry 2022;83(6):21m14336 (6 within 21 days); "
    "clinical reference 6.3 compares clinic results after a 6-infusion induction",
    url="https://pubmed.ncbi.nlm.nih.gov/37224232/",
)
OUTCOME_WINDOW = replace(
    MCINNES_2022,
    id="mcinnes-2022-window",
    note="McInnes 2022 read the outcome 14-31 days after induction; kclinic takes the last "
    "assessment from the end of induction up to 31 days after it, so a clinic that measures "
    "before the next session is counted too",
)
BASELINE_LOOKBACK = replace(
    KCLINIC_POLICY,
    note="the baseline is the last assessment at or before the first session and no more "
    "than 90 days before it; an older score does not describe the patient who started",
)
SUSTAINED_SOURCE = replace(
    MCINNES_2022,
    id="mcinnes-2022-sustained",
    note="McInnes 2022 report sustained response of about 80% at 4 weeks and 60% at 8 weeks; "
    "kclinic counts a response as sustained for w weeks when every assessment from the first "
    "response up to the first one at least w weeks later still meets response",
)


@dataclass(frozen=True)
class ReadingRules:
    """How a course is read for the clinic dashboard (every value cited)."""

    induction_sessions: Cited[int]
    outcome_window_days: Cited[int]
    baseline_lookback_days: Cited[int]
    sustained_weeks: Cited[tuple[int, ...]]


READING_RULES: Final = ReadingRules(
    induction_sessions=Cited(6, SIX_INFUSION_INDUCTION),
    outcome_window_days=Cited(31, OUTCOME_WINDOW),
    baseline_lookback_days=Cited(90, BASELINE_LOOKBACK),
    sustained_weeks=Cited((4, 8), SUSTAINED_SOURCE),
)

SHORT_2018 = Source(
    id="short-2018",
    citation="Short B et al. Lancet Psychiatry 2018;5(1):65-78: commonest acute effects of IV "
    "ketamine are headache, dizziness, dissociation, elevated blood pressure and blurred "
    "vision; Spravato label: dissociation, nausea and increased blood pressure",
    url="https://www.spravatohcp.com/safety",
    note="the keywords matched in recorded side effects are kclinic policy",
)


@dataclass(frozen=True)
class AdverseEventCategory:
    """A kind of adverse event counted per session: a recorded side effect or adverse event
    whose description contains any keyword (case-insensitive), or, for blood pressure, a
    vital-sign set the monitoring policy rated at one of `vital_levels`."""

    id: str
    label: str
    keywords: tuple[str, ...]
    vital_levels: tuple[str, ...] = ()
    source: Source = SHORT_2018


# pause/stop/emergency are the BP rules of kclinic.domain.monitoring (a confirmed reading at
# or above 180/110, one at or above 200/120, or hypertensive-crisis symptoms).
AE_CATEGORIES: Final = (
    AdverseEventCategory(
        "hypertension",
        "Blood pressure rise",
        (
            "hypertens",
            "high blood pressure",
            "raised blood pressure",
            "elevated blood pressure",
            "increased blood pressure",
            "blood pressure rise",
            "high bp",
            "raised bp",
            "elevated bp",
            "bp rise",
        ),
        ("pause", "stop", "emergency"),
    ),
    AdverseEventCategory("dissociation", "Dissociation", ("dissociat",)),
    AdverseEventCategory("nausea", "Nausea or vomiting", ("nause", "vomit")),
)


def ae_category(text: str) -> tuple[str, ...]:
    """The categories whose keywords occur in a recorded description."""
    lowered = text.lower()
    return tuple(c.id for c in AE_CATEGORIES if any(k in lowered for k in c.keywords))


# -- proportions ---------------------------------------------------------------------------


def _check_counts(successes: int, total: int) -> None:
    for field, value in (("successes", successes), ("total", total)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValidationError(field, value, "a whole number of 0 or more")
    if successes > total:
        raise ValidationError("successes", successes, f"0 to {total} (the total)")


def wilson_interval(successes: int, total: int, z: Decimal = Z_95.value) -> tuple[Decimal, Decimal]:
    """Wilson score interval for successes/total, as fractions 0-1 (Wilson 1927):

        centre = (p + z²/2n) / (1 + z²/n)
        half   = z / (1 + z²/n) × sqrt(p(1 - p)/n + z²/4n²)

    Exact Decimal arithmetic (28 digits); 0/n gives a low of exactly 0 and n/n a high of
    exactly 1. Undefined for total 0: ValidationError."""
    _check_counts(successes, total)
    if total == 0:
        raise ValidationError("total", 0, "1 or more", "a proportion of nothing has no interval")
    n = Decimal(total)
    p = Decimal(successes) / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z / denominator * (p * (1 - p) / n + z2 / (4 * n * n)).sqrt()
    low = Decimal(0) if successes == 0 else max(Decimal(0), centre - half)
    high = Decimal(1) if successes == total else min(Decimal(1), centre + half)
    return low, high


def _percent(fraction: Decimal) -> Decimal:
    return round_half_up(fraction * 100, PERCENT_STEP)


@dataclass(frozen=True)
class Proportion:
    """successes of total, with the Wilson 95% interval (None when total is 0)."""

    successes: int
    total: int
    low: Decimal | None
    high: Decimal | None

    @property
    def rate(self) -> Decimal | None:
        return Decimal(self.successes) / Decimal(self.total) if self.total else None

    @property
    def percent(self) -> Decimal | None:
        """Rate in percent, rounded once to 0.1."""
        return None if self.rate is None else _percent(self.rate)

    @property
    def low_percent(self) -> Decimal | None:
        return None if self.low is None else _percent(self.low)

    @property
    def high_percent(self) -> Decimal | None:
        return None if self.high is None else _percent(self.high)


def proportion(successes: int, total: int) -> Proportion:
    """A count as a proportion with its Wilson interval."""
    _check_counts(successes, total)
    if total == 0:
        return Proportion(successes, 0, None, None)
    low, high = wilson_interval(successes, total)
    return Proportion(successes, total, low, high)


def rate_per_100(events: int, sessions: int) -> Decimal | None:
    """Events per 100 sessions, rounded once to 0.1; None when there were no sessions."""
    _check_counts(0, events)
    _check_counts(0, sessions)
    if sessions == 0:
        return None
    return round_half_up(Decimal(events) * 100 / Decimal(sessions), PERCENT_STEP)


# -- one patient's course ----------------------------------------------------------------


def elapsed_days(start: TimeT, end: TimeT) -> Decimal:
    """Days from start to end: exact for dates and day numbers; for datetimes the exact
    fraction rounded once to 0.1 day."""
    if isinstance(start, datetime) and isinstance(end, datetime):
        seconds = Decimal(str((end - start).total_seconds()))
        return round_half_up(seconds / Decimal(86400), DAY_STEP)
    if isinstance(start, date) and isinstance(end, date):
        return Decimal((end - start).days)
    if isinstance(start, int) and isinstance(end, int):
        return Decimal(end - start)
    raise ValidationError("time", end, "the same kind of time as the start")


@dataclass(frozen=True)
class TimeToResponse(Generic[TimeT]):
    """When response was first met: the time, days from the first session (or from baseline
    when no session is given), and how many sessions came before it."""

    first_response: TimeT | None
    days: Decimal | None
    sessions_before: int | None


def time_to_response(
    read: Trajectory[TimeT], session_times: Sequence[TimeT] = ()
) -> TimeToResponse[TimeT]:
    """Time to the first response of a trajectory (Phillips 2019 report a median of 3
    infusions to response). Sessions at or after the response are not counted."""
    first = read.first_response
    if first is None:
        return TimeToResponse(None, None, None)
    start = min(session_times) if session_times else read.baseline_time
    return TimeToResponse(
        first_response=first,
        days=elapsed_days(start, first),
        sessions_before=sum(1 for when in session_times if when < first),
    )


Sustained = Literal["sustained", "lost", "too early", "no response"]


def sustained_response(read: Trajectory[TimeT], weeks: int) -> Sustained:
    """Whether the first response held for `weeks` weeks: "sustained" when every assessment
    from the first response up to the first one at least `weeks` weeks later meets response,
    "lost" when one of them does not, "too early" when no assessment is that late yet, and
    "no response" when there was none (SUSTAINED_SOURCE)."""
    if weeks < 1:
        raise ValidationError("weeks", weeks, "1 or more")
    first = read.first_response
    if first is None:
        return "no response"
    horizon = Decimal(7 * weeks)
    for when, outcome in read.outcomes:
        if when < first:
            continue
        if not outcome.response:
            return "lost"
        if elapsed_days(first, when) >= horizon:
            return "sustained"
    return "too early"


@dataclass(frozen=True)
class Relapse(Generic[TimeT]):
    """A relapse after response (the definition's relapse rule), and the days the response
    lasted before the relapse began."""

    onset: TimeT | None
    confirmed: TimeT | None
    days_in_response: Decimal | None


def relapse(read: Trajectory[TimeT]) -> Relapse[TimeT]:
    if read.relapse_onset is None or read.first_response is None:
        return Relapse(None, None, None)
    return Relapse(
        onset=read.relapse_onset,
        confirmed=read.relapse_confirmed,
        days_in_response=elapsed_days(read.first_response, read.relapse_onset),
    )


@dataclass(frozen=True)
class CourseReading(Generic[TimeT]):
    """Everything the outcomes page, the letter and the API say about one instrument over one
    course, under one definition."""

    trajectory: Trajectory[TimeT]
    latest: int
    latest_time: TimeT
    response_now: bool
    remission_now: bool
    time_to_response: TimeToResponse[TimeT]
    sustained: tuple[tuple[int, Sustained], ...]
    relapse: Relapse[TimeT]


def read_course(
    read: Trajectory[TimeT],
    session_times: Sequence[TimeT] = (),
    sustained_weeks: Sequence[int] = READING_RULES.sustained_weeks.value,
) -> CourseReading[TimeT]:
    """Summarise a trajectory: latest score and status, time to response, whether the
    response was sustained at each of `sustained_weeks`, and relapse."""
    if read.outcomes:
        latest_time, last = read.outcomes[-1]
        latest, response_now, remission_now = last.followup, last.response, last.remission
    else:
        latest_time, latest = read.baseline_time, read.baseline
        response_now = remission_now = False
    return CourseReading(
        trajectory=read,
        latest=latest,
        latest_time=latest_time,
        response_now=response_now,
        remission_now=remission_now,
        time_to_response=time_to_response(read, session_times),
        sustained=tuple((w, sustained_response(read, w)) for w in sustained_weeks),
        relapse=relapse(read),
    )


# -- cumulative ketamine exposure (clinical reference 4.3) ------------------------------


@dataclass(frozen=True)
class Dose:
    """Drug given at one session: `dose_mg` for a patient weighing `weight_kg`."""

    on: date
    dose_mg: Decimal
    weight_kg: Decimal

    def __post_init__(self) -> None:
        if self.dose_mg < 0:
            raise ValidationError("dose_mg", self.dose_mg, "0 mg or more")
        if self.weight_kg <= 0:
            raise ValidationError("weight_kg", self.weight_kg, "more than 0 kg")

    @property
    def mg_per_kg(self) -> Decimal:
        return self.dose_mg / self.weight_kg


@dataclass(frozen=True)
class Exposure:
    """Cumulative ketamine exposure: totals to date, the window ending today (the last
    `window_days` days, today included) and the highest mg/kg of any such window so far."""

    sessions: int
    total_mg: Decimal
    total_mg_per_kg: Decimal
    window_days: int
    window_sessions: int
    window_mg: Decimal
    window_mg_per_kg: Decimal
    peak_window_mg_per_kg: Decimal


def doses_in_window(doses: Sequence[Dose], end: date, days: int) -> list[Dose]:
    """The doses of the `days` days ending on `end` (end included)."""
    return [d for d in doses if end - timedelta(days=days) < d.on <= end]


def exposure(doses: Sequence[Dose], today: date, window_days: int = 30) -> Exposure:
    """Sum the doses given up to `today` (later ones are ignored). Exact sums, rounded once:
    mg to 0.01 and mg/kg to 0.001."""
    if window_days < 1:
        raise ValidationError("window_days", window_days, "1 or more")
    given = sorted((d for d in doses if d.on <= today), key=lambda d: d.on)
    window = doses_in_window(given, today, window_days)
    peak = max(
        (sum((w.mg_per_kg for w in doses_in_window(given, d.on, window_days)), Decimal(0))
         for d in given),
        default=Decimal(0),
    )  # fmt: skip
    return Exposure(
        sessions=len(given),
        total_mg=round_half_up(sum((d.dose_mg for d in given), Decimal(0)), MG_STEP),
        total_mg_per_kg=round_half_up(
            sum((d.mg_per_kg for d in given), Decimal(0)), MG_PER_KG_STEP
        ),
        window_days=window_days,
        window_sessions=len(window),
        window_mg=round_half_up(sum((d.dose_mg for d in window), Decimal(0)), MG_STEP),
        window_mg_per_kg=round_half_up(
            sum((d.mg_per_kg for d in window), Decimal(0)), MG_PER_KG_STEP
        ),
        peak_window_mg_per_kg=round_half_up(peak, MG_PER_KG_STEP),
    )
