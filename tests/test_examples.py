"""The example conducts drawn from real cases give their expected, reasoned outcomes."""

from __future__ import annotations

import pytest
import yaml

from palermo.law import assess, dual_criminality, jurisdiction, load_conduct

from .conftest import EXAMPLES

EXPECTED = yaml.safe_load((EXAMPLES / "expected.yaml").read_text())


def test_at_least_ten_examples():
    assert len(list((EXAMPLES / "conducts").glob("*.yaml"))) >= 10
    assert set(EXPECTED) == {p.name for p in (EXAMPLES / "conducts").glob("*.yaml")}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example(name, library):
    facts = load_conduct(EXAMPLES / "conducts" / name, library.vocabulary)
    assert facts.reference, "every example names its public source"
    want = EXPECTED[name]
    got = {t: assess(facts, t, library).verdict for t in want["assess"]}
    assert got == {t: ("yes" if v is True else "no" if v is False else v) for t, v in want["assess"].items()}
    for dc in want.get("dual_criminality", []):
        result = dual_criminality(facts, dc["requesting"], dc["requested"], library, kind=dc["kind"])
        assert result.outcome == dc["outcome"]
    if "jurisdiction" in want:
        report = jurisdiction(facts, library)
        assert sorted(s.state for s in report.states) == sorted(want["jurisdiction"]["states"])
        if "consult" in want["jurisdiction"]:
            assert report.consult == want["jurisdiction"]["consult"]
