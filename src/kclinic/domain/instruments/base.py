"""The shape of a validated scale: items, allowed answers, band tables, scoring.

An `Instrument` is data (items, allowed values, recall period, licence, sources, named band
tables, options) plus one scoring function (`Scorer`) that turns validated answers into a
`Tally`. `Instrument.score` does the parts every scale shares:

1. normalise the answers (a list in item order, or a mapping keyed by item id; None means
   unanswered) and refuse anything the instrument does not allow, naming the item and the
   allowed values;
2. call the instrument's scorer, which applies the scale's own rules (domain maxima, skip
   logic, subscales, safety flags);
3. place the total in the chosen band table.

Safety flags are computed from whatever was answered, so a flag is raised even when the form
is incomplete and has no total: a blank item never hides item 9 of the PHQ-9.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from kclinic.domain.errors import AnswerError, ConfigurationError, UnknownNameError
from kclinic.domain.sources import Source

Answers = Mapping[str, int | None]
Options = Mapping[str, str]

# Safety flags. A flag is never suppressed by a total; the web layer turns each into a task.
SUICIDAL_IDEATION = "suicidal_ideation"
SUICIDAL_BEHAVIOUR = "suicidal_behaviour"
LOSS_OF_CONSCIOUSNESS = "loss_of_consciousness"


@dataclass(frozen=True)
class Choice:
    """One labelled answer of an item."""

    value: int
    label: str


@dataclass(frozen=True)
class Item:
    """One question or rating. `text` is None where the licence does not let us ship it."""

    id: str
    short_name: str
    values: tuple[int, ...]
    text: str | None = None
    choices: tuple[Choice, ...] = ()
    loinc: str | None = None
    yes_no: bool = False  # answers may be given as true/false and are stored as 1/0


@dataclass(frozen=True)
class Band:
    """A named range of totals, inclusive at both ends.

    `requires` lists (item id, minimum value) pairs that must also hold, for band rules such
    as "Aldrete >= 8 with 2 in respiration and SpO2".
    """

    label: str
    low: int
    high: int
    requires: tuple[tuple[str, int], ...] = ()

    def matches(self, total: int, answers: Answers) -> bool:
        if not self.low <= total <= self.high:
            return False
        return all((answers.get(item) or 0) >= minimum for item, minimum in self.requires)


@dataclass(frozen=True)
class BandTable:
    """A named, cited way of putting a total into a band. The first matching band wins."""

    name: str
    bands: tuple[Band, ...]
    source: Source

    def classify(self, total: int, answers: Answers) -> str:
        for band in self.bands:
            if band.matches(total, answers):
                return band.label
        raise ConfigurationError(f"band table {self.name!r} has no band for total {total}")

    def check_covers(self, low: int, high: int) -> None:
        """Raise ConfigurationError unless every total from low to high falls in a band."""
        for total in range(low, high + 1):
            if not any(band.low <= total <= band.high for band in self.bands):
                raise ConfigurationError(
                    f"band table {self.name!r} leaves total {total} without a band"
                )


@dataclass(frozen=True)
class Licence:
    """Whether and how the item wording may be reproduced."""

    status: Literal["free", "public-domain", "copyright-restricted", "unknown"]
    ships_item_text: bool
    note: str
    source: Source


@dataclass(frozen=True)
class Option:
    """A scoring choice the sources disagree on, with the default kclinic uses and why."""

    name: str
    choices: tuple[str, ...]
    default: str
    description: str
    source: Source


@dataclass(frozen=True)
class Tally:
    """What an instrument's own scoring rules produce from validated answers."""

    total: int | None
    complete: bool
    subscales: Mapping[str, int | None] = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    criteria: Mapping[str, bool] = field(default_factory=dict)
    band: str | None = None  # for scales whose band is a rule, not a range (C-SSRS triage)


Scorer = Callable[[Answers, Options], Tally]
ValuesFor = Callable[[Item, Options], tuple[int, ...]]


@dataclass(frozen=True)
class ScoreResult:
    """A scored form: everything needed to store, show and audit the result."""

    instrument: str
    total: int | None
    band: str | None
    band_table: str | None
    complete: bool
    flags: tuple[str, ...]
    subscales: Mapping[str, int | None]
    criteria: Mapping[str, bool]
    options: Mapping[str, str]
    answers: Mapping[str, int | None]

    def as_dict(self) -> dict[str, object]:
        """The stable JSON shape documented in docs/cli.md."""
        return {
            "instrument": self.instrument,
            "total": self.total,
            "band": self.band,
            "band_table": self.band_table,
            "complete": self.complete,
            "flags": list(self.flags),
            "subscales": dict(self.subscales),
            "criteria": dict(self.criteria),
            "options": dict(self.options),
            "answers": dict(self.answers),
        }


