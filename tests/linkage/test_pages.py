"""The linkage pages over the full application, between two installations (the British one on the test's backend,
the Romanian one on SQLite): proposed from a case's page, the proposal file joined at the partner, the reply and
the summary received, both confirming, the result revealed, each side seeing only its own matched persons; a
tampered message refused on the page with nothing changed; another agency's user kept out of a run."""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ..exchange.helpers import GB, RO
from ..exchange.installations import Installation
from ..exchange.test_pages import PASSWORD, client_of, refusal, sign_in
from .test_runs import GB_PEOPLE, RO_PEOPLE, readable_text, two  # noqa: F401  (the two installations with their cases)


def outgoing(page: str) -> bytes:
    """The message a step's page offers to download (a data: link holding the file)."""
    found = re.search(r'id="download" href="data:application/json;base64,([^"]+)" download="([^"]+)"', page)
    assert found, "no message to download on the page"
    assert found.group(2).endswith(".json")
    return base64.b64decode(found.group(1))


def stands(page: str) -> str:
    """The words of the 'where it stands' card."""
    found = re.search(r'<section class="card" id="next">(.*?)</section>', page, re.S)
    assert found, "no 'where it stands' card"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def readable(message: bytes) -> str:
    """What a person could read in a message (its ciphertext, CLKs and signature left out: random letters)."""
    return " ".join(readable_text(json.loads(message)))


def runs(inst: Installation) -> list[tuple[str, str]]:
    """The installation's linkage runs as (exchange, status), read through the store."""
    return [(r.exchange, r.status) for r in inst.cs.linkages.list(inst.investigator)]


@pytest.fixture
def clients(two: tuple[Installation, Installation], tmp_path: Path,  # noqa: F811
            database_url: str | None) -> Iterator[tuple[Installation, Installation, TestClient, TestClient]]:
    gb, ro = two
    with client_of(gb, tmp_path / "gb-app", database_url) as at_gb, client_of(ro, tmp_path / "ro-app") as at_ro:
        yield gb, ro, at_gb, at_ro


def test_two_agencies_find_their_common_persons_through_the_pages(clients) -> None:  # type: ignore[no-untyped-def]
    gb, _, at_gb, at_ro = clients
    gb_csrf = sign_in(at_gb, "gb_inv", "/linkage")
    case = at_gb.get("/cases/GB-LINK").text
    assert 'href="/cases/GB-LINK/linkage/new"' in case and "Look for these persons at a partner" in case
    assert 'href="/linkage"' in case  # in the Cases menu
    new = at_gb.get("/cases/GB-LINK/linkage/new").text
    assert f'<option value="{RO}">' in new and 'id="join-form"' in new and "No name, date of birth" in new

    # A proposes: the proposal file is offered on the page that made it, and holds no name
    started = at_gb.post("/cases/GB-LINK/linkage", data={"csrf": gb_csrf, "partner": RO})
    assert started.status_code == 201, started.text
    proposal = outgoing(started.text)
    assert b'"step":"proposal"' in proposal
    assert "Give them the proposal file below" in stands(started.text)
    assert not any(n in readable(proposal) for _, name, born, _ in GB_PEOPLE for n in (*name.split(), born))
    exchange = runs(gb)[0][0]
    assert "waiting for the partner's reply" in at_gb.get(f"/linkage/{exchange}").text
    assert 'id="download"' not in at_gb.get(f"/linkage/{exchange}").text  # not kept: offered once

    # B joins with its case's persons, from the file; then gives the reply back
    ro_csrf = sign_in(at_ro, "ro_inv", "/linkage")
    wrong = at_ro.post("/linkage/messages", data={"csrf": ro_csrf}, files={"file": ("m1.json", proposal)})
    assert wrong.status_code == 422 and "Look for these persons at a partner" in refusal(wrong.text)
    joined = at_ro.post("/cases/RO-LINK/linkage/join", data={"csrf": ro_csrf}, files={"file": ("m1.json", proposal)})
    assert joined.status_code == 201, joined.text
    reply = outgoing(joined.text)
    assert f"Give {GB} your reply file below" in stands(joined.text)
    assert not any(n in readable(reply) for _, name, born, _ in RO_PEOPLE for n in (*name.split(), born))

    # A receives the reply (pasted, this time): matched, to confirm; the summary goes to B
    matched = at_gb.post("/linkage/messages", data={"csrf": gb_csrf, "text": reply.decode()})
    assert matched.status_code == 200, matched.text
    words = stands(matched.text)
    assert "3 matches among 4 of your persons and 5 of theirs" in words and "Nothing is revealed before both" in words
    assert 'id="confirm"' in matched.text and 'id="decline"' in matched.text
    assert 'id="receive-form"' in matched.text  # the partner's answer may come before this agency's
    summary = outgoing(matched.text)

    waiting = at_ro.post("/linkage/messages", data={"csrf": ro_csrf}, files={"file": ("m3.json", summary)})
    assert "3 matches among 5 of your persons and 4 of theirs" in stands(waiting.text)
    assert 'id="download"' not in waiting.text  # the summary asks for nothing back yet

    # both confirm: A waits for B's answer, B gives it, A reveals and gives B the result
    mine = at_gb.post(f"/linkage/{exchange}/answer", data={"csrf": gb_csrf, "confirmed": "yes"})
    assert "Waiting for" in stands(mine.text) and 'id="matches-table"' not in mine.text
    theirs = at_ro.post(f"/linkage/{exchange}/answer", data={"csrf": ro_csrf, "confirmed": "yes"})
    answer = outgoing(theirs.text)
    revealed = at_gb.post("/linkage/messages", data={"csrf": gb_csrf}, files={"file": ("m4.json", answer)})
    assert "Revealed: 3 of your persons are also held by" in stands(revealed.text)
    table = re.search(r'<table id="matches-table">.*?</table>', revealed.text, re.S).group(0)  # type: ignore[union-attr]
    assert 'href="/cases/GB-LINK/entities/g-ion"' in table and "Ion Marin" in table and "Peter Smith" not in table
    assert "Protected person" in table and "Ana Popescu" not in table  # a victim by pseudonym
    assert "What " in revealed.text and 'id="partner-learned"' in revealed.text
    result = outgoing(revealed.text)
    # a match opens a request to the partner (its state, its references for the persons) or an exchange with it
    ask = f"/cases/GB-LINK/requests/new?linkage={exchange}"
    assert f'href="{ask}"' in revealed.text and f'href="/cases/GB-LINK/exchange/new?to={RO}"' in revealed.text
    form = html.unescape(at_gb.get(ask).text)
    assert f"# {RO}, the partner of the linkage" in form and "  state: RO\n" in form
    assert re.search(rf'ref: "g-ion", role: "other", description: "held by {RO} as [^"]+"', form)
    assert "Ion Marin" not in form and "Peter Smith" not in form
    chosen = at_gb.get(f"/cases/GB-LINK/exchange/new?to={RO}").text
    assert re.search(rf'<option value="{RO}"[^>]* selected', chosen)

    done = at_ro.post("/linkage/messages", data={"csrf": ro_csrf}, files={"file": ("m5.json", result)})
    ro_table = re.search(r'<table id="matches-table">.*?</table>', done.text, re.S).group(0)  # type: ignore[union-attr]
    assert all(f"/cases/RO-LINK/entities/{e}" in ro_table for e in ("r-1", "r-2", "r-3"))
    assert "Elena Dumitru" not in ro_table and not any(g in ro_table for g in ("g-ana", "g-ion", "g-mar"))

    listed = at_gb.get("/linkage").text
    assert exchange in listed and RO in listed and "revealed" in listed and "3 matches" in listed
    french = at_gb.get(f"/linkage/{exchange}?lang=fr").text
    assert "Révélé" in french
    at_gb.get("/linkage?lang=en")


