"""What every command shares: stable JSON, one-line errors with exit status 2, rich tables."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from decimal import Decimal
from typing import Any, NoReturn, ParamSpec, TypeVar

import click
from rich.console import Console

from kclinic.domain.errors import KclinicError

P = ParamSpec("P")
R = TypeVar("R")

console = Console()


def _default(value: object) -> object:
    # Decimals are rounded by the domain before they reach here; a float keeps their digits.
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, tuple | frozenset | set):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def to_json(data: object) -> str:
    return json.dumps(data, default=_default, indent=2, ensure_ascii=False)


def emit_json(data: object) -> None:
    click.echo(to_json(data))


def fail(message: str) -> NoReturn:
    """Print one line to stderr and exit with status 2 (bad input)."""
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def parse_json_argument(text: str, option: str) -> Any:
    """Parse a JSON option value; '-' reads standard input."""
    if text == "-":
        text = sys.stdin.read()
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        fail(f"{option}: not valid JSON ({error.msg} at line {error.lineno} column {error.colno})")


def domain_errors_exit_2(command: Callable[P, R]) -> Callable[P, R]:
    """Turn a domain error into the one-line message and exit status 2."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except KclinicError as error:
            fail(str(error))

    return wrapper
