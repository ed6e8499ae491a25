"""Checking law documents (profiles, conducts): every problem in a file at once, each naming file, line and field,
with the closest allowed name for a misspelt field or key ("did you mean 'recruitment'?")."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar, get_args

from pydantic import BaseModel, ValidationError

from palermo import yamlfile
from palermo.errors import InvalidInput
from palermo.law.schema import Vocabulary

M = TypeVar("M", bound=BaseModel)
Pattern = tuple[str, ...]
"""A path into a document with '*' for any list index: ('offences', '*', 'elements', 'acts', '*')."""

PROFILE_KEYS: dict[int, list[tuple[Pattern, str]]] = {
    2: [(("offences", "*", "elements", kind, "*"), kind) for kind in ("acts", "means", "purposes")] + [
        (("offences", "*", "elements", "child", "no_means_purposes", "*"), "purposes"),
        (("offences", "*", "penalties", "*", "circumstances", "*"), "aggravating_circumstances"),
        (("offences", "*", "penalties", "*", "also", "*"), "aggravating_circumstances"),
        (("offences", "*", "penalties", "*", "means", "*"), "means"),
        (("aggravating_circumstances", "*"), "aggravating_circumstances"),
        (("jurisdiction", "bases", "*", "basis"), "jurisdiction_bases"),
    ],
    1: [(("definition", name, "*"), kind) for kind in ("acts", "means", "purposes")
        for name in (kind, f"{kind}_extra")] + [
        (("definition", "child", "no_means_purposes", "*"), "purposes"),
        (("penalties", "aggravated", "*", "circumstances", "*"), "aggravating_circumstances"),
        (("aggravating_circumstances", "*"), "aggravating_circumstances"),
        (("jurisdiction", "bases", "*", "basis"), "jurisdiction_bases"),
    ],
}
CONDUCT_KEYS: list[tuple[Pattern, str]] = [((kind, "*"), kind) for kind in ("acts", "means", "purposes")] + [
    (("victims", "*", "means", "*"), "means"), (("victims", "*", "purposes", "*"), "purposes"),
    (("circumstances", "*"), "aggravating_circumstances"),
]
KIND_NAMES = {"acts": "act", "means": "means", "purposes": "purpose", "jurisdiction_bases": "jurisdiction basis",
              "aggravating_circumstances": "aggravating circumstance"}
EQUIVALENCE_KINDS = {"act": "acts", "means": "means", "purpose": "purposes"}
UNION_MEMBERS = {"bool", "literal['partial']", "int", "float", "str", "none"}


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to ``word`` (case, '-' and '_' ignored), if any is close enough."""
    folded = {c.lower().replace("-", "_"): c for c in candidates}
    match = difflib.get_close_matches(word.lower().replace("-", "_"), list(folded), n=1, cutoff=0.6)
    return folded[match[0]] if match else None


