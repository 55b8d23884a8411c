"""The dashboard's (and the research export's) filter form. It only parses; the filters are
checked against what the user may see by `dashboard.resolve_filters`."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms

from kclinic.web.accounts.models import Site
from kclinic.web.courses.models import Modality

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FilterForm(forms.Form):
    site = forms.ChoiceField(required=False, label="Site")
    date_from = forms.DateField(required=False, label="Courses started from", widget=DATE)
    date_to = forms.DateField(required=False, label="to", widget=DATE)
    indication = forms.CharField(
        required=False, max_length=10, label="Indication (ICD-10-CM prefix)"
    )
    route = forms.ChoiceField(
        required=False, label="Route", choices=[("", "All routes"), *Modality.choices]
    )

    def __init__(self, sites: tuple[Site, ...], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["site"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "All my sites")] + [(str(s.public_id), s.name) for s in sites]

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for `resolve_filters` (valid form only)."""
        data = self.cleaned_data
        return {
            "site": uuid.UUID(data["site"]) if data.get("site") else None,
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "indication": data.get("indication") or "",
            "route": data.get("route") or "",
        }
