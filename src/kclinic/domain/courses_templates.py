"""Course templates as cited data (clinical reference 1.3, 1.5, 1.7 and acceptance check 8.2).

A `CourseTemplate` is a sequence of `Block`s counted in course weeks from the plan's start
date (week 1 is the start date and the six days after it). Each block says how many weeks it
lasts (or that it is open-ended), how often sessions fall (`Pace`: `sessions` every `weeks`
weeks) and the shortest and longest interval allowed between consecutive sessions. The number
of sessions and the window length follow: 3 a week for 2 weeks is 6 sessions in 14 days.

The published schedules give a frequency and a count; none gives interval bounds. The bounds
here are kclinic policy that follows from the frequency (three a week without two sessions on
consecutive days can only be 2 or 3 days apart), with the reason noted in `courses_sources`;
a clinic's medical director may replace them. `DEFAULT_TEMPLATES` is versioned by
`TEMPLATES_VERSION`; a course records the version it was planned under.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from math import lcm
from types import MappingProxyType
from typing import Final, Literal, get_args

from kclinic.domain.courses_sources import (
    ALTERNATE_DAYS,
    ELEKT_D,
    KETECT,
    MURROUGH_2013,
    PHILLIPS_2019,
    RACEMIC_ROUTES,
    SPRAVATO_MDSI,
    SPRAVATO_TRD,
    TWICE_WEEKLY_GAPS,
    WEEKLY_GAPS,
    WEEKLY_OR_FORTNIGHTLY_GAPS,
)
from kclinic.domain.errors import ConfigurationError, UnknownNameError, ValidationError
from kclinic.domain.sources import Cited, Source

TEMPLATES_VERSION: Final = "kclinic-courses-2025.1"

Modality = Literal["iv-racemic", "im-racemic", "intranasal-racemic", "esketamine"]
MODALITIES: Final[tuple[str, ...]] = get_args(Modality)
RACEMIC: Final[tuple[str, ...]] = ("iv-racemic", "im-racemic", "intranasal-racemic")

BlockPhase = Literal["induction", "maintenance"]


@dataclass(frozen=True)
class Pace:
    """How often sessions fall: `sessions` in every period of `weeks` weeks."""

    name: str
    sessions: int
    weeks: int

    @property
    def ideal_gap_days(self) -> int:
        """The even spacing, rounded down: 3 a week -> 2 days, 2 a week -> 3, weekly -> 7."""
        return 7 * self.weeks // self.sessions

    def __str__(self) -> str:
        if self.weeks == 1:
            return "once a week" if self.sessions == 1 else f"{self.sessions} a week"
        return f"{self.sessions} every {self.weeks} weeks"


THREE_A_WEEK: Final = Pace("3-a-week", 3, 1)
TWICE_A_WEEK: Final = Pace("2-a-week", 2, 1)
WEEKLY: Final = Pace("weekly", 1, 1)
EVERY_2_WEEKS: Final = Pace("every-2-weeks", 1, 2)


@dataclass(frozen=True)
class Block:
    """Consecutive course weeks with one rule for how often sessions fall.

    `weeks` is None for an open-ended block (it runs until the course ends). `paces` lists
    every pace the source allows; the first is what a schedule is generated at unless the
    caller names another. `stops_early` says the source ends the block at remission, so a
    plan that stops inside it is not short.
    """

    name: str
    phase: BlockPhase
    weeks: Cited[int | None]
    paces: Cited[tuple[Pace, ...]]
    min_interval_days: Cited[int]
    max_interval_days: Cited[int]
    stops_early: bool = False

    @property
    def period_weeks(self) -> int:
        """Sessions are counted in periods of this many weeks (1 unless a pace is slower)."""
        return lcm(*(pace.weeks for pace in self.paces.value))

    @property
    def sessions_per_period(self) -> tuple[int, int]:
        """Fewest and most sessions a period may hold under any allowed pace."""
        counts = [p.sessions * self.period_weeks // p.weeks for p in self.paces.value]
        return min(counts), max(counts)

    @property
    def sessions(self) -> int | None:
        """Sessions in the block at its first pace; None when open-ended."""
        weeks = self.weeks.value
        if weeks is None:
            return None
        pace = self.paces.value[0]
        return weeks // pace.weeks * pace.sessions

    def pace(self, name: str | None) -> Pace:
        if name is None:
            return self.paces.value[0]
        for pace in self.paces.value:
            if pace.name == name:
                return pace
        raise UnknownNameError("pace", name, (p.name for p in self.paces.value))

    def rule(self) -> str:
        paces = " or ".join(str(p) for p in self.paces.value)
        low, high = self.min_interval_days.value, self.max_interval_days.value
        return f"{self.name}: {paces}, {low}-{high} days apart"


@dataclass(frozen=True)
class CourseTemplate:
    """A named course schedule: its blocks, the modalities it applies to, and its source."""

    id: str
    name: str
    blocks: tuple[Block, ...]
    modalities: Cited[tuple[str, ...]]
    source: Source
    example_weekdays: tuple[int, ...]

    def __post_init__(self) -> None:
        _check(self)

    @property
    def open_ended(self) -> bool:
        return self.blocks[-1].weeks.value is None

    @property
    def finite_weeks(self) -> int:
        """Weeks covered by the blocks that have an end."""
        return sum(b.weeks.value for b in self.blocks if b.weeks.value is not None)

    @property
    def window_days(self) -> int:
        """Length of the template's finite part in days (the window its sessions fall in)."""
        return 7 * self.finite_weeks

    @property
    def sessions(self) -> int:
        """Sessions in the finite part at each block's first pace."""
        return sum(b.sessions or 0 for b in self.blocks)

    def block_starts(self) -> tuple[int, ...]:
        """Day offset from the plan start at which each block begins."""
        offsets: list[int] = []
        day = 0
        for block in self.blocks:
            offsets.append(day)
            day += 7 * (block.weeks.value or 0)
        return tuple(offsets)

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "sessions": self.sessions,
            "window_days": self.window_days,
            "open_ended": self.open_ended,
            "modalities": list(self.modalities.value),
            "blocks": [
                {
                    "name": b.name,
                    "phase": b.phase,
                    "weeks": b.weeks.value,
                    "paces": [p.name for p in b.paces.value],
                    "min_interval_days": b.min_interval_days.value,
                    "max_interval_days": b.max_interval_days.value,
                    "stops_early": b.stops_early,
                }
                for b in self.blocks
            ],
            "source": self.source.as_dict(),
        }


