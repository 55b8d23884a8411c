"""Page forms of the ledger. They only collect text: quantities, dates and people are read and
checked by the services, whose errors name these same fields (attach_error puts them there).
Every form carries a hidden idempotency key made when it is shown, so a double submit or a
resubmitted page posts once."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django import forms

from kclinic.web.inventory.models import Product, StockCount, StorageLocation
from kclinic.web.inventory.selectors_stock import StockLine

Choices = list[tuple[str, str]]


class KeyedForm(forms.Form):
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=120)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["idempotency_key"].initial = str(uuid.uuid4())


def location_choices(locations: Iterable[StorageLocation]) -> Choices:
    return [(str(loc.public_id), f"{loc.site.name} · {loc.name}") for loc in locations]


def lot_choices(lines: Iterable[StockLine], *, where: bool = True) -> Choices:
    seen: dict[str, str] = {}
    for line in lines:
        label = f"{line.lot.product.name} · lot {line.lot.lot_number} · exp {line.lot.expiry_date}"
        if where:
            label += f" · {line.location.name}: {line.units} units"
        seen.setdefault(str(line.lot.public_id), label)
    return list(seen.items())


def _choose(form: forms.Form, name: str, choices: Choices) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _text(label: str, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, required=False, **kwargs)


class ReceiveForm(KeyedForm):
    NEW_VIAL, NEW_DEVICE = "new-vial", "new-device"

    location = forms.ChoiceField(label="Into")
    product = forms.ChoiceField(label="Product")
    ndc = _text("NDC (new product)", max_length=20)
    concentration_mg_per_ml = forms.ChoiceField(
        label="Concentration (new ketamine vial)",
        required=False,
        choices=[("", "-"), ("10", "10 mg/mL"), ("50", "50 mg/mL"), ("100", "100 mg/mL")],
    )
    volume_ml = _text("Vial volume, mL (new ketamine vial)", max_length=10)
    lot_number = _text("Lot number", max_length=50)
    expiry_date = _text(
        "Expiry date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    units = _text("Vials or devices received", max_length=20)
    supplier = _text("Supplier (name, DEA registration number)", max_length=100)
    invoice = _text("Invoice or packing-slip number", max_length=120)

    def __init__(
        self,
        *args: Any,
        locations: Iterable[StorageLocation],
        products: Iterable[Product],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choose(self, "location", location_choices(locations))
        _choose(
            self,
            "product",
            [
                *((str(p.public_id), f"{p.name} (NDC {p.ndc})") for p in products),
                (self.NEW_VIAL, "New product: ketamine HCl vial"),
                (self.NEW_DEVICE, "New product: esketamine 28 mg nasal device"),
            ],
        )


class TransferForm(KeyedForm):
    source = forms.ChoiceField(label="From")
    destination = forms.ChoiceField(label="To")
    lot = forms.ChoiceField(label="Lot")
    units = _text("Vials or devices", max_length=20)

    def __init__(
        self,
        *args: Any,
        sources: Iterable[StorageLocation],
        destinations: Iterable[StorageLocation],
        lots: Iterable[StockLine],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choose(self, "source", location_choices(sources))
        _choose(self, "destination", location_choices(destinations))
        _choose(self, "lot", lot_choices(lots))


class SessionDrugForm(KeyedForm):
    """One of the four session movements (the page posts `kind` with it: dispense,
    administer, return or waste). The witness fields are used by waste only."""

    ACTIONS = ("dispense", "administer", "return", "waste")
    lot = forms.ChoiceField(label="Lot")
    quantity_mg = _text("Quantity (mg)", max_length=20)
    witness_username = _text("Witness username", max_length=150)
    witness_password = _text(
        "Witness password", widget=forms.PasswordInput(attrs={"autocomplete": "off"})
    )

    def __init__(self, *args: Any, lots: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choose(self, "lot", lots)


class CountForm(KeyedForm):
    """Units counted per lot: one field per lot the ledger holds at the location (fields are
    named by the lot's public id), plus any lot found that the ledger does not expect."""

    purpose = forms.ChoiceField(choices=StockCount.Purpose.choices, initial="shift")
    business_time = forms.ChoiceField(
        required=False,
        choices=[("", "-"), *StockCount.BusinessTime.choices],
        label="Opening or close of business (DEA inventories)",
    )

    def __init__(self, *args: Any, lines: Iterable[StockLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lot_fields: list[tuple[str, StockLine]] = []
        for line in lines:
            name = f"lot_{line.lot.public_id}"
            self.fields[name] = _text(
                f"{line.lot.product.name} · lot {line.lot.lot_number}", max_length=20
            )
            self.lot_fields.append((name, line))

    def counted(self) -> dict[str, str]:
        return {
            name.removeprefix("lot_"): self.cleaned_data.get(name) or "0"
            for name, _ in self.lot_fields
        }


class ResolveForm(KeyedForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    adjust = forms.BooleanField(
        required=False,
        initial=True,
        label="Post count adjustments (untick only when a later count shows no variance)",
    )
    second_signer_username = _text("Second signer username", max_length=150)
    second_signer_password = _text(
        "Second signer password", widget=forms.PasswordInput(attrs={"autocomplete": "off"})
    )


class StockOutForm(KeyedForm):
    """Units of a lot taken out of a safe for good (destruction or loss)."""

    location = forms.ChoiceField(label="From")
    lot = forms.ChoiceField(label="Lot")

    def __init__(
        self,
        *args: Any,
        locations: Iterable[StorageLocation],
        lots: Iterable[StockLine],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choose(self, "location", location_choices(locations))
        _choose(self, "lot", lot_choices(lots))


class DestroyForm(StockOutForm):
    units = _text("Vials or devices (fractions for partial vials)", max_length=20)
    method = _text("Method of destruction", max_length=500)
    reverse_distributor = _text("Reverse distributor (if handed over)", max_length=100)
    form_number = _text("DEA Form 41 reference", max_length=120)
    witness_username = _text("Witness username", max_length=150)
    witness_password = _text(
        "Witness password", widget=forms.PasswordInput(attrs={"autocomplete": "off"})
    )


class LossForm(StockOutForm):
    units = _text("Vials or devices lost (fractions for partial vials)", max_length=20)
    circumstances = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    discovered_at = _text(
        "Discovered at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    form_number = _text("DEA Form 106 reference", max_length=120)


class ReverseForm(KeyedForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class PeriodForm(forms.Form):
    start = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
