"""The one error hierarchy of the clinical core.

    KclinicError              base of everything the core raises on purpose
    ├── ValidationError       input that is not allowed: names field, value, what is allowed
    │   ├── OutOfRangeError   a number outside its allowed range
    │   ├── UnitError         a quantity that cannot be read, or is in the wrong unit
    │   ├── AnswerError       an instrument answer not allowed (count, value, skip logic)
    │   └── UnknownNameError  a name (instrument, band table, option...) that does not exist
    ├── LimitError            a dose outside the protocol's hard limits: refused, no override
    └── ConfigurationError    protocol data that contradicts itself (a band table with gaps)

Callers at the edge (CLI, API, forms) catch `ValidationError` and `LimitError` and show
`str(error)`, which always reads "<field>: <value> ... <allowed>" so the user knows what to fix.
"""

from __future__ import annotations

from collections.abc import Iterable


class KclinicError(Exception):
    """Base class for every error the clinical core raises on purpose."""


class ValidationError(KclinicError, ValueError):
    """Input that is not allowed. `field`, `value` and `allowed` say what and why."""

    def __init__(self, field: str, value: object, allowed: str, detail: str | None = None) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        self.detail = detail
        message = f"{field}: {_show(value)} is not allowed; allowed: {allowed}"
        if detail:
            message = f"{message} ({detail})"
        super().__init__(message)


def _show(value: object) -> str:
    # Numbers read as numbers (never "Decimal('1.2')"); text is quoted so blanks show.
    if isinstance(value, str):
        return repr(value)
    return str(value)


class OutOfRangeError(ValidationError):
    """A number outside its allowed range."""

    def __init__(
        self, field: str, value: object, low: object, high: object, unit: str = ""
    ) -> None:
        self.low = low
        self.high = high
        self.unit = unit
        suffix = f" {unit}" if unit else ""
        super().__init__(field, value, f"{low} to {high}{suffix}")


class UnitError(ValidationError):
    """A quantity that cannot be parsed or carries the wrong unit."""


class AnswerError(ValidationError):
    """An instrument answer that the instrument does not allow."""


class UnknownNameError(ValidationError):
    """A name that is not in the registry it was looked up in."""

    def __init__(self, field: str, value: object, known: Iterable[str]) -> None:
        self.known = tuple(sorted(known))
        super().__init__(field, value, "one of " + ", ".join(self.known))


class LimitError(KclinicError, ValueError):
    """A dose outside the protocol's hard limits. Refused; no override exists."""

    def __init__(self, field: str, value: object, limit: str, source: str) -> None:
        self.field = field
        self.value = value
        self.limit = limit
        self.source = source
        super().__init__(f"{field}: {value} is outside the hard limit {limit} (source: {source})")


class ConfigurationError(KclinicError):
    """Protocol or instrument data that contradicts itself."""