def _check(template: CourseTemplate) -> None:
    # Template data is protocol data a clinic may edit; contradictions are caught when built.
    if not template.blocks:
        raise ConfigurationError(f"{template.id}: a template needs at least one block")
    for index, block in enumerate(template.blocks):
        where = f"{template.id} block {block.name!r}"
        if block.weeks.value is None and index != len(template.blocks) - 1:
            raise ConfigurationError(f"{where}: only the last block may be open-ended")
        if not block.paces.value:
            raise ConfigurationError(f"{where}: no pace")
        low, high = block.min_interval_days.value, block.max_interval_days.value
        if not 1 <= low <= high:
            raise ConfigurationError(f"{where}: interval bounds {low}-{high} days")
        for pace in block.paces.value:
            if pace.sessions < 1 or pace.weeks < 1:
                raise ConfigurationError(f"{where}: pace {pace.name} must be positive")
            if not low <= pace.ideal_gap_days <= high:
                raise ConfigurationError(
                    f"{where}: pace {pace.name} spacing {pace.ideal_gap_days} days is outside "
                    f"{low}-{high} days"
                )
        weeks = block.weeks.value
        if weeks is not None and (weeks < 1 or weeks % block.period_weeks):
            raise ConfigurationError(f"{where}: {weeks} weeks is not whole periods")
    for day in template.example_weekdays:
        if not 0 <= day <= 6:
            raise ConfigurationError(f"{template.id}: example weekday {day}")
    unknown = set(template.modalities.value) - set(MODALITIES)
    if unknown:
        raise ConfigurationError(f"{template.id}: unknown modalities {sorted(unknown)}")


def _block(
    name: str,
    phase: BlockPhase,
    weeks: int | None,
    weeks_source: Source,
    paces: tuple[Pace, ...],
    gaps: tuple[int, int],
    gaps_source: Source,
    *,
    stops_early: bool = False,
) -> Block:
    return Block(
        name=name,
        phase=phase,
        weeks=Cited(weeks, weeks_source),
        paces=Cited(paces, weeks_source),
        min_interval_days=Cited(gaps[0], gaps_source),
        max_interval_days=Cited(gaps[1], gaps_source),
        stops_early=stops_early,
    )


MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
_RACEMIC_MODALITIES: Cited[tuple[str, ...]] = Cited(RACEMIC, RACEMIC_ROUTES)
_ESKETAMINE_MDSI: Cited[tuple[str, ...]] = Cited(("esketamine",), SPRAVATO_MDSI)
_ESKETAMINE: Cited[tuple[str, ...]] = Cited(("esketamine",), SPRAVATO_TRD)