@dataclass(frozen=True)
class Instrument:
    """A validated scale declared as data, with its scoring function."""

    id: str
    name: str
    respondent: Literal["patient", "clinician"]
    recall_period: str | None
    items: tuple[Item, ...]
    min_total: int | None  # None for scales whose result is a rule, not a sum (C-SSRS)
    max_total: int | None
    licence: Licence
    sources: tuple[Source, ...]
    scorer: Scorer
    band_tables: tuple[BandTable, ...] = ()
    default_band_table: str | None = None
    options: tuple[Option, ...] = ()
    values_for: ValuesFor | None = None
    codes: Mapping[str, str] = field(default_factory=dict)
    description: str = ""

    def __post_init__(self) -> None:
        ids = [item.id for item in self.items]
        if len(set(ids)) != len(ids):
            raise ConfigurationError(f"{self.id}: item ids are not unique")
        names = [table.name for table in self.band_tables]
        if self.default_band_table is not None and self.default_band_table not in names:
            raise ConfigurationError(f"{self.id}: default band table is not one of {names}")
        for table in self.band_tables:
            if self.min_total is None or self.max_total is None:
                raise ConfigurationError(f"{self.id}: band tables need a total range")
            table.check_covers(self.min_total, self.max_total)
        object.__setattr__(self, "codes", MappingProxyType(dict(self.codes)))

    # -- look-ups -----------------------------------------------------------------------

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise UnknownNameError(f"{self.id}.item", item_id, (i.id for i in self.items))

    def band_table(self, name: str | None = None) -> BandTable | None:
        """The named band table, the default one when name is None, or None if it has none."""
        wanted = name if name is not None else self.default_band_table
        if wanted is None:
            return None
        for table in self.band_tables:
            if table.name == wanted:
                return table
        raise UnknownNameError(f"{self.id}.band_table", wanted, (t.name for t in self.band_tables))

    def resolve_options(self, given: Options | None) -> dict[str, str]:
        chosen = {option.name: option.default for option in self.options}
        known = {option.name: option for option in self.options}
        for name, value in (given or {}).items():
            option = known.get(name)
            if option is None:
                raise UnknownNameError(f"{self.id}.option", name, known)
            if value not in option.choices:
                raise AnswerError(f"{self.id}.option.{name}", value, ", ".join(option.choices))
            chosen[name] = value
        return chosen

    # -- scoring ------------------------------------------------------------------------

    def normalise(
        self, answers: Mapping[str, object] | Sequence[object], options: Options
    ) -> dict[str, int | None]:
        """Validate raw answers and return them keyed by item id, in item order."""
        if isinstance(answers, Mapping):
            unknown = [key for key in answers if key not in {item.id for item in self.items}]
            if unknown:
                raise UnknownNameError(
                    f"{self.id}.answers", unknown[0], (item.id for item in self.items)
                )
            raw = {item.id: answers.get(item.id) for item in self.items}
        elif isinstance(answers, Sequence) and not isinstance(answers, str | bytes):
            if len(answers) != len(self.items):
                raise AnswerError(
                    f"{self.id}.answers",
                    f"{len(answers)} values",
                    f"exactly {len(self.items)} values in item order (null = unanswered)",
                )
            raw = {item.id: value for item, value in zip(self.items, answers, strict=True)}
        else:
            raise AnswerError(
                f"{self.id}.answers", answers, "a list in item order or an object keyed by item id"
            )
        return {item.id: self._check_value(item, raw[item.id], options) for item in self.items}

    def _check_value(self, item: Item, value: object, options: Options) -> int | None:
        if value is None:
            return None
        allowed = self.values_for(item, options) if self.values_for else item.values
        field_name = f"{self.id} item {item.id} ({item.short_name})"
        if isinstance(value, bool):
            if not item.yes_no:
                raise AnswerError(field_name, value, _allowed_text(allowed))
            value = int(value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or value not in allowed:
            shown = "yes/no (true/false or 1/0)" if item.yes_no else _allowed_text(allowed)
            raise AnswerError(field_name, value, shown)
        return value

    def score(
        self,
        answers: Mapping[str, object] | Sequence[object],
        band_table: str | BandTable | None = None,
        options: Options | None = None,
    ) -> ScoreResult:
        """Score a form. Raises AnswerError / UnknownNameError on input the scale forbids."""
        chosen = self.resolve_options(options)
        table = band_table if isinstance(band_table, BandTable) else self.band_table(band_table)
        if isinstance(band_table, BandTable):
            if self.min_total is None or self.max_total is None:
                raise UnknownNameError(f"{self.id}.band_table", band_table.name, ())
            band_table.check_covers(self.min_total, self.max_total)
        values = self.normalise(answers, chosen)
        tally = self.scorer(values, chosen)
        band = tally.band
        if band is None and tally.total is not None and table is not None:
            band = table.classify(tally.total, values)
        return ScoreResult(
            instrument=self.id,
            total=tally.total,
            band=band,
            band_table=table.name if table is not None and tally.band is None else None,
            complete=tally.complete,
            flags=tally.flags,
            subscales=dict(tally.subscales),
            criteria=dict(tally.criteria),
            options=chosen,
            answers=values,
        )


def _allowed_text(values: tuple[int, ...]) -> str:
    if len(values) > 2 and values == tuple(range(values[0], values[-1] + 1)):
        return f"whole numbers {values[0]} to {values[-1]}"
    return "one of " + ", ".join(str(v) for v in values)


# -- helpers the scale modules share ------------------------------------------------------


def total_if_complete(answers: Answers, item_ids: Sequence[str]) -> int | None:
    """The sum of the items, or None when any of them is unanswered (no proration)."""
    values = [answers[item_id] for item_id in item_ids]
    if any(value is None for value in values):
        return None
    return sum(value for value in values if value is not None)


def all_answered(answers: Answers, item_ids: Sequence[str]) -> bool:
    return all(answers[item_id] is not None for item_id in item_ids)


def bands(*spec: tuple[str, int, int]) -> tuple[Band, ...]:
    """Build bands from (label, low, high) triples."""
    return tuple(Band(label, low, high) for label, low, high in spec)


def scale_items(
    names: Sequence[str],
    values: tuple[int, ...],
    texts: Sequence[str] | None = None,
    choices: tuple[Choice, ...] = (),
    loinc: Sequence[str] | None = None,
) -> tuple[Item, ...]:
    """Items numbered 1..n that share one answer scale."""
    return tuple(
        Item(
            id=str(number),
            short_name=name,
            values=values,
            text=texts[number - 1] if texts else None,
            choices=choices,
            loinc=loinc[number - 1] if loinc else None,
        )
        for number, name in enumerate(names, start=1)
    )
