"""Linkage between two installations through their case stores (the British one on the test's backend, the
Romanian one on SQLite): proposed, joined, matched, confirmed by both, revealed; each sees only its own persons
that matched, beside the partner's references; no name ever travels; declining or an altered message stops it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from palermo.cases import tables as t
from palermo.errors import NotPermitted, VerificationFailed
from palermo.model import CaseDraft

from ..exchange.helpers import RO
from ..exchange.installations import Installation, pair

GB_PEOPLE = [("g-ana", "Ana Popescu", "1990-04-02", "female"), ("g-ion", "Ion Marin", "1979-11-23", "male"),
             ("g-mar", "Maria Ionescu", "2001-01-15", "female"), ("g-x1", "Peter Smith", "1985-06-30", "male")]
RO_PEOPLE = [("r-1", "Ana Popescu", "1990-04-02", "female"), ("r-2", "Ion Marin", "1979-11-23", "male"),
             ("r-3", "Maria Ionesku", "2001-01-15", "female"), ("r-4", "Elena Dumitru", "1995-02-11", "female"),
             ("r-5", "Vasile Rusu", "1968-09-09", "male")]


OPAQUE = frozenset({"contribution", "clks", "signature"})
"""Fields that are ciphertext, CLKs or a signature in base64: random letters, where a short name may turn up."""


def readable_text(value: object, key: str = "") -> list[str]:
    """Every string of a message a person could read, leaving out the opaque fields."""
    if key in OPAQUE:
        return []
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in readable_text(v, k)]
    if isinstance(value, list):
        return [s for v in value for s in readable_text(v, key)]
    return [str(value)]


def people(inst: Installation, reference: str, rows: list[tuple[str, str, str, str]]) -> None:
    inst.cs.cases.create(inst.investigator, CaseDraft(reference=reference, title="persons to look for"))
    for entity_id, name, born, sex in rows:
        first, last = name.split()
        inst.cs.entities.add(inst.investigator, reference, {"id": entity_id, "schema": "Person", "properties": {
            "name": [name], "firstName": [first], "lastName": [last], "birthDate": [born], "gender": [sex]}},
            role="victim" if entity_id.endswith("ana") else None)


@pytest.fixture
def two(tmp_path: Path, database_url: str | None) -> Iterator[tuple[Installation, Installation]]:
    gb, ro = pair(tmp_path, database_url)
    people(gb, "GB-LINK", GB_PEOPLE)
    people(ro, "RO-LINK", RO_PEOPLE)
    yield gb, ro
    gb.cs.dispose()
    ro.cs.dispose()


def test_both_see_only_their_own_matched_persons_after_both_confirmed(two) -> None:  # type: ignore[no-untyped-def]
    gb, ro = two
    started = gb.cs.linkages.start(gb.investigator, "GB-LINK", RO)
    joined = ro.cs.linkages.join(ro.investigator, "RO-LINK", (started.outgoing or "").encode())
    matched = gb.cs.linkages.receive(gb.investigator, (joined.outgoing or "").encode())
    assert (matched.status, matched.records, matched.matched) == ("to_confirm", [4, 5], 3)
    waiting = ro.cs.linkages.receive(ro.investigator, (matched.outgoing or "").encode())
    assert (waiting.status, waiting.matched, waiting.matches) == ("to_confirm", 3, [])
    for message in (started.outgoing, joined.outgoing, matched.outgoing):  # no name, no birth date travels
        readable = " ".join(readable_text(json.loads(message or "{}")))
        assert readable and not any(n in readable for _, name, born, _ in GB_PEOPLE + RO_PEOPLE
                                    for n in (*name.split(), born))

    assert gb.cs.linkages.answer(gb.investigator, started.exchange, True).matches == []  # not before both
    answered = ro.cs.linkages.answer(ro.investigator, started.exchange, True)
    revealed = gb.cs.linkages.receive(gb.investigator, (answered.outgoing or "").encode())
    assert revealed.status == "revealed"
    assert sorted(m["entity"] for m in revealed.matches) == ["g-ana", "g-ion", "g-mar"]
    labels = {m["entity"]: m["label"] for m in revealed.matches}
    assert labels["g-ana"].startswith("Protected person") and labels["g-ion"] == "Ion Marin"  # victims by pseudonym
    theirs = ro.cs.linkages.receive(ro.investigator, (revealed.outgoing or "").encode())
    assert sorted(m["entity"] for m in theirs.matches) == ["r-1", "r-2", "r-3"]
    assert {m["partner_reference"] for m in theirs.matches}.isdisjoint({"g-ana", "g-ion", "g-mar"})
    for side in (gb, ro):
        assert kept(side, started.exchange) == (None, {})


def kept(inst: Installation, exchange: str) -> tuple[str | None, dict[str, object]]:
    """What an agency still holds of a linkage's encodings: its stored files and its sealed secrets, opened."""
    with inst.cs.store.transaction(inst.investigator) as conn:
        row = conn.execute(select(t.linkage_run).where(t.linkage_run.c.agency_id == inst.agency,
                                                       t.linkage_run.c.exchange == exchange)).one()
    with inst.cs.store.unit(inst.investigator) as unit:
        return row.files, inst.cs.gate.unseal(unit, row.agency_id, f"linkage/{exchange}", row.sealed)


def test_a_declined_summary_reveals_nothing_and_an_altered_message_is_refused(two) -> None:  # type: ignore[no-untyped-def]
    gb, ro = two
    started = gb.cs.linkages.start(gb.investigator, "GB-LINK", RO)
    tampered = (started.outgoing or "").encode().replace(b'"threshold":0.7', b'"threshold":0.5')
    with pytest.raises(VerificationFailed, match="signature"):
        ro.cs.linkages.join(ro.investigator, "RO-LINK", tampered)
    joined = ro.cs.linkages.join(ro.investigator, "RO-LINK", (started.outgoing or "").encode())
    matched = gb.cs.linkages.receive(gb.investigator, (joined.outgoing or "").encode())
    ro.cs.linkages.receive(ro.investigator, (matched.outgoing or "").encode())
    gb.cs.linkages.answer(gb.investigator, started.exchange, True)
    declined = ro.cs.linkages.answer(ro.investigator, started.exchange, False)
    after = gb.cs.linkages.receive(gb.investigator, (declined.outgoing or "").encode())
    assert (after.status, after.matches, after.outgoing) == ("declined", [], None)
    assert kept(gb, started.exchange) == kept(ro, started.exchange) == (None, {})
    with pytest.raises(NotPermitted):  # an administrator does not send case content abroad
        gb.cs.linkages.start(gb.admin, "GB-LINK", RO)


def test_a_threshold_given_is_the_one_used(two) -> None:  # type: ignore[no-untyped-def]
    gb, _ = two
    chosen = json.loads(gb.cs.linkages.start(gb.investigator, "GB-LINK", RO).outgoing or "{}")
    fixed = json.loads(gb.cs.linkages.start(gb.investigator, "GB-LINK", RO, threshold=0.9).outgoing or "{}")
    assert chosen["body"]["parameters"]["adaptive"] is not None  # by default the matcher chooses from the scores
    assert (fixed["body"]["parameters"]["adaptive"], fixed["body"]["parameters"]["threshold"]) == (None, 0.9)
