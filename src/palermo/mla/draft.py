"""Drafting a request from a conduct: the drafter's content is validated (every problem named by field, and by file
and line for a request file), the law engine computes the findings, and offences and facts the drafter left out are
taken from them. No database: the case store passes its case's conduct and facts as arguments."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import ValidationError

from palermo import yamlfile
from palermo.errors import InvalidInput
from palermo.law import Library
from palermo.law.validation import CONDUCT_KEYS, fields_at, key_problems, many, suggest
from palermo.mla.findings import compute
from palermo.mla.request import Authority, Content, Request
from palermo.mla.terms import Kind
from palermo.model import Conduct

C = TypeVar("C", bound=Content)


class RequestFile(Content):
    """A request file: the content and the conduct, as a conduct file holds it."""

    conduct: Conduct

PATH = re.compile(r"^([A-Za-z_]\w*(?:\.\w+|\[\d+\])*): (.+)$", re.S)


def _loc(path: str) -> yamlfile.Loc:
    """'assistance[1].persons' -> ('assistance', 1, 'persons')."""
    return tuple(int(p) if p.isdigit() else p for p in re.findall(r"\w+", path))


def _validate(model: type[C], data: Any, source: str, lines: dict[yamlfile.Loc, int]) -> tuple[C | None, list[str]]:
    """The content, or every problem as 'source[:line]: field: message' (an unknown field with the closest name;
    a problem found across fields at the field it names)."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False, include_input=False):
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            message = str(err["msg"]).removeprefix("Value error, ")
            named = PATH.match(message)
            if named and not loc:
                loc, message = _loc(named.group(1)), named.group(2)
            if err["type"] == "extra_forbidden" and loc:
                message = f"unknown field{suggest(str(loc[-1]), fields_at(model, loc[:-1]))}"
            problem = yamlfile.error_at(source, lines, loc, message).message
            if problem not in problems:
                problems.append(problem)
        return None, problems


def _request(content: Content, conduct: Conduct, library: Library, **state: Any) -> Request:
    claimed = content.bases
    threshold = content.extradition.threshold_years if content.extradition else 1.0
    findings = compute(content.kind, conduct, content.requesting.state, content.requested.state, library,
                       threshold_years=threshold, claimed=claimed)
    filled: dict[str, Any] = {}
    if not content.facts and conduct.summary:
        filled["facts"] = conduct.summary.strip()
    if not content.offences:
        assessed = findings.assessment(findings.requesting)
        filled["offences"] = [o.citation.reference for o in assessed.offences if o.verdict == "yes"] if assessed else []
    data = content.model_dump() | filled
    return Request.model_validate({**data, "conduct": conduct, "findings": findings, **state})


def _authority(given: Authority | Mapping[str, Any] | str) -> Authority | Mapping[str, Any]:
    return {"state": given} if isinstance(given, str) else given


def draft(kind: Kind, conduct: Conduct, requesting: Authority | Mapping[str, Any] | str,
          requested: Authority | Mapping[str, Any] | str, library: Library, **content: Any) -> Request:
    """Draft a request of ``kind`` about ``conduct`` from ``requesting`` to ``requested`` (an Authority, its fields,
    or a state code), with the drafter's ``content`` (the fields of ``Content``); bad input names every field at
    fault."""
    data = {**content, "kind": kind, "requesting": _authority(requesting), "requested": _authority(requested)}
    parsed, problems = _validate(Content, data, "request", {})
    if problems or parsed is None:
        raise many(problems)
    return _request(parsed, conduct, library)


def redraft(request: Request, library: Library, **changes: Any) -> Request:
    """The request with ``changes`` to its content (or its ``conduct``) and the findings computed again; status and
    history are kept."""
    conduct = changes.pop("conduct", request.conduct)
    data = request.model_dump(exclude={"conduct", "findings", "status", "history"}) | changes
    parsed, problems = _validate(Content, data, "request", {})
    if problems or parsed is None:
        raise many(problems)
    return _request(parsed, conduct, library, status=request.status, history=request.history)


def read_request(text: str, source: str, library: Library) -> Request:
    """Draft a request from a request file (YAML or JSON): the content's fields and the ``conduct`` as a conduct
    file holds it; every problem in the file is reported at once with its line and field."""
    data, lines = yamlfile.parse(text, source)
    if not isinstance(data, Mapping):
        raise InvalidInput(f"{source}: a request file is a mapping with kind, requesting, requested, conduct ...")
    parsed, problems = _validate(RequestFile, data, source, lines)
    keys = [(("conduct", *pattern), kind) for pattern, kind in CONDUCT_KEYS]
    problems += key_problems(data, keys, library.vocabulary, source, lines)
    if problems or parsed is None:
        raise many(problems)
    content = Content.model_validate(parsed.model_dump(exclude={"conduct"}))
    return _request(content, parsed.conduct, library)
