"""Read YAML or JSON documents and validate them into pydantic models, pointing errors at file, line and field.

Every packaged data file (law profiles, instruments) and every user document (conducts) goes through here, so a
user's file and a packaged file are read and checked in exactly the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from palermo.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)
Loc = tuple[str | int, ...]


_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_Base):  # type: ignore[valid-type,misc]  # libyaml's loader when present, else the Python one
    """A safe loader whose nodes keep their line numbers."""


def _construct(node: yaml.Node, path: Loc, lines: dict[Loc, int], loader: _LineLoader, source: str) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, bool)) and key is not None:
                raise InvalidInput(f"line {key_node.start_mark.line + 1}: a key must be a plain value")
            child = (*path, str(key) if not isinstance(key, int) else key)
            lines[child] = key_node.start_mark.line + 1
            result[key if isinstance(key, (str, int)) else str(key)] = _construct(value_node, child, lines, loader, source)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, (*path, i), lines, loader, source) for i, item in enumerate(node.value)]
    try:
        return loader.construct_object(node, deep=True)
    except ValueError as exc:  # a scalar YAML reads as a date or number but cannot be one, e.g. 1999-13-45
        field = format_loc(path) if path else "value"
        raise InvalidInput(f"{source}:{node.start_mark.line + 1}: {field}: {node.value!r} is not a "
                           f"valid value ({exc})") from None


def parse(text: str, source: str) -> tuple[Any, dict[Loc, int]]:
    """Parse YAML (or JSON, a subset of YAML) text; return the data and a map from field path to line number."""
    loader = _LineLoader(text)
    try:
        node = loader.get_single_node()
        lines: dict[Loc, int] = {}
        data = None if node is None else _construct(node, (), lines, loader, source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        problem = getattr(exc, "problem", None) or str(exc)
        raise InvalidInput(f"{where}: not valid YAML/JSON: {problem}") from None
    finally:
        loader.dispose()
    return data, lines


def format_loc(loc: Loc) -> str:
    """Render a field path like ``penalties.aggravated[2].max_years``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


def _line_for(loc: Loc, lines: dict[Loc, int]) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def validate(model: type[M], data: Any, source: str, lines: dict[Loc, int] | None = None) -> M:
    """Validate ``data`` into ``model``; on failure raise InvalidInput naming source, line and field of each error."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = []
        for err in exc.errors(include_url=False, include_input=False):
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            line = _line_for(loc, lines or {})
            where = f"{source}:{line}" if line else source
            details.append(f"{where}: {format_loc(loc)}: {err['msg']}")
        first = details[0] if details else source
        more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
        raise InvalidInput(f"{first}{more}", details=details) from None


def load_text(model: type[M], text: str, source: str) -> M:
    """Parse and validate a YAML or JSON document given as text."""
    data, lines = parse(text, source)
    if data is None:
        raise InvalidInput(f"{source}: the document is empty")
    return validate(model, data, source, lines)


def read_text(path: Path) -> str:
    """Read a UTF-8 text file, reporting a missing or unreadable file as InvalidInput."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot be read: {exc.__class__.__name__}") from None


def load_file(model: type[M], path: Path) -> M:
    """Parse and validate a YAML or JSON file."""
    return load_text(model, read_text(path), str(path))


def error_at(source: str, lines: dict[Loc, int], loc: Loc, message: str) -> InvalidInput:
    """Build an InvalidInput that points at the line and field ``loc`` of ``source``."""
    line = _line_for(loc, lines)
    where = f"{source}:{line}" if line else source
    return InvalidInput(f"{where}: {format_loc(loc)}: {message}")
