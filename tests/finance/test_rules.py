from __future__ import annotations

from pathlib import Path

import pytest

from palermo.errors import InvalidInput
from palermo.finance.dialect import DUCKDB, SPARK
from palermo.finance.generator import TYPOLOGIES
from palermo.finance.monitor import compile_rule
from palermo.finance.rules import load_pack
from palermo.finance.templates import TEMPLATES


def test_packaged_pack_covers_every_typology_with_citations() -> None:
    pack = load_pack()
    ids = {r.id for r in pack.rules}
    assert set(TYPOLOGIES) <= ids
    for rule in pack.rules:
        assert rule.citations and all(c.source in pack.sources for c in rule.citations)
        assert rule.explanation.strip() and rule.indicator.strip()
    # unverified citations stay visible as such
    labels = [c.label for r in pack.rules for c in pack.citations(r)]
    assert any("[UNVERIFIED]" in label for label in labels)


def test_every_template_is_documented_and_compiles_in_both_dialects() -> None:
    pack = load_pack()
    for name, template in TEMPLATES.items():
        assert template.summary, name
    for rule in pack.rules:
        duck, spark = compile_rule(rule, DUCKDB), compile_rule(rule, SPARK)
        assert ("ev AS" in duck and duck != spark) or rule.kind in {"cycle", "rapid_outflow"}


RULE = """version: 1
pack: mine
pack_version: "1"
sources:
  own: {{title: Our typology note, publisher: FIU, date: "2024", url: https://example.org}}
rules:
  - id: {rid}
    title: Many small cash deposits
    kind: {kind}
    indicator: structuring
    explanation: many cash deposits
    weight: 0.3
    params: {params}
    citations:
      - {{source: {source}, locator: "s. 2", verified: false}}
"""


def _write(tmp_path: Path, **kw: str) -> Path:
    values = {"rid": "small_cash", "kind": "frequent", "source": "own",
              "params": "{side: payee, cash_only: true, min_count: 5, window_days: 7}"} | kw
    path = tmp_path / "mine.yaml"
    path.write_text(RULE.format(**values))
    return path


def test_user_rule_is_added_and_can_replace_a_packaged_one(tmp_path: Path) -> None:
    pack = load_pack([_write(tmp_path)])
    assert pack.rule("small_cash").weight == 0.3
    replaced = load_pack([_write(tmp_path, rid="prepaid_cards")])
    assert replaced.rule("prepaid_cards").title == "Many small cash deposits"
    assert len(replaced.rules) == len(load_pack().rules)


@pytest.mark.parametrize(("change", "needle"), [
    ({"kind": "nonsense"}, "rules[0].kind: unknown kind 'nonsense'"),
    ({"source": "elsewhere"}, "citations[0].source: source 'elsewhere' is not listed"),
    ({"params": "{side: payee, min_count: 5, window_days: 7, colour: red}"}, "params.colour: Extra inputs"),
    ({"params": "{side: nobody, min_count: 5, window_days: 7}"}, "params.side"),
    ({"params": "{side: payee, min_count: 0, window_days: 7}"}, "params.min_count"),
])
def test_bad_rule_names_file_line_and_field(tmp_path: Path, change: dict[str, str], needle: str) -> None:
    path = _write(tmp_path, **change)
    with pytest.raises(InvalidInput) as exc:
        load_pack([path])
    assert str(path) in exc.value.message and needle in exc.value.message
    assert f"{path}:" in exc.value.message.split(" ")[0]  # a line number follows the file


def test_unknown_rule_selection_is_refused() -> None:
    with pytest.raises(InvalidInput, match="no rule 'nope'"):
        load_pack(only=["nope"])
