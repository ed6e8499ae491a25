"""Joint investigation team spaces: a case shared among the JIT agreement's agencies of three states until a date;
each contribution keeps its origin; a member loses access at the expiry (judged at the gate's clock); closing ends
access at once and exports the team's record."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from palermo.cases import CaseStore, open_case_store
from palermo.errors import InvalidInput, NotFound
from palermo.model import CaseDraft

from ..cases.conftest import FAST_HASHER
from .helpers import JIT
from .installations import JIT_TEXT, MLA_TEXT, SUSPECT, VAN

# Times from today (PostgreSQL's row-level security judges shares at the database's clock, the gate at its own):
# the team runs for 60 days under the example JIT agreement, in force for a year either side.
START = datetime.now(UTC).replace(microsecond=0)
END = START + timedelta(days=60)
TEAM_TEXT = re.sub(r"(?m)^sha256: .*\n", "", JIT_TEXT)
TEAM_TEXT = re.sub(r"(?m)^valid_from: .*$", f"valid_from: {(START - timedelta(days=365)).date()}", TEAM_TEXT)
TEAM_TEXT = re.sub(r"(?m)^valid_until: .*$", f"valid_until: {(START + timedelta(days=365)).date()}", TEAM_TEXT)


class Clock:
    """A clock the test moves."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def hosted(tmp_path: Path, database_url: str | None) -> Iterator[tuple[CaseStore, Clock]]:
    """One installation hosting the team: DIICOT (RO, leader), the NCA (GB) and the SCO (IT)."""
    cs = open_case_store(tmp_path, url=database_url, hasher=FAST_HASHER)
    clock = Clock(START)
    cs.gate.clock = clock
    for agency, state in (("RO-DIICOT", "RO"), ("GB-NCA", "GB"), ("IT-SCO", "IT")):
        cs.accounts.add_agency(agency, agency, state, "police")
        cs.accounts.add_user(f"{state.lower()}-inv", agency, "investigator", password="correct horse battery")
    cs.accounts.add_user("ro-admin", "RO-DIICOT", "admin", password="correct horse battery")
    admin = cs.accounts.actor("ro-admin")
    cs.directory.add_agreement(admin, TEAM_TEXT, "jit.yaml")
    cs.directory.add_agreement(admin, MLA_TEXT, "mla.yaml")
    cs.cases.create(cs.accounts.actor("ro-inv"), CaseDraft(reference="JIT-1", title="Team Loom", handling="agencies"))
    yield cs, clock
    cs.dispose()


def test_members_work_in_the_space_until_it_expires(hosted) -> None:  # type: ignore[no-untyped-def]
    cs, clock = hosted
    ro, gb, it = (cs.accounts.actor(f"{s}-inv") for s in ("ro", "gb", "it"))
    with pytest.raises(NotFound):
        cs.cases.get(gb, "JIT-1")
    with pytest.raises(InvalidInput, match="not a joint investigation team agreement"):
        cs.teams.create(ro, "JIT-1", agreement="gb-ro-police-mla", expires=END)
    with pytest.raises(InvalidInput, match="no later than the agreement's end"):
        cs.teams.create(ro, "JIT-1", agreement=JIT, expires=START + timedelta(days=400))
    with pytest.raises(NotFound):
        cs.teams.create(gb, "JIT-1", agreement=JIT, expires=END)  # not theirs: for them the case does not exist

    team = cs.teams.create(ro, "JIT-1", agreement=JIT, expires=END)
    assert [(m.agency, m.state, m.role) for m in team.members] == [
        ("RO-DIICOT", "RO", "leader"), ("GB-NCA", "GB", "member"), ("IT-SCO", "IT", "member")]
    cs.entities.add(gb, "JIT-1", SUSPECT, role="suspect")
    cs.entities.add(it, "JIT-1", VAN)
    cs.notes.add(it, "JIT-1", "the van crossed at Brenner", "car-1")
    shown = {m.agency: m.contributions for m in cs.teams.get(ro, "JIT-1").members}
    assert shown == {"RO-DIICOT": {}, "GB-NCA": {"entities": 1}, "IT-SCO": {"entities": 1, "notes": 1}}

    clock.at = END - timedelta(seconds=1)
    assert cs.cases.get(it, "JIT-1").access == "write"
    clock.at = END
    for member in (gb, it):  # access ended at the expiry: the case no longer exists for them
        with pytest.raises(NotFound):
            cs.cases.get(member, "JIT-1")
        assert [c.reference for c in cs.cases.list(member)] == []
    assert cs.teams.get(ro, "JIT-1").expired


def test_closing_ends_access_and_exports_the_record_with_origins(hosted) -> None:  # type: ignore[no-untyped-def]
    cs, clock = hosted
    ro, gb = cs.accounts.actor("ro-inv"), cs.accounts.actor("gb-inv")
    cs.teams.create(ro, "JIT-1", agreement=JIT, expires=END)
    cs.entities.add(gb, "JIT-1", SUSPECT, role="suspect")
    clock.at = START + timedelta(days=30)
    team, record = cs.teams.close(ro, "JIT-1")
    assert team.closed_at is not None
    with pytest.raises(NotFound):
        cs.cases.get(gb, "JIT-1")
    data = orjson.loads(record)
    assert data["format"] == "palermo-team-record"
    assert [(e["id"], e["contributed_by"]) for e in data["entities"]] == [("p-suspect", "GB-NCA")]
