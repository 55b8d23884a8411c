"""Citations for clinical facts.

Every clinical number in kclinic carries a `Source`, so a clinic's medical director can see
where a value came from and decide whether to keep it. `confidence` follows the tags of the
clinical reference (shared/clinical-reference.md): a value read in the primary source, one
taken from a secondary page, one not yet verified, one derived by arithmetic from cited
values, or a kclinic default chosen where no source gives a number (policy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

T = TypeVar("T")

Confidence = Literal["verified", "secondary", "unverified", "derived", "policy"]


@dataclass(frozen=True)
class Source:
    """A citation: a short id, the reference as a reader would cite it, and where to read it."""

    id: str
    citation: str
    url: str = ""
    confidence: Confidence = "verified"
    note: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "id": self.id,
            "citation": self.citation,
            "url": self.url,
            "confidence": self.confidence,
            "note": self.note,
        }


KCLINIC_POLICY = Source(
    id="kclinic-policy",
    citation="kclinic default where no published source gives a number; "
    "the clinic's medical director must review it before use",
    confidence="policy",
)


@dataclass(frozen=True)
class Cited(Generic[T]):
    """A clinical value and the source it was taken from (protocol data is built of these)."""

    value: T
    source: Source
