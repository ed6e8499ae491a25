"""The exchange pages over the full application: the exchange page by role (outbox, inbox, agreements, partners and
their forms), sending a case abroad (form, preview, approval, sealing, the bundle, a failed push), importing a
bundle file at the recipient (the case's banner: origin, agreement, purpose, handling, retention), the joint
investigation team space; each refusal shown on the page it was asked from, nothing written."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from palermo.cases import CaseStore, open_case_store
from palermo.cases import tables as t
from palermo.exchange import Partners
from palermo.model import CaseDraft
from palermo.settings import Settings
from tests.conftest import app_over

from ..cases.conftest import FAST_HASHER
from .helpers import GB, JIT, MLA, RO
from .installations import JIT_TEXT, Installation, operation, pair
from .test_teams import END, START, TEAM_TEXT, Clock

PASSWORD = "correct horse battery"
EVERYTHING = ["notes", "attachments", "exhibits"]
"""What the form's boxes send as they come: everything besides the entities."""


def client_of(inst: Installation, folder: Path, url: str | None = None) -> TestClient:
    return TestClient(app_over(Settings(data_dir=folder, database_url=url or ""), inst.cs))


def sign_in(client: TestClient, username: str, page: str = "/exchange") -> str:
    """Log in and return the session's CSRF token, read from a page's forms."""
    client.cookies.clear()
    login = client.post("/login", data={"username": username, "password": PASSWORD}, follow_redirects=False)
    assert login.status_code == 303, login.text
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(page).text)
    assert found
    return found.group(1)


def refusal(html: str) -> str:
    """The text of the refusal shown on a page."""
    found = re.search(r'<div class="error" role="alert" id="refusal">(.*?)</div>', html, re.S)
    assert found, "no refusal on the page"
    return re.sub(r"<[^>]+>", "", found.group(1))


def outbox_rows(inst: Installation) -> int:
    with inst.cs.store.transaction() as conn:
        return len(conn.execute(select(t.outbox.c.id)).all())


@pytest.fixture
def two(tmp_path: Path, database_url: str | None) -> Iterator[tuple[Installation, Installation, TestClient,
                                                                    TestClient]]:
    """The British installation (with case GB-OP-1) and the Romanian one, partners of each other, each with its
    application."""
    gb, ro = pair(tmp_path, database_url)
    operation(gb)
    for inst in (gb, ro):
        inst.cs.accounts.add_user(f"{inst.agency.lower()}-legal", inst.agency, "legal_officer", password=PASSWORD)
    with client_of(gb, tmp_path / "gb", database_url) as at_gb, client_of(ro, tmp_path / "ro") as at_ro:
        yield gb, ro, at_gb, at_ro
    gb.cs.dispose()
    ro.cs.dispose()


def test_the_exchange_page_shows_each_role_its_part(two) -> None:  # type: ignore[no-untyped-def]
    gb, _, client, _ = two
    csrf = sign_in(client, "gb_admin")
    page = client.get("/exchange").text
    assert "Cross-border exchange" in page and 'href="/exchange"' in page  # in the Cases menu
    assert MLA in page and "evidence/<wbr>recipient/<wbr>prior_consent" in page and "in force" in page
    partner = re.search(r'<table id="partner-table">.*?</table>', page, re.S).group(0)  # type: ignore[union-attr]
    held_partner = gb.cs.directory.partners(gb.admin)[0]
    assert RO in partner and all(r.fingerprint in partner for r in held_partner.records)
    assert 'id="agreement-form"' in page and 'id="partner-form"' in page and 'id="card-form"' in page
    assert 'id="outbox-table"' not in page and 'id="import-form"' not in page  # an administrator sends nothing

    # the agency's card to hand over; offered back as a partner, it is refused on the page
    card = client.get("/exchange/card", params={"inbox": "https://palermo.nca.example/api/exchange/inbox/GB-NCA"})
    assert card.status_code == 200 and "attachment" in card.headers["content-disposition"]
    mine = orjson.loads(card.content)
    assert mine["format"] == "palermo-exchange-partners" and mine["partners"][0]["agency"] == GB
    own = client.post("/exchange/partners", data={"csrf": csrf}, files={"file": ("mine.json", card.content)})
    assert own.status_code == 422 and "your own agency" in refusal(own.text)
    assert "The partner card was not imported" in refusal(own.text)

    # a broken agreement is refused with the line and field; a good one is held and shown
    broken = JIT_TEXT.replace("retention_days:", "retention_dayz:")
    bad = client.post("/exchange/agreements", data={"csrf": csrf}, files={"file": ("jit.yaml", broken.encode())})
    assert bad.status_code == 422 and "jit.yaml" in refusal(bad.text)
    assert [a.id for a, _ in gb.cs.directory.agreements(gb.admin)] == [MLA]
    held = client.post("/exchange/agreements", data={"csrf": csrf}, files={"file": ("jit.yaml", JIT_TEXT.encode())},
                       follow_redirects=False)
    assert held.status_code == 303 and held.headers["location"] == f"/exchange/agreements/{JIT}"
    shown = client.get(held.headers["location"]).text
    assert "sets up a joint investigation team" in shown and "IT-SCO" in shown and "UNTOC, Art. 19" in shown

    csrf = sign_in(client, "gb_inv")
    page = client.get("/exchange").text
    assert 'id="outbox-table"' in page and 'id="inbox-table"' in page and 'id="import-form"' in page
    assert 'id="agreement-form"' not in page and 'id="partner-form"' not in page
    assert client.post("/exchange/agreements", data={"csrf": csrf},
                       files={"file": ("jit.yaml", JIT_TEXT.encode())}).status_code == 403
    french = client.get("/exchange?lang=fr").text
    assert "<h1>Échanges transfrontaliers</h1>" in french and "Boîte de réception" in french
    client.get("/exchange?lang=en")


