"""A request travels through the exchange: only a complete draft goes, to a partner in the requested state under an
agreement that lets it receive; its document (DOCX, persons by reference) and the records of the persons it names
are previewed under the agreement's rules (a victim without consent stays), approved, sealed and received abroad,
where the document opens in Word; refusals write nothing."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from palermo.cases import tables as t
from palermo.errors import Conflict, InvalidInput, NotPermitted
from palermo.law import Library
from palermo.mla import draft
from palermo.services.requests import Requests
from palermo.settings import Settings
from palermo.web.requests import request_file

from ..conftest import app_over
from ..exchange.helpers import MLA, RO
from ..exchange.installations import Installation, operation, pair
from ..exchange.test_pages import refusal, sign_in
from .helpers import CPS, POLAND, conduct
from .helpers import MLA as CONTENT

ROMANIA = {"state": "RO", "name": "Parchetul DIICOT (demo)", "languages": ["ro", "en"]}
PERSONS = [{"ref": "p-suspect", "role": "suspect", "nationality": "RO", "location": "GB"},
           {"ref": "p-victim-no", "role": "victim", "location": "RO"},
           {"ref": "W-0007", "role": "witness", "location": "RO", "description": "not a record of the case"}]


@pytest.fixture
def two(tmp_path: Path, database_url: str | None) -> Iterator[tuple[Installation, Installation]]:
    gb, ro = pair(tmp_path, database_url)
    operation(gb)
    yield gb, ro
    gb.cs.dispose()
    ro.cs.dispose()


def filed(gb: Installation, library: Library, **changes: object) -> str:
    """A request about GB-OP-1 to Romania, drafted in the register; its ID."""
    content = CONTENT | {"persons": PERSONS, "assistance": [
        {"form": "taking_evidence", "persons": ["W-0007"], "details": "A statement on the recruitment."}]} | changes
    request = draft("mla", conduct("operation_fort", library), CPS, ROMANIA, library, **content)
    return Requests(gb.cs, library).draft(gb.investigator, "GB-OP-1", request_file(request), "r.yaml").id


def files_of(inst: Installation) -> int:
    with inst.cs.store.transaction(inst.investigator) as conn:
        return int(conn.execute(select(func.count()).select_from(t.attachment)).scalar_one())


def test_a_complete_request_travels_with_the_persons_it_names(two, library: Library) -> None:  # type: ignore[no-untyped-def]
    gb, ro = two
    requests = Requests(gb.cs, library)
    rid = filed(gb, library)
    entry = requests.send_abroad(gb.investigator, rid, agreement=MLA, recipient=RO, purpose="prosecution")
    assert entry.status == "previewed" and entry.reference == "CPS/IJOCD/2026/0042"
    assert entry.attachments == ["request-CPS_IJOCD_2026_0042.docx"]  # only the request's document, not statement.pdf
    assert [e.id for e in entry.entities] == ["p-suspect"]  # the persons it names that the case holds
    assert {w.id: w.rule for w in entry.withheld}["p-victim-no"] == "consent_withdrawn"
    assert [e.id for e in requests.exchanges(gb.investigator, rid)] == [entry.id]

    gb.cs.outbox.approve(gb.investigator, entry.id)
    _, bundle = gb.cs.outbox.seal(gb.investigator, entry.id)
    got = ro.cs.inbox.receive(ro.investigator, bundle)
    received = ro.cs.attachments.list(ro.investigator, got.case_reference)
    assert [a.filename for a in received] == ["request-CPS_IJOCD_2026_0042.docx"]
    data = ro.cs.attachments.content(ro.investigator, got.case_reference, received[0].id)[1]
    document = docx.Document(io.BytesIO(data))
    text = "\n".join([p.text for p in document.paragraphs] + [c.text for table in document.tables
                                                              for row in table.rows for c in row.cells])
    assert "CPS/IJOCD/2026/0042" in text and "W-0007" in text and "DRAFT" not in text  # the request as sent
    assert requests.get(gb.investigator, rid).request.status == "draft"  # marked as sent by the central authority


def test_refusals_name_the_reason_and_write_nothing(two, library: Library) -> None:  # type: ignore[no-untyped-def]
    gb, _ = two
    requests = Requests(gb.cs, library)
    before = files_of(gb)
    incomplete = filed(gb, library, purpose=None)
    with pytest.raises(InvalidInput, match="purpose"):
        requests.send_abroad(gb.investigator, incomplete, agreement=MLA, recipient=RO, purpose="prosecution")
    to_poland = Requests(gb.cs, library).draft(gb.investigator, "GB-OP-1", request_file(draft(
        "mla", conduct("operation_fort", library), CPS, POLAND, library, **CONTENT)), "r.yaml").id
    with pytest.raises(InvalidInput, match=r"RO-\S+ is in RO; the request is addressed to PL"):
        requests.send_abroad(gb.investigator, to_poland, agreement=MLA, recipient=RO, purpose="prosecution")
    rid = filed(gb, library)
    with pytest.raises(InvalidInput, match="'victim_protection' is not a purpose"):
        requests.send_abroad(gb.investigator, rid, agreement=MLA, recipient=RO, purpose="victim_protection")
    with pytest.raises(InvalidInput, match="is not held"):
        requests.send_abroad(gb.investigator, rid, agreement="other", recipient=RO, purpose="prosecution")
    with pytest.raises(NotPermitted):
        requests.send_abroad(gb.admin, rid, agreement=MLA, recipient=RO, purpose="prosecution")
    requests.move(gb.investigator, rid, "withdrawn")
    with pytest.raises(Conflict, match="withdrawn cannot become sent"):
        requests.send_abroad(gb.investigator, rid, agreement=MLA, recipient=RO, purpose="prosecution")
    assert files_of(gb) == before and requests.exchanges(gb.investigator, rid) == []


def test_the_request_page_sends_it_through_the_exchange(two, library: Library, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                        database_url: str | None) -> None:
    gb, _ = two
    rid = filed(gb, library)
    incomplete = filed(gb, library, purpose=None)
    with TestClient(app_over(Settings(data_dir=tmp_path / "gb", database_url=database_url or ""), gb.cs)) as client:
        csrf = sign_in(client, "gb_inv", f"/requests/{rid}")
        page = client.get(f"/requests/{rid}").text
        route = re.search(r'<option value="([^"]+)"[^>]*>' + RO, page)
        assert route and route.group(1) == f"{MLA} {RO}"  # the partner in the requested state, under the agreement
        assert 'id="abroad-form"' not in client.get(f"/requests/{incomplete}").text  # a draft not ready stays
        wrong = client.post(f"/requests/{rid}/exchange", data={"csrf": csrf, "route": route.group(1),
                                                               "purpose": "victim_protection"})
        assert wrong.status_code == 422 and "is not a purpose of" in refusal(wrong.text)
        moved = client.post(f"/requests/{rid}/exchange", data={"csrf": csrf, "route": route.group(1),
                                                               "purpose": "prosecution"}, follow_redirects=False)
        assert moved.status_code == 303 and moved.headers["location"].startswith("/exchange/outbox/")
        preview = client.get(moved.headers["location"]).text
        assert "request-CPS_IJOCD_2026_0042.docx" in preview
        listed = client.get(f"/requests/{rid}").text
        assert 'id="abroad-sent"' in listed and moved.headers["location"] in listed
