"""How a checklist verdict is kept: one stored value per item (what was entered plus the hard
stop and the source at the time), read back into an `ItemResult`, and the nurse's earlier
answers recovered from it so that a later entry only changes what it names.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final, cast, get_args

from kclinic.domain.errors import ValidationError
from kclinic.domain.prechecks_facts import Entered, ItemResult, Status
from kclinic.domain.prechecks_policy import Item
from kclinic.domain.sources import Confidence, Source

STATUSES: Final = get_args(Status)
CONFIDENCES: Final = get_args(Confidence)
# Where each answer of `Entered` is kept: (item, key in the item's stored value).
ANSWERS: Final[dict[str, tuple[Item, str]]] = {
    "fasting_hours": (Item.FASTING, "fasting_hours"),
    "liquids_hours": (Item.FASTING, "liquids_hours"),
    "escort_confirmed": (Item.ESCORT, "escort_confirmed"),
    "escort_name": (Item.ESCORT, "escort_name"),
    "pregnancy": (Item.PREGNANCY, "pregnancy"),
    "pregnancy_note": (Item.PREGNANCY, "note"),
    "new_contraindication": (Item.CONTRAINDICATIONS, "new_contraindication"),
    "contraindication_note": (Item.CONTRAINDICATIONS, "note"),
}
_HOURS: Final = ("fasting_hours", "liquids_hours")


def stored_value(result: ItemResult) -> dict[str, Any]:
    """The JSON kept with a verdict: the item's own value, its hard stop and its source."""
    return {**result.value, "hard_stop": result.hard_stop, "source": result.source.as_dict()}


def from_stored(
    item: str, status: str, value: Mapping[str, Any], message: str, override_reason: str = ""
) -> ItemResult:
    """A stored verdict read back (the inverse of `stored_value`)."""
    if status not in STATUSES:
        raise ValidationError("status", status, ", ".join(STATUSES))
    rest = dict(value)
    hard_stop = bool(rest.pop("hard_stop", False))
    cited = rest.pop("source", None)
    if isinstance(cited, Mapping) and "id" in cited:
        confidence = cited.get("confidence")
        source = Source(
            id=str(cited["id"]),
            citation=str(cited.get("citation", "")),
            url=str(cited.get("url", "")),
            confidence=cast(Confidence, confidence) if confidence in CONFIDENCES else "unverified",
            note=str(cited.get("note", "")),
        )
    else:
        source = Source(id=str(cited or ""), citation="")
    return ItemResult(Item(item), status, hard_stop, message, source, rest, override_reason)  # type: ignore[arg-type]


def unchanged(stored: tuple[str, str, Mapping[str, Any]] | None, result: ItemResult) -> bool:
    """True when the stored (status, message, value) is this verdict already."""
    return stored is not None and stored == (result.status, result.message, stored_value(result))


def answers(values: Mapping[Item, Mapping[str, Any]], given: Mapping[str, Any]) -> Entered:
    """The nurse's answers: those `given` now (None: not given), else those kept with each
    item's latest stored value."""
    merged: dict[str, Any] = {}
    for name, (item, key) in ANSWERS.items():
        value = given.get(name)
        if value is None:
            value = values.get(item, {}).get(key)
            if name in _HOURS and value is not None:
                value = Decimal(str(value))
        if value is not None:
            merged[name] = value
    return Entered(**merged)