def test_send_a_case_abroad_and_import_it_there(two) -> None:  # type: ignore[no-untyped-def]
    gb, _, at_gb, at_ro = two
    csrf = sign_in(at_gb, "gb-nca-legal", "/cases/GB-OP-1")
    case = at_gb.get("/cases/GB-OP-1").text
    assert 'href="/cases/GB-OP-1/exchange/new"' in case and 'id="received"' not in case
    form = at_gb.get("/cases/GB-OP-1/exchange/new").text
    assert f'<option value="{RO}"' in form and 'value="investigation"' in form and 'value="prosecution"' in form

    # a purpose outside the agreement: refused on the form, nothing prepared
    outside = at_gb.post("/cases/GB-OP-1/exchange", data={"csrf": csrf, "agreement": MLA, "recipient": RO,
                                                          "purpose": "intelligence"})
    assert outside.status_code == 403 and "outside agreement" in refusal(outside.text)
    assert 'id="exchange-form"' in outside.text and outbox_rows(gb) == 0

    made = at_gb.post("/cases/GB-OP-1/exchange", data={"csrf": csrf, "agreement": MLA, "recipient": RO,
                                                       "purpose": "investigation", "reference": "GB/MLA/2026/17",
                                                       "include": EVERYTHING},
                      follow_redirects=False)
    assert made.status_code == 303
    url = made.headers["location"]
    page = at_gb.get(url).text
    travels = re.search(r'<table id="leaving">.*?</table>', page, re.S).group(0)  # type: ignore[union-attr]
    assert "Ion Popescu" in travels and "Protected person" in travels and "Ana M." not in page  # by pseudonym
    withheld = re.search(r'<table id="withheld-table">.*?</table>', page, re.S).group(0)  # type: ignore[union-attr]
    assert "white van" in withheld and "schema_not_permitted" in withheld and "consent_withdrawn" in withheld
    removed = re.search(r'<table id="removed-table">.*?</table>', page, re.S).group(0)  # type: ignore[union-attr]
    assert "religion" in removed and "taxNumber" in removed
    assert 'id="rule-schema_not_permitted"' in page  # each rule explained
    assert "evidence/recipient/prior_consent" in page and "730 days" in page and "UNTOC, Art. 18(19)" in page
    assert "statement.pdf" in page and "GB/MLA/2026/17" in page and 'id="approve"' in page

    approved = at_gb.post(f"{url}/approve", data={"csrf": csrf}, follow_redirects=False)
    assert approved.status_code == 303
    again = at_gb.post(f"{url}/approve", data={"csrf": csrf})
    assert again.status_code == 409 and "only a preview can be approved" in refusal(again.text)
    page = at_gb.get(url).text
    assert "Approved by gb-nca-legal" in page and 'id="send"' in page and "Seal the bundle" in page
    sent = at_gb.post(f"{url}/send", data={"csrf": csrf}, follow_redirects=False)
    assert sent.status_code == 303
    page = at_gb.get(url).text
    assert "sealed, to carry" in page and 'id="download"' in page and 'id="send"' not in page
    bundle = at_gb.get(f"{url}/bundle")
    assert bundle.status_code == 200 and bundle.headers["content-disposition"].endswith('.palermo"')
    listed = at_gb.get("/exchange").text
    assert "GB-OP-1" in re.search(r'<table id="outbox-table">.*?</table>', listed, re.S).group(0)  # type: ignore[union-attr]

    # at the recipient: a bundle that is not one is refused on the page; the genuine one becomes a case
    ro_csrf = sign_in(at_ro, "ro_inv")
    junk = at_ro.post("/exchange/import", data={"csrf": ro_csrf}, files={"file": ("x.palermo", b"not a bundle")})
    assert junk.status_code == 409 and "nothing was written" in refusal(junk.text)
    got = at_ro.post("/exchange/import", data={"csrf": ro_csrf}, files={"file": ("b.palermo", bundle.content)},
                     follow_redirects=False)
    assert got.status_code == 303 and got.headers["location"].startswith("/cases/RX-GB-NCA-")
    case = at_ro.get(got.headers["location"]).text
    banner = re.search(r'<div class="card" id="received".*?</ul>', case, re.S).group(0)  # type: ignore[union-attr]
    assert "Received from GB-NCA (GB)" in banner and MLA in banner and "investigation" in banner
    assert "evidence/recipient/prior_consent" in banner and "no onward sharing" in banner
    assert "Kept until" in banner and "GB/MLA/2026/17" in banner
    assert 'id="send-abroad"' in case  # the recipient owns it; the handling code decides what may go on
    inbox = at_ro.get("/exchange").text
    row = re.search(r'<table id="inbox-table">.*?</table>', inbox, re.S).group(0)  # type: ignore[union-attr]
    assert "GB-NCA (GB)" in row and "imported from a file" in row and "JD/1" in row and "verified" in row
    again = at_ro.post("/exchange/import", data={"csrf": ro_csrf}, files={"file": ("b.palermo", bundle.content)})
    assert again.status_code == 409 and "replay" in refusal(again.text)

    # the owner records the sender's prior consent to passing it on, from the banner
    assert 'id="onward-consent"' in case
    consented = at_ro.post(f"{got.headers['location']}/onward-consents", follow_redirects=False,
                           data={"csrf": ro_csrf, "to_agency": "GB-NCA", "reference": "NCA letter 2026/311"})
    assert consented.status_code == 303
    unknown = at_ro.post(f"{got.headers['location']}/onward-consents",
                         data={"csrf": ro_csrf, "to_agency": "XX-NOBODY", "reference": "letter 1"})
    assert unknown.status_code == 422 and "neither an agency here nor a partner" in unknown.text


