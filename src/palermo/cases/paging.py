"""Pages of long lists: bounded limits and offsets, and opaque keyset cursors (the next page starts after the last
row shown, so a deep page costs what the first one does)."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from palermo.errors import InvalidInput

MAX_LIMIT = 500
MAX_OFFSET = 100_000
"""Deeper than this, a list is walked with its `next` cursor (an OFFSET this deep would rescan the rows above)."""


def check_window(limit: int, offset: int, *, max_limit: int = MAX_LIMIT) -> None:
    """Refuse a page size or offset outside the bounds, naming the parameter."""
    if not 1 <= limit <= max_limit:
        raise InvalidInput(f"limit: must be between 1 and {max_limit:,}, got {limit:,}")
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidInput(f"offset: must be between 0 and {MAX_OFFSET:,}, got {offset:,}",
                           hint="for deeper pages follow the list's `next` cursor (parameter `after`)")


def make_cursor(*values: Any) -> str:
    """An opaque cursor for the row with these sort values."""
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def read_cursor(cursor: str, size: int) -> list[Any]:
    """The sort values in a cursor made by `make_cursor`; anything else is bad input."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        values = None
    if not isinstance(values, list) or len(values) != size:
        raise InvalidInput("after: not a cursor of this list", hint="use the `next` value of the previous page")
    return values