def test_a_tampered_message_is_refused_on_the_page_and_changes_nothing(clients) -> None:  # type: ignore[no-untyped-def]
    gb, ro, at_gb, at_ro = clients
    gb_csrf = sign_in(at_gb, "gb_inv", "/linkage")
    proposal = outgoing(at_gb.post("/cases/GB-LINK/linkage", data={"csrf": gb_csrf, "partner": RO}).text)
    ro_csrf = sign_in(at_ro, "ro_inv", "/linkage")
    tampered = proposal.replace(b'"threshold":0.7', b'"threshold":0.5')
    assert tampered != proposal
    refused = at_ro.post("/cases/RO-LINK/linkage/join", data={"csrf": ro_csrf},
                         files={"file": ("m1.json", tampered)})
    assert refused.status_code == 409
    said = refusal(refused.text)
    assert "Verification failed" in said and "signature" in said and "nothing changed" in said
    assert runs(ro) == []

    # a reply altered on the way is refused at A: the run still waits for the real one
    reply = outgoing(at_ro.post("/cases/RO-LINK/linkage/join", data={"csrf": ro_csrf},
                                files={"file": ("m1.json", proposal)}).text)
    before = runs(gb)
    altered = at_gb.post("/linkage/messages", data={"csrf": gb_csrf, "text": reply.decode().replace("r-", "x-", 1)})
    assert altered.status_code in (409, 422) and "nothing changed" in refusal(altered.text)
    assert runs(gb) == before == [(before[0][0], "proposed")]
    on_run = at_gb.post("/linkage/messages", data={"csrf": gb_csrf, "exchange": before[0][0]},
                        files={"file": ("m2.json", reply.replace(b'"sender":"', b'"sender":"X', 1))})
    assert on_run.status_code in (409, 422) and 'id="next"' in on_run.text  # shown on the run's page
    assert "Nothing changed" in refusal(on_run.text) and runs(gb) == before
    garbage = at_gb.post("/linkage/messages", data={"csrf": gb_csrf, "text": "not a message"})
    assert garbage.status_code == 409 and "not JSON" in refusal(garbage.text)
    assert "not a message" in garbage.text  # the pasted text is kept


def test_another_agencys_user_does_not_see_a_run(clients) -> None:  # type: ignore[no-untyped-def]
    gb, _, at_gb, _ = clients
    csrf = sign_in(at_gb, "gb_inv", "/linkage")
    at_gb.post("/cases/GB-LINK/linkage", data={"csrf": csrf, "partner": RO})
    exchange = runs(gb)[0][0]
    gb.cs.accounts.add_agency("GB-OTHER", "Another police force", "GB", "police")
    gb.cs.accounts.add_user("other_inv", "GB-OTHER", "investigator", password=PASSWORD)
    sign_in(at_gb, "other_inv", "/linkage")
    assert at_gb.get(f"/linkage/{exchange}").status_code == 404
    assert exchange not in at_gb.get("/linkage").text
    assert at_gb.get("/cases/GB-LINK/linkage/new").status_code == 404