def test_a_preview_the_case_no_longer_gives_is_refused_on_its_page(two) -> None:  # type: ignore[no-untyped-def]
    gb, _, client, _ = two
    csrf = sign_in(client, "gb_inv", "/cases/GB-OP-1")
    made = client.post("/cases/GB-OP-1/exchange", data={"csrf": csrf, "agreement": MLA, "recipient": RO,
                                                        "purpose": "prosecution", "include": EVERYTHING},
                       follow_redirects=False)
    url = made.headers["location"]
    client.post(f"{url}/approve", data={"csrf": csrf})
    with gb.cs.store.transaction(gb.investigator) as conn:
        victim = conn.execute(select(t.victim.c.id).where(t.victim.c.entity_id == "p-victim-yes")).scalar_one()
    gb.cs.consents.record(gb.investigator, victim, "sharing_abroad", False, informed_in="en")
    refused = client.post(f"{url}/send", data={"csrf": csrf})
    assert refused.status_code == 409
    assert "changed since the preview" in refusal(refused.text) and "Preview again" in refusal(refused.text)
    assert 'id="new-preview"' in refused.text
    assert "approved, not sent yet" in refused.text  # the page, with the exchange as it stands
    assert gb.cs.outbox.get(gb.investigator, url.rsplit("/", 1)[1]).status == "approved"


def test_a_failed_push_is_shown_with_the_partners_answer(two) -> None:  # type: ignore[no-untyped-def]
    gb, ro, client, _ = two
    dead = "http://127.0.0.1:9/api/exchange/inbox/RO-IGPR-DCCO"  # nothing listens on the discard port
    gb.cs.directory.add_partners(gb.admin, Partners([ro.cs.directory.card(ro.investigator, dead)]).to_json(), "ro")
    csrf = sign_in(client, "gb_inv", "/cases/GB-OP-1")
    form = client.get("/cases/GB-OP-1/exchange/new").text
    assert all(f'name="include" value="{c}" checked' in form for c in ("notes", "attachments", "exhibits"))
    url = client.post("/cases/GB-OP-1/exchange", data={"csrf": csrf, "agreement": MLA, "recipient": RO,
                                                       "purpose": "investigation", "include": ["attachments"]},
                      follow_redirects=False).headers["location"]
    client.post(f"{url}/approve", data={"csrf": csrf})
    shown = client.get(url).text
    assert "statement.pdf" in shown and "JD/1" not in shown  # the exhibit was not chosen this time
    assert "Seal and send to the partner" in shown
    client.post(f"{url}/send", data={"csrf": csrf})
    page = client.get(url).text
    assert "push failed" in page and "could not be reached" in page and 'id="push-error"' in page
    assert "Push again" in page and 'id="download"' in page


