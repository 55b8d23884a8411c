"""What a self-report link can ask: validated instruments (scored by the core and stored as
assessments) and two question sets that are not a validated instrument (stored as
structured answers on the submission).

No validated urinary-symptom instrument is in the clinical reference; section 4.3 lists the
symptoms of ketamine-induced cystitis that clinics ask about at every visit (frequency,
urgency, pain on passing urine, blood in the urine, suprapubic pain: Anderson 2022; Chan
2022), so those five yes/no questions are asked as they are and never scored. Side effects
are free text.

A section is drawn from saved answers as a list of `Field`s: the page shows one at a time or
all of them. Item wording is shown only where the instrument's licence lets it ship
(clinical reference 5); otherwise the item's short name and the numeric scale are shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kclinic.domain import instruments
from kclinic.domain.errors import ValidationError
from kclinic.domain.instruments.base import Instrument
from kclinic.domain.measurement_schedule import SIDE_EFFECTS, URINARY
from kclinic.domain.sources import Source
from kclinic.web.assessments.entry import is_asked

# Self-report instruments the portal offers, in the order a patient answers them.
INSTRUMENTS: tuple[str, ...] = ("phq9", "gad7", "qids-sr16", "pcl5", "cssrs-screener")
SIDE_EFFECTS_MAX_CHARS = 2000

KIC_SYMPTOMS = Source(
    id="kic-symptoms",
    citation="Anderson DJ et al. Health Psychol Res 2022; Chan EOT et al. Hong Kong Med J "
    "2022;28:466-74: frequency, urgency, dysuria, haematuria and suprapubic pain in "
    "ketamine-induced cystitis",
    url="https://www.hkmj.org/abstracts/v28n6/466.htm",
    confidence="policy",
    note="symptom list from clinical reference 4.3; not a validated instrument, never scored",
)


@dataclass(frozen=True)
class Question:
    id: str
    text: str


@dataclass(frozen=True)
class QuestionSet:
    id: str
    title: str
    intro: str
    questions: tuple[Question, ...]  # yes/no questions; empty for the free-text set
    source: Source | None = None


URINARY_SET = QuestionSet(
    id=URINARY,
    title="Bladder and urine",
    intro="Since your last visit, have you had any of these?",
    questions=(
        Question("frequency", "Needing to pass urine more often than usual"),
        Question("urgency", "Sudden, strong urges to pass urine that are hard to hold"),
        Question("dysuria", "Pain or burning when passing urine"),
        Question("haematuria", "Blood in your urine"),
        Question("suprapubic_pain", "Pain low in your belly, just above the pubic bone"),
    ),
    source=KIC_SYMPTOMS,
)
SIDE_EFFECTS_SET = QuestionSet(
    id=SIDE_EFFECTS,
    title="Side effects",
    intro="Since your last treatment, have you had any side effects (for example headache, "
    "dizziness, feeling sick, feeling unreal or detached, blurred vision)? Describe them in "
    "your own words, or leave the box empty if there were none.",
    questions=(),
)
QUESTION_SETS: dict[str, QuestionSet] = {URINARY: URINARY_SET, SIDE_EFFECTS: SIDE_EFFECTS_SET}
SECTIONS: tuple[str, ...] = (*INSTRUMENTS, URINARY, SIDE_EFFECTS)
TEXT_FIELD = "text"


def check_sections(ids: Sequence[str]) -> tuple[str, ...]:
    """The ids in the order the patient answers them; ValidationError names a bad one."""
    if not ids:
        raise ValidationError("instruments", "[]", "at least one of " + ", ".join(SECTIONS))
    for section in ids:
        if section not in SECTIONS:
            raise ValidationError("instruments", section, ", ".join(SECTIONS))
    return tuple(s for s in SECTIONS if s in ids)


def title(section: str) -> str:
    if section in QUESTION_SETS:
        return QUESTION_SETS[section].title
    return instruments.get(section).name


def short_title(section: str) -> str:
    """ "PHQ-9" for the PHQ-9: the abbreviation an instrument's name ends with."""
    name = title(section)
    if name.endswith(")") and "(" in name:
        return name[name.rindex("(") + 1 : -1]
    return name


