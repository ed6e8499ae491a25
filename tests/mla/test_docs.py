"""docs/requests.md says what the code does: the completeness table is the checks' docstrings and citations, the
vocabulary tables are terms.py's, the status table is TRANSITIONS, and every field of a request is documented."""

from __future__ import annotations

import re

from palermo.mla import BASIS_KINDS, CHECKS, FORMS, GROUNDS, STATUSES, TRANSITIONS
from palermo.mla.request import Assistance, Authority, Content, Extradition, Person, Proceedings, Request

from .helpers import ROOT

DOC = (ROOT / "docs" / "requests.md").read_text()


def test_the_completeness_table_is_the_checks() -> None:
    for c in CHECKS.values():
        row = f"| `{c.name}` | {', '.join(c.kinds)} | {'; '.join(x.label for x in c.citations())} | {c.explanation} |"
        assert row in DOC, c.name
    rows = re.findall(r"^\| `([\w.]+)` \| (?:mla|extradition)", DOC, re.M)
    assert rows == list(CHECKS)


def test_the_vocabulary_and_statuses_are_terms_py() -> None:
    for table in (FORMS, GROUNDS, BASIS_KINDS):
        for word, meaning in table.items():
            assert f"| `{word}` | {meaning} |" in DOC, word
    for status, meaning in STATUSES.items():
        nexts = ", ".join(f"`{x}`" for x in TRANSITIONS[status]) or "nothing: final"
        assert f"| `{status}` | {meaning} | {nexts} |" in DOC, status


def test_every_field_is_documented() -> None:
    named = set(re.findall(r"`(\w+)`", DOC))
    for model in (Content, Request, Authority, Proceedings, Person, Assistance, Extradition):
        for name in model.model_fields:
            assert name in named, (model.__name__, name)