def test_a_user_of_another_agency_cannot_send_from_the_case(two) -> None:  # type: ignore[no-untyped-def]
    gb, _, client, _ = two
    gb.cs.accounts.add_agency("GB-MET", "Metropolitan Police", "GB", "police")
    gb.cs.accounts.add_user("met", "GB-MET", "investigator", password=PASSWORD)
    gb.cs.cases.share(gb.investigator, "GB-OP-1", agency_id="GB-MET")
    sign_in(client, "met", "/cases/GB-OP-1")
    case = client.get("/cases/GB-OP-1").text
    assert 'id="send-abroad"' not in case
    page = client.get("/cases/GB-OP-1/exchange/new")
    assert page.status_code == 403 and "Only the owning agency" in page.text


@pytest.fixture
def team(tmp_path: Path) -> Iterator[tuple[CaseStore, Clock, TestClient]]:
    """One installation hosting a team: DIICOT (RO, leader), the NCA (GB) and the SCO (IT)."""
    cs = open_case_store(tmp_path, hasher=FAST_HASHER)
    clock = Clock(START)
    cs.gate.clock = clock
    for agency, state in (("RO-DIICOT", "RO"), ("GB-NCA", "GB"), ("IT-SCO", "IT")):
        cs.accounts.add_agency(agency, agency, state, "police")
        cs.accounts.add_user(f"{state.lower()}-inv", agency, "investigator", password=PASSWORD)
    cs.accounts.add_user("ro-admin", "RO-DIICOT", "admin", password=PASSWORD)
    cs.directory.add_agreement(cs.accounts.actor("ro-admin"), TEAM_TEXT, "jit.yaml")
    cs.cases.create(cs.accounts.actor("ro-inv"), CaseDraft(reference="JIT-1", title="Team Loom", handling="agencies"))
    with TestClient(app_over(Settings(data_dir=tmp_path), cs)) as client:
        yield cs, clock, client
    cs.dispose()


def test_the_team_space_is_set_up_shown_and_closed(team) -> None:  # type: ignore[no-untyped-def]
    cs, clock, client = team
    csrf = sign_in(client, "ro-inv", "/cases/JIT-1/team")
    page = client.get("/cases/JIT-1/team").text
    assert "not a joint investigation team" in page and f'<option value="{JIT}"' in page

    late = (START + timedelta(days=400)).date().isoformat()
    refused = client.post("/cases/JIT-1/team", data={"csrf": csrf, "agreement": JIT, "expires": late})
    assert refused.status_code == 422 and "no later than the agreement" in refusal(refused.text)
    assert 'id="team-form"' in refused.text

    made = client.post("/cases/JIT-1/team", data={"csrf": csrf, "agreement": JIT,
                                                  "expires": END.date().isoformat()}, follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"] == "/cases/JIT-1/team"
    cs.entities.add(cs.accounts.actor("gb-inv"), "JIT-1", {"id": "p-1", "schema": "Person",
                                                            "properties": {"name": ["Ion Popescu"]}})
    page = client.get("/cases/JIT-1/team").text
    members = re.search(r'<table id="member-table">.*?</table>', page, re.S).group(0)  # type: ignore[union-attr]
    for agency, state in (("RO-DIICOT", "RO"), ("GB-NCA", "GB"), ("IT-SCO", "IT")):
        assert agency in members and f"<td>{state}</td>" in members
    assert "leader" in members and "1 entity" in members and "active" in page and END.date().isoformat() in page

    spanish = client.get("/cases/JIT-1/team?lang=es").text
    assert "<h1>Equipo conjunto de investigación</h1>" in spanish and "Cerrar el equipo" in spanish
    client.get("/cases/JIT-1/team?lang=en")
    clock.at = END + timedelta(days=1)  # access ends at the end of the day given
    assert "expired" in client.get("/cases/JIT-1/team").text
    clock.at = START + timedelta(days=1)
    closed = client.post("/cases/JIT-1/team/close", data={"csrf": csrf})
    assert closed.status_code == 200 and "attachment" in closed.headers["content-disposition"]
    record = orjson.loads(closed.content)
    assert record["format"] == "palermo-team-record"
    assert [(e["id"], e["contributed_by"]) for e in record["entities"]] == [("p-1", "GB-NCA")]
    page = client.get("/cases/JIT-1/team").text
    assert "closed" in page and 'id="close"' not in page
    twice = client.post("/cases/JIT-1/team/close", data={"csrf": csrf})
    assert twice.status_code == 409 and "was closed on" in refusal(twice.text)
    sign_in(client, "gb-inv", "/home")
    assert client.get("/cases/JIT-1/team").status_code == 404  # access ended with the closure