@dataclass(frozen=True)
class Choice:
    value: int
    label: str


@dataclass(frozen=True)
class Field:
    """One question on the patient's page."""

    id: str
    number: str  # as the instrument numbers it ("9", "6a")
    label: str
    hint: str
    choices: tuple[Choice, ...]  # empty for free text
    answer: object  # int, text or None


def _instrument_fields(instrument: Instrument, saved: Mapping[str, object]) -> list[Field]:
    ships = instrument.licence.ships_item_text
    fields = []
    for item in instrument.items:
        if not is_asked(instrument, item.id, saved):
            continue
        labels = {c.value: c.label for c in item.choices}
        label = (
            item.text if ships and item.text else item.short_name[:1].upper() + item.short_name[1:]
        )
        choices = tuple(
            Choice(v, (labels.get(v) or str(v)).capitalize() if labels else str(v))
            for v in item.values
        )
        number = item.id.removeprefix("q")
        fields.append(Field(item.id, number, label, "", choices, saved.get(item.id)))
    return fields


def fields(section: str, saved: Mapping[str, object]) -> list[Field]:
    """The questions asked given the answers saved so far (C-SSRS follow-ups appear only
    after a yes to their gate question)."""
    if section == SIDE_EFFECTS:
        return [Field(TEXT_FIELD, "1", "Side effects", "", (), saved.get(TEXT_FIELD, ""))]
    if section in QUESTION_SETS:
        yes_no = (Choice(0, "No"), Choice(1, "Yes"))
        return [
            Field(q.id, str(number), q.text, "", yes_no, saved.get(q.id))
            for number, q in enumerate(QUESTION_SETS[section].questions, start=1)
        ]
    return _instrument_fields(instruments.get(section), saved)


def intro(section: str) -> str:
    if section in QUESTION_SETS:
        return QUESTION_SETS[section].intro
    if section == "cssrs-screener":
        return (
            "Answer yes or no. Questions 1 to 5 are about the past month; question 6 is about "
            "your whole life, and 6a about the past 3 months."
        )
    instrument = instruments.get(section)
    text = f"Thinking about the {instrument.recall_period}, choose the answer that fits best."
    if not instrument.licence.ships_item_text:
        text += (
            " Each question is shown by its topic; 0 means not at all (or no change) and "
            "higher numbers mean more."
        )
    return text


def clean(
    section: str, saved: Mapping[str, object], posted: Mapping[str, object]
) -> dict[str, object]:
    """Merge posted answers into the saved ones and check them, returning what to store.

    Values must be ones the question allows (ValidationError names the question). Answers to
    C-SSRS follow-up questions whose gate is no longer yes are dropped, because the patient
    changed the gate answer and the follow-ups are no longer asked.
    """
    merged: dict[str, object] = {**saved, **posted}
    if section == SIDE_EFFECTS:
        text = str(merged.get(TEXT_FIELD) or "").strip()
        if len(text) > SIDE_EFFECTS_MAX_CHARS:
            raise ValidationError(
                "side effects", f"{len(text)} characters", f"at most {SIDE_EFFECTS_MAX_CHARS}"
            )
        return {TEXT_FIELD: text}
    if section in QUESTION_SETS:
        out: dict[str, object] = {}
        for q in QUESTION_SETS[section].questions:
            value = merged.get(q.id)
            if value not in (None, 0, 1):
                raise ValidationError(q.text, value, "yes or no")
            out[q.id] = value
        return out
    instrument = instruments.get(section)
    kept = {i.id: merged.get(i.id) for i in instrument.items}
    kept = {k: (v if is_asked(instrument, k, kept) else None) for k, v in kept.items()}
    # The core checks values and skip logic and names the item it refuses.
    return dict(instrument.normalise(kept, instrument.resolve_options(None)))


def complete(section: str, saved: Mapping[str, object] | None) -> bool:
    """Every asked question answered (the side-effects box counts once it was saved)."""
    if saved is None:
        return False
    if section == SIDE_EFFECTS:
        return TEXT_FIELD in saved
    return all(f.answer is not None for f in fields(section, saved))
