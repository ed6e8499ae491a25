from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from palermo.errors import Conflict, InvalidInput, NotFound
from palermo.finance.ledger import Ledger
from palermo.finance.review import decide_hit, export_decisions, hits, keep_hits
from palermo.finance.screening import Query, load_watchlist, screen, tokens

ENTITIES = [
    {"id": "ofac-1", "schema": "Person", "properties": {
        "name": ["Vladimir Vladimirovich Putin"], "alias": ["Владимир Путин"], "birthDate": ["1952-10-07"],
        "nationality": ["ru"]}},
    {"id": "eu-2", "schema": "Person", "properties": {"name": ["Mikhail Khodorkovsky"], "country": ["ru"]}},
    {"id": "un-3", "schema": "Organization", "properties": {"name": ["Gazprombank JSC"], "country": ["ru"]}},
    {"id": "addr-1", "schema": "Address", "properties": {"full": ["Moscow"]}},
]


@pytest.fixture
def listed(tmp_path: Path) -> Path:
    path = tmp_path / "sanctions.ftm.json"
    path.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in ENTITIES) + "\n")
    return path


@pytest.mark.parametrize(("name", "entity"), [
    ("Vladimir Putin", "ofac-1"),              # patronymic missing
    ("Putin, Vladimir", "ofac-1"),             # word order
    ("V. Putin", "ofac-1"),                    # initial
    ("Vladimir Puttin", "ofac-1"),             # typo
    ("Владимир Владимирович Путин", "ofac-1"),  # Cyrillic
    ("Михаил Ходорковский", "eu-2"),           # Cyrillic, other romanisation (Mihail Hodorkovskij)
    ("Michail Chodorkowski", "eu-2"),          # German romanisation
    ("Газпромбанк", "un-3"),                   # Cyrillic, legal form dropped
])
def test_real_world_variants_match(listed: Path, name: str, entity: str) -> None:
    wl = load_watchlist(listed)
    found = screen(Query(name), wl)
    assert found and found[0].entity.id == entity, (name, [(m.entity.id, m.score) for m in found])
    assert found[0].features[0].name == "name_similarity" and "transliterated" in found[0].features[0].explanation


@pytest.mark.parametrize("name", ["Vladimir Potanin", "Sergei Putin", "Roman Abramovich", "Gazprom Neft"])
def test_other_people_do_not_match(listed: Path, name: str) -> None:
    assert screen(Query(name), load_watchlist(listed)) == []


def test_birth_date_and_country_adjust_the_score(listed: Path) -> None:
    wl = load_watchlist(listed)
    same = screen(Query("Vladimir Putin", birth_date="1952-10-07"), wl)[0]
    other = screen(Query("Vladimir Putin", birth_date="1990-01-01", countries=("fr",)), wl, threshold=0.0)[0]
    assert [f.name for f in same.features] == ["name_similarity", "birth_date_match"]
    assert {f.name for f in other.features} == {"name_similarity", "birth_date_mismatch", "country_mismatch"}
    assert other.score < 0.8 <= same.score


def test_list_version_names_the_file_content_and_bad_lines_are_named(listed: Path, tmp_path: Path) -> None:
    first = load_watchlist(listed).version
    listed.write_text(listed.read_text() + json.dumps({"id": "x", "schema": "Person",
                                                        "properties": {"name": ["New Person"]}}) + "\n")
    assert load_watchlist(listed).version != first and first.startswith("sanctions.ftm.json@sha256:")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(ENTITIES[0]) + "\n{not json\n")
    with pytest.raises(InvalidInput, match=r"bad\.json:2: not JSON"):
        load_watchlist(bad)


def test_tokens_transliterate_and_drop_legal_forms() -> None:
    assert tokens("ООО «Интер Табак»") == ("inter", "tabak")
    assert tokens("Usama bin Ladin") == ("usama", "ladin")


def test_yente_sample_list(shared_data: Callable[[str], Path]) -> None:
    wl = load_watchlist(shared_data("ftm_samples") / "yente_t1_entities.ftm.json")
    assert len(wl.entities) == 6
    [hit] = screen(Query("Віталій Кузьменко"), wl)
    assert hit.entity.caption == "Vitaly Yurievich KUZMENKO"


def test_review_decisions_are_kept_once_and_exported(listed: Path) -> None:
    ledger = Ledger()
    wl = load_watchlist(listed)
    query = Query("Vladimir Putin", ref="ACC-9")
    results = [(query, screen(query, wl))]
    now = datetime(2026, 11, 28, 12, 0)
    assert keep_hits(ledger, wl, results, threshold=0.8, run_at=now) == 1
    assert keep_hits(ledger, wl, results, threshold=0.8, run_at=now) == 0  # screened again: same hit
    [hit] = hits(ledger, pending=True)
    with pytest.raises(InvalidInput, match="reason"):
        decide_hit(ledger, hit["id"], "cleared", by="ana", reason=" ", at=now)
    with pytest.raises(NotFound):
        decide_hit(ledger, "hit-nope", "cleared", by="ana", reason="x", at=now)
    decide_hit(ledger, hit["id"], "cleared", by="ana", reason="born 1990, not the listed person", at=now)
    with pytest.raises(Conflict, match="already cleared"):
        decide_hit(ledger, hit["id"], "confirmed", by="bob", reason="sure", at=now)
    assert hits(ledger, pending=True) == []
    trail = export_decisions(ledger)
    assert "cleared,ana" in trail and wl.version in trail and "ACC-9" in trail and "name_similarity" in trail
    assert json.loads(export_decisions(ledger, "json"))[0]["decided_by"] == "ana"
