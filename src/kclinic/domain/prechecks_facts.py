"""What the pre-infusion checklist reads and what it says: the facts of one session (from the
record and from the nurse) and one item's verdict. The rules are in `prechecks`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from kclinic.domain import monitoring
from kclinic.domain.prechecks_policy import LABELS, Item
from kclinic.domain.sources import Source

Status = Literal["pass", "warn", "fail", "na"]


@dataclass(frozen=True)
class ConsentFact:
    """The consent the modality needs: its code, the version of the patient's valid signature
    (None: none on file, or withdrawn) and the version now in effect."""

    code: str
    signed_version: int | None
    version_in_effect: int | None


@dataclass(frozen=True)
class ScreeningFact:
    """The current eligibility screen, after a prescriber's overrides (its effective status:
    eligible, eligible-with-overrides, incomplete, override-needed or blocked)."""

    status: str
    screened_on: date
    pending: tuple[str, ...] = ()


@dataclass(frozen=True)
class AssessmentFact:
    """One assessment given today (not superseded), oldest first in `PrecheckFacts`."""

    instrument_id: str
    complete: bool
    total: int | None = None
    band: str | None = None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Entered:
    """What the nurse asked and entered; None means not asked yet."""

    fasting_hours: Decimal | None = None
    liquids_hours: Decimal | None = None
    escort_confirmed: bool | None = None
    escort_name: str = ""
    pregnancy: str | None = None  # one of PREGNANCY_RESULTS
    pregnancy_note: str = ""
    new_contraindication: bool | None = None
    contraindication_note: str = ""


@dataclass(frozen=True)
class PrecheckFacts:
    """Everything the checklist reads for one session on `today`.

    `baseline` holds this session's pre-dose readings, oldest first; `symptoms` are crisis
    symptoms reported with the latest one (names of monitoring.CRISIS_SYMPTOMS).
    """

    modality: str
    today: date
    sex: str
    age_years: int
    consent: ConsentFact | None
    screening: ScreeningFact | None
    assessments: tuple[AssessmentFact, ...] = ()
    baseline: tuple[monitoring.VitalSigns, ...] = ()
    symptoms: tuple[str, ...] = ()
    weight_measured_on: date | None = None
    entered: Entered = Entered()


@dataclass(frozen=True)
class ItemResult:
    """One item's verdict. `override_reason` is a prescriber's review of a failed hard stop."""

    item: Item
    status: Status
    hard_stop: bool
    message: str
    source: Source
    value: Mapping[str, object] = field(default_factory=dict)
    override_reason: str = ""

    @property
    def blocking(self) -> bool:
        """A failed hard stop that no prescriber has reviewed yet."""
        return self.status == "fail" and self.hard_stop and not self.override_reason

    @property
    def label(self) -> str:
        return LABELS[self.item]