_TEMPLATES: tuple[CourseTemplate, ...] = (
    CourseTemplate(
        id="iv-3-a-week-2-weeks",
        name="IV induction: 3 a week for 2 weeks (6 sessions; Murrough 2013, Phillips 2019)",
        blocks=(
            _block(
                "induction", "induction", 2, PHILLIPS_2019, (THREE_A_WEEK,), (2, 3), ALTERNATE_DAYS
            ),
        ),
        modalities=_RACEMIC_MODALITIES,
        source=MURROUGH_2013,
        example_weekdays=(MON, WED, FRI),
    ),
    CourseTemplate(
        id="iv-2-a-week-3-weeks",
        name="IV induction: 2 a week for 3 weeks (6 sessions; ELEKT-D)",
        blocks=(
            _block(
                "induction", "induction", 3, ELEKT_D, (TWICE_A_WEEK,), (2, 5), TWICE_WEEKLY_GAPS
            ),
        ),
        modalities=_RACEMIC_MODALITIES,
        source=ELEKT_D,
        example_weekdays=(MON, THU),
    ),
    CourseTemplate(
        id="iv-3-a-week-up-to-12",
        name="IV induction: 3 a week, up to 12 sessions until remission (KetECT)",
        blocks=(
            _block(
                "induction",
                "induction",
                4,
                KETECT,
                (THREE_A_WEEK,),
                (2, 3),
                ALTERNATE_DAYS,
                stops_early=True,
            ),
        ),
        modalities=_RACEMIC_MODALITIES,
        source=KETECT,
        example_weekdays=(MON, WED, FRI),
    ),
    CourseTemplate(
        id="iv-maintenance-weekly-4",
        name="IV maintenance: weekly for 4 weeks (Phillips 2019)",
        blocks=(
            _block("maintenance", "maintenance", 4, PHILLIPS_2019, (WEEKLY,), (5, 9), WEEKLY_GAPS),
        ),
        modalities=_RACEMIC_MODALITIES,
        source=PHILLIPS_2019,
        example_weekdays=(MON,),
    ),
    CourseTemplate(
        id="esketamine-trd",
        name="Esketamine TRD: twice weekly weeks 1-4, weekly weeks 5-8, then weekly or every "
        "2 weeks (Spravato label)",
        blocks=(
            _block(
                "induction",
                "induction",
                4,
                SPRAVATO_TRD,
                (TWICE_A_WEEK,),
                (2, 5),
                TWICE_WEEKLY_GAPS,
            ),
            _block("maintenance", "maintenance", 4, SPRAVATO_TRD, (WEEKLY,), (5, 9), WEEKLY_GAPS),
            _block(
                "continued maintenance",
                "maintenance",
                None,
                SPRAVATO_TRD,
                (WEEKLY, EVERY_2_WEEKS),
                (5, 17),
                WEEKLY_OR_FORTNIGHTLY_GAPS,
            ),
        ),
        modalities=_ESKETAMINE,
        source=SPRAVATO_TRD,
        example_weekdays=(MON, THU),
    ),
    CourseTemplate(
        id="esketamine-mdsi",
        name="Esketamine MDSI: twice weekly for 4 weeks (Spravato label)",
        blocks=(
            _block(
                "induction",
                "induction",
                4,
                SPRAVATO_MDSI,
                (TWICE_A_WEEK,),
                (2, 5),
                TWICE_WEEKLY_GAPS,
            ),
        ),
        modalities=_ESKETAMINE_MDSI,
        source=SPRAVATO_MDSI,
        example_weekdays=(MON, THU),
    ),
)

DEFAULT_TEMPLATES: Final[Mapping[str, CourseTemplate]] = MappingProxyType(
    {t.id: t for t in _TEMPLATES}
)


def get_template(
    template_id: str, templates: Mapping[str, CourseTemplate] = DEFAULT_TEMPLATES
) -> CourseTemplate:
    """The template named `template_id`, or UnknownNameError listing the known ids."""
    try:
        return templates[template_id]
    except KeyError:
        raise UnknownNameError("template_id", template_id, templates) from None


def templates_for(
    modality: str, templates: Mapping[str, CourseTemplate] = DEFAULT_TEMPLATES
) -> tuple[CourseTemplate, ...]:
    """Templates that apply to `modality` (esketamine schedules for esketamine, and so on)."""
    check_modality(modality)
    return tuple(t for t in templates.values() if modality in t.modalities.value)


def check_modality(modality: str) -> None:
    if modality not in MODALITIES:
        raise UnknownNameError("modality", modality, MODALITIES)


def check_template_for_modality(template: CourseTemplate, modality: str) -> None:
    """Refuse a template its sources do not describe for `modality` (e.g. KetECT for
    esketamine, or the Spravato schedule for IV racemic ketamine)."""
    check_modality(modality)
    if modality not in template.modalities.value:
        raise ValidationError(
            "template_id",
            template.id,
            "a template for " + modality + ": " + ", ".join(t.id for t in templates_for(modality)),
        )
