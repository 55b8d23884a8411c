"""What the entry page needs from an instrument's data: which items are asked, how each one
is drawn, how posted text becomes answers, and which item a core error names.

Pure Python (no Django), so the skip logic shown on the page is tested without a browser and
always agrees with the rule the core enforces when the form is saved.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from kclinic import __version__
from kclinic.domain.errors import ValidationError
from kclinic.domain.instruments import cssrs_screener
from kclinic.domain.instruments.base import Instrument, Item

# Follow-up items asked only when their gate item is answered yes (1). The C-SSRS screener
# is the only instrument in the core with skip logic; its own module holds the rule.
GATES: Mapping[str, Mapping[str, str]] = {
    cssrs_screener.CSSRS_SCREENER.id: cssrs_screener.GATED,
}
FIELD_PREFIX = "item-"


def field_name(item: Item) -> str:
    return f"{FIELD_PREFIX}{item.id}"


def is_asked(instrument: Instrument, item_id: str, answers: Mapping[str, object]) -> bool:
    """True when the item is on the form given the answers so far (its gate, if any, is yes)."""
    gate = GATES.get(instrument.id, {}).get(item_id)
    return gate is None or answers.get(gate) == 1


def asked_items(instrument: Instrument, answers: Mapping[str, object]) -> tuple[Item, ...]:
    return tuple(item for item in instrument.items if is_asked(instrument, item.id, answers))


def gate_notes(instrument: Instrument, answers: Mapping[str, object]) -> tuple[str, ...]:
    """One line per gate that hides items, e.g. 'q3, q4, q5 are asked only if q2 = yes'."""
    hidden: dict[str, list[str]] = {}
    for item_id, gate in GATES.get(instrument.id, {}).items():
        if answers.get(gate) != 1:
            hidden.setdefault(gate, []).append(item_id)
    return tuple(
        f"{', '.join(items)} {'is' if len(items) == 1 else 'are'} asked only if {gate} = yes"
        for gate, items in hidden.items()
    )


def parse_answers(instrument: Instrument, posted: Mapping[str, str]) -> dict[str, object]:
    """Posted radio values keyed by item id: '' or missing is unanswered (None), whole
    numbers become int, anything else is passed on as text for the core to refuse by name."""
    answers: dict[str, object] = {}
    for item in instrument.items:
        raw = posted.get(field_name(item), "").strip()
        if raw == "":
            answers[item.id] = None
        elif raw.lstrip("-").isdigit():
            answers[item.id] = int(raw)
        else:
            answers[item.id] = raw
    return answers


def drop_unasked(instrument: Instrument, answers: Mapping[str, object]) -> dict[str, object]:
    """The answers with those to items the skip logic does not ask removed (set to None).

    Used only for the live preview, where changing q2 to "no" hides q3-q5 on the next render;
    a saved form keeps what was posted so the core refuses a contradiction by item name.
    """
    return {
        item_id: (value if is_asked(instrument, item_id, answers) else None)
        for item_id, value in answers.items()
    }


def item_for_error(instrument: Instrument, error: ValidationError) -> str | None:
    """The id of the item a core AnswerError names ('phq9 item 9 (...)'), else None."""
    for item in instrument.items:
        if error.field.startswith(f"{instrument.id} item {item.id} ("):
            return item.id
    return None


@dataclass(frozen=True)
class ChoiceView:
    value: int
    label: str
    checked: bool
    input_id: str


@dataclass(frozen=True)
class ItemView:
    """One item as the page draws it. `text` is None unless the licence lets us ship it."""

    id: str
    field: str
    short_name: str
    text: str | None
    choices: tuple[ChoiceView, ...]
    error: str | None
    gated_by: str | None
    yes_no: bool
    unanswered: bool


def item_views(
    instrument: Instrument,
    options: Mapping[str, str],
    answers: Mapping[str, object],
    errors: Mapping[str, str] | None = None,
    *,
    show_answered: bool = False,
) -> tuple[ItemView, ...]:
    """The asked items with their allowed values under the chosen options, labelled from
    the instrument's own choices where it has them, else by number.

    `show_answered` also shows items the skip logic does not ask but that carry an answer,
    so a refused save shows the contradicting answer where the user can clear it.
    """
    errors = errors or {}
    ships_text = instrument.licence.ships_item_text
    views = []
    for item in instrument.items:
        if not is_asked(instrument, item.id, answers) and not (
            show_answered and answers.get(item.id) is not None
        ):
            continue
        allowed = instrument.values_for(item, options) if instrument.values_for else item.values
        labels = {choice.value: choice.label for choice in item.choices}
        views.append(
            ItemView(
                id=item.id,
                field=field_name(item),
                short_name=item.short_name,
                text=item.text if ships_text else None,
                choices=tuple(
                    ChoiceView(
                        value=value,
                        label=labels.get(value, ""),
                        checked=answers.get(item.id) == value,
                        input_id=f"id-{field_name(item)}-{value}",
                    )
                    for value in allowed
                ),
                error=errors.get(item.id),
                gated_by=GATES.get(instrument.id, {}).get(item.id),
                yes_no=item.yes_no,
                unanswered=answers.get(item.id) is None,
            )
        )
    return tuple(views)


def instrument_version(instrument: Instrument) -> str:
    """kclinic release plus a fingerprint of the instrument's data: item ids and allowed
    values, totals range, band tables, options. Any change to these changes the fingerprint,
    so stored assessments show which definition scored them."""
    data = {
        "id": instrument.id,
        "items": [[i.id, list(i.values), i.yes_no] for i in instrument.items],
        "range": [instrument.min_total, instrument.max_total],
        "band_tables": [
            [t.name, [[b.label, b.low, b.high, [list(r) for r in b.requires]] for b in t.bands]]
            for t in instrument.band_tables
        ],
        "default_band_table": instrument.default_band_table,
        "options": [[o.name, list(o.choices), o.default] for o in instrument.options],
    }
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    return f"{__version__}+{digest[:12]}"
