"""The entry form around the items: when, why, who answered, and the scoring choices.

The items themselves are drawn from the instrument's data (entry.item_views) and checked by
the core, so an answer is refused with the core's message naming the item and the allowed
values, never a generic "select a valid choice".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils import timezone

from kclinic.domain.instruments.base import Instrument
from kclinic.web.assessments.models import Context, Respondent

OPTION_PREFIX = "option-"
DATETIME_INPUT = "%Y-%m-%dT%H:%M"


def now_for_input() -> str:
    return timezone.localtime().strftime(DATETIME_INPUT)


class EntryForm(forms.Form):
    context = forms.ChoiceField(
        choices=[("", "Choose why it was given"), *list(Context.choices)],
        help_text="Pre- and post-session scores are read differently on the chart.",
    )
    administered_at = forms.DateTimeField(
        label="Administered at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
    )
    respondent = forms.ChoiceField(choices=Respondent.choices)

    def __init__(
        self,
        instrument: Instrument,
        data: Mapping[str, Any] | None = None,
        *,
        initial: Mapping[str, Any] | None = None,
    ) -> None:
        defaults = {
            "respondent": instrument.respondent,
            "administered_at": now_for_input(),
            "band_table": instrument.default_band_table or "",
            **{f"{OPTION_PREFIX}{o.name}": o.default for o in instrument.options},
            **(initial or {}),
        }
        super().__init__(data, initial=defaults)
        self.instrument = instrument
        if len(instrument.band_tables) > 1:
            self.fields["band_table"] = forms.ChoiceField(
                label="Band table",
                choices=[(t.name, t.name) for t in instrument.band_tables],
                help_text=f"Default: {instrument.default_band_table}",
            )
        for option in instrument.options:
            if len(option.choices) > 1:
                self.fields[f"{OPTION_PREFIX}{option.name}"] = forms.ChoiceField(
                    label=option.name.replace("_", " ").capitalize(),
                    choices=[(c, c) for c in option.choices],
                    help_text=f"Default: {option.default}. {option.description}",
                )

    def fixed_options(self) -> list[tuple[str, str]]:
        """Options with a single choice: shown as text, since there is nothing to pick."""
        return [(o.name, o.default) for o in self.instrument.options if len(o.choices) == 1]


class CorrectionForm(EntryForm):
    reason = forms.CharField(
        label="Reason for the correction",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required. The original stays in the record; this reason is kept with it.",
    )


def scoring_choices(
    instrument: Instrument, data: Mapping[str, str]
) -> tuple[str | None, dict[str, str]]:
    """The band table and options as posted, read even when the rest of the form is not
    valid yet (the live preview scores as the user goes). Unknown values are passed on for
    the core to refuse by name."""
    band_table = data.get("band_table") or None
    options = {
        o.name: data[f"{OPTION_PREFIX}{o.name}"]
        for o in instrument.options
        if data.get(f"{OPTION_PREFIX}{o.name}")
    }
    return band_table, options
