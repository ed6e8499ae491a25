"""The CLI's two consoles and its ways of printing: results to stdout, messages to stderr. Text that comes from
data or users is escaped (`plain`) so rich never reads it as markup: `^[a-z]*$` stays `^[a-z]*$`."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from palermo.errors import InvalidInput

JsonOpt = Annotated[bool, typer.Option("--json", help="print machine-readable JSON")]
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def plain(value: object) -> str:
    """Any value as text that rich prints as it is (markup characters escaped)."""
    return escape(str(value))


def plain_row(*values: object) -> list[str]:
    """Table cells from data: each value escaped, so a bracket in a name or pattern is printed as it is."""
    return [plain(v) for v in values]


def emit(data: BaseModel | list[Any] | dict[str, Any]) -> None:
    """Machine-readable JSON on stdout (`--json`)."""
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json")
    elif isinstance(data, list):
        data = [d.model_dump(mode="json") if isinstance(d, BaseModel) else d for d in data]
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def fail(message: str, hint: str | None = None, details: list[str] | None = None) -> None:
    """An error as the CLI reports it: 'error: ...', any further details, then 'hint: ...'; never as markup."""
    err.print(Text("error: ", style="red").append(Text(message, style="default")), soft_wrap=True)
    for detail in details or []:
        err.print(Text(f"  {detail}"), soft_wrap=True)
    if hint:
        err.print(Text(f"hint: {hint}"), soft_wrap=True)


def when(text: str | None, option: str) -> datetime:
    """A time given on the command line (with its time zone), or now when none was given."""
    if not text:
        return datetime.now().astimezone()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{option}: {text!r} is not a time such as 2026-03-01T14:30+01:00") from None
    if moment.tzinfo is None:
        raise InvalidInput(f"{option}: give the time zone, e.g. {text}+01:00")
    return moment


def read_bytes(path: Path) -> bytes:
    """A file the user named, or InvalidInput (exit 2) saying why it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot be read: {exc.strerror or exc.__class__.__name__}") from None


def read_text(path: Path) -> str:
    """A UTF-8 text file the user named, or InvalidInput (exit 2) saying why it cannot be read."""
    try:
        return read_bytes(path).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(f"{path}: not UTF-8 text") from None
