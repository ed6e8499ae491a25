"""Canonical JSON: the one byte form in which every custody record is hashed and signed.

The subset of RFC 8785 (JSON Canonicalization Scheme) for strings, integers, booleans, null, lists and objects:
keys sorted by UTF-16 code units, no whitespace, UTF-8, strings escaped as ECMAScript's JSON.stringify does.
Floating-point numbers, integers beyond ±(2^53 − 1), non-string keys and lone surrogates are refused, so that any
JCS implementation yields the same bytes.
"""

from __future__ import annotations

from json.encoder import encode_basestring  # the C escaper json.dumps uses (ensure_ascii=False)
from typing import Any

from palermo.errors import InvalidInput

try:  # orjson is optional: the same bytes, faster, for values a strict model has already checked
    import orjson
except ImportError:  # pragma: no cover - exercised on installations without orjson
    orjson = None  # type: ignore[assignment]

MAX_SAFE_INTEGER = 2**53 - 1


def canonical(obj: object) -> bytes:
    """The canonical JSON bytes of ``obj`` (sorted keys, no whitespace, UTF-8; no floats)."""
    parts: list[str] = []
    _write(obj, parts, "$")
    text = "".join(parts)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput("canonical JSON: a string holds a lone surrogate (not valid Unicode)") from None


def _write(obj: object, out: list[str], path: str) -> None:
    if obj is None:
        out.append("null")
    elif obj is True:
        out.append("true")
    elif obj is False:
        out.append("false")
    elif isinstance(obj, str):
        out.append(encode_basestring(obj))
    elif isinstance(obj, int):
        if not -MAX_SAFE_INTEGER <= obj <= MAX_SAFE_INTEGER:
            raise InvalidInput(f"canonical JSON: {path}: integer {obj} is beyond ±(2^53 - 1)")
        out.append(str(int(obj)))
    elif isinstance(obj, list):
        out.append("[")
        for i, item in enumerate(obj):
            if i:
                out.append(",")
            _write(item, out, f"{path}[{i}]")
        out.append("]")
    elif isinstance(obj, dict):
        for key in obj:
            if not isinstance(key, str):
                raise InvalidInput(f"canonical JSON: {path}: object key {key!r} is not a string")
        out.append("{")
        for i, key in enumerate(sorted(obj, key=_utf16)):
            if i:
                out.append(",")
            out.append(encode_basestring(key))
            out.append(":")
            _write(obj[key], out, f"{path}.{key}")
        out.append("}")
    elif isinstance(obj, float):
        raise InvalidInput(f"canonical JSON: {path}: floating-point numbers are not allowed ({obj!r})")
    else:
        raise InvalidInput(f"canonical JSON: {path}: {type(obj).__name__} is not a JSON value")


def _utf16(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def canonical_checked(obj: dict[str, Any]) -> bytes:
    """Canonical bytes of a value a strict custody model has validated (ASCII keys, safe integers, no floats).

    Uses orjson when installed: for such values its sorted output is byte-for-byte what ``canonical`` gives
    (a property test holds the two together).
    """
    if orjson is not None:
        return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
    return canonical(obj)


def parse(data: bytes) -> Any:
    """Parse JSON bytes (orjson when installed); raises ValueError on malformed input."""
    if orjson is not None:
        return orjson.loads(data)
    import json

    return json.loads(data)
