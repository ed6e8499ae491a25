"""docs/linkage.md says what the code does: every field of every protocol message, every normaliser, and the person
schema's features with their tokens' bits."""

from __future__ import annotations

import re

from palermo.linkage import (
    NORMALISERS,
    Confirmation,
    Contribution,
    EncodedFile,
    MatchResult,
    MatchSummary,
    Parameters,
    person_schema,
)
from palermo.linkage.schema import Feature

from ..conftest import ROOT

DOC = (ROOT / "docs" / "linkage.md").read_text()


def test_every_message_field_is_documented() -> None:
    for model in (Parameters, Contribution, EncodedFile, MatchResult, MatchSummary, Confirmation):
        row = next(line for line in DOC.splitlines() if f"`{model.__name__}`" in line and line.startswith("|"))
        for name, field in model.model_fields.items():
            assert f"`{field.alias or name}`" in row, (model.__name__, name)


def test_normalisers_and_the_person_schema_are_documented() -> None:
    for name in NORMALISERS:
        assert f"- `{name}`:" in DOC
    for feature in person_schema().features:
        assert isinstance(feature, Feature)
        bits = feature.hashing.strategy.ks(1)[0]
        assert re.search(rf"\| `{feature.identifier}` \| {feature.normalise} \| [^|]+ \| {bits} \|", DOC), feature