def suggest(word: str, candidates: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest candidate, or ''."""
    found = closest(word, candidates)
    return f" (did you mean {found!r}?)" if found else ""


def matches(data: Any, pattern: Pattern, loc: yamlfile.Loc = ()) -> Iterator[tuple[yamlfile.Loc, Any]]:
    """Every value at ``pattern`` in ``data``, with its path."""
    if not pattern:
        yield loc, data
        return
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        if isinstance(data, list):
            for i, item in enumerate(data):
                yield from matches(item, rest, (*loc, i))
    elif isinstance(data, dict) and head in data:
        yield from matches(data[head], rest, (*loc, head))


def key_problems(data: Any, patterns: list[tuple[Pattern, str]], vocabulary: Vocabulary, source: str,
                 lines: dict[yamlfile.Loc, int]) -> list[str]:
    """Every vocabulary key in ``data`` that the vocabulary does not know, with the closest known one."""
    problems = []
    for pattern, kind in patterns:
        allowed = vocabulary.keys(kind)
        for loc, key in matches(data, pattern):
            if isinstance(key, str) and key not in allowed:
                problems.append(_at(source, lines, loc, f"unknown {KIND_NAMES[kind]} key {key!r}"
                                                        f"{suggest(key, allowed)} (`palermo law vocabulary` lists them)"))
    return problems


def equivalence_problems(data: Any, vocabulary: Vocabulary, source: str, lines: dict[yamlfile.Loc, int]
                         ) -> list[str]:
    """Unknown keys in a profile's equivalences (their kind says which vocabulary list applies)."""
    problems = []
    for loc, eq in matches(data, ("equivalences", "*")):
        kind = EQUIVALENCE_KINDS.get(str(eq.get("kind"))) if isinstance(eq, dict) else None
        if kind is None:
            continue
        allowed = vocabulary.keys(kind)
        pairs: list[tuple[yamlfile.Loc, Any]] = [(("term",), eq.get("term"))]
        pairs += [(("covered_by", i), k) for i, k in enumerate(eq.get("covered_by") or [])]
        for where, key in pairs:
            if isinstance(key, str) and key not in allowed:
                problems.append(_at(source, lines, (*loc, *where),
                                    f"unknown {KIND_NAMES[kind]} key {key!r}{suggest(key, allowed)}"))
    return problems


def src_problems(data: Any, source: str, lines: dict[yamlfile.Loc, int]) -> list[str]:
    """Every ``src`` id that is not defined under the document's ``sources``."""
    sources = data.get("sources") if isinstance(data, dict) else None
    known = set(sources) if isinstance(sources, dict) else set()
    return [_at(source, lines, loc, f"source {key!r} is not defined under 'sources'{suggest(str(key), known)}")
            for loc, key in _src_refs(data, ()) if key not in known]


def _src_refs(node: Any, loc: yamlfile.Loc) -> Iterator[tuple[yamlfile.Loc, str]]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "src" and isinstance(v, list):
                yield from (((*loc, k, i), s) for i, s in enumerate(v))
            elif k != "sources":
                yield from _src_refs(v, (*loc, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _src_refs(v, (*loc, i))


def _at(source: str, lines: dict[yamlfile.Loc, int], loc: yamlfile.Loc, message: str) -> str:
    return yamlfile.error_at(source, lines, loc, message).message


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def fields_at(model: type[BaseModel], loc: yamlfile.Loc) -> list[str]:
    """The field names allowed at ``loc`` (names and list indices) inside ``model``; [] if it is no model."""
    current: type[BaseModel] | None = model
    for part in loc:
        if isinstance(part, int):
            continue
        if current is None or part not in current.model_fields:
            return []
        current = _inner_model(current.model_fields[part].annotation)
    return list(current.model_fields) if current is not None else []


def validate_all(model: type[M], data: Any, source: str, lines: dict[yamlfile.Loc, int]
                 ) -> tuple[M | None, list[str]]:
    """Validate ``data`` into ``model``: the model, or every problem as 'file:line: field: message' (an unknown
    field with the closest allowed name)."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        found: dict[yamlfile.Loc, list[str]] = {}
        for err in exc.errors(include_url=False, include_input=False):
            # a union (true/false or 'partial') reports one error per member: one problem, said once
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and (p.startswith("function-")
                                                                              or p in UNION_MEMBERS)))
            message = str(err["msg"]).removeprefix("Value error, ")
            if err["type"] == "extra_forbidden" and loc:
                message = f"unknown field{suggest(str(loc[-1]), fields_at(model, loc[:-1]))}"
            if message not in found.setdefault(loc, []):
                found[loc].append(message)
        return None, [_at(source, lines, loc, ", or ".join(messages)) for loc, messages in found.items()]


def many(problems: list[str]) -> InvalidInput:
    """One error naming every problem: the first in the message, all of them as details."""
    more = f" (and {len(problems) - 1} more problems, listed below)" if len(problems) > 1 else ""
    return InvalidInput(f"{problems[0]}{more}", details=problems)
