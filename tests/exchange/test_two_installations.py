"""The issue's end-to-end test: two Palermo servers on loopback, each with its own database, master key and agency
keys (the British NCA's and the Romanian police's), exchange under the example agreement over their APIs only. The
NCA previews, approves and pushes; the Romanian inbox imports; the Romanian installation holds exactly what the
agreement allows, with origin and handling code, and cannot pass it on where the handling code forbids. Replayed
and altered bundles pushed to the inbox are refused and write nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from palermo.cases import open_case_store

from ..cases.conftest import FAST_HASHER
from ..servers import start, stop
from .helpers import GB, MLA, RO
from .installations import COMPANY, MLA_TEXT, SUSPECT, VAN, VICTIM_NO, VICTIM_YES


@dataclass
class Server:
    """A running installation: its URL, and API clients for its investigator and administrator."""

    base: str
    agency: str
    inv: httpx.Client
    admin: httpx.Client

    @property
    def inbox(self) -> str:
        return f"{self.base}/api/exchange/inbox/{self.agency}"


def prepare(folder: Path, agency: str, state: str, others: tuple[tuple[str, str], ...] = ()) -> dict[str, str]:
    """The operator's set-up of a new installation: its agencies, an investigator and an administrator, tokens."""
    cs = open_case_store(folder, hasher=FAST_HASHER)
    cs.accounts.add_agency(agency, f"Police {state}", state, "police")
    for other, other_state in others:
        cs.accounts.add_agency(other, other, other_state, "prosecution")
    tokens = {}
    for name, roles in (("inv", ["investigator", "legal_officer"]), ("admin", ["admin"])):
        cs.accounts.add_user(f"{state.lower()}-{name}", agency, roles, password="correct horse battery")
        tokens[name] = cs.accounts.issue_token(cs.accounts.actor(f"{state.lower()}-{name}"), "e2e")
    cs.dispose()
    return tokens


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server]]:
    running = []
    made = []
    try:
        for agency, state, others in ((GB, "GB", ()), (RO, "RO", (("RO-DIICOT", "RO"),))):
            folder = tmp_path_factory.mktemp(state.lower())
            tokens = prepare(folder, agency, state, others)
            proc, base = start(folder)
            running.append(proc)
            clients = {k: httpx.Client(base_url=base, headers={"authorization": f"Bearer {v}"}, timeout=60)
                       for k, v in tokens.items()}
            made.append(Server(base, agency, clients["inv"], clients["admin"]))
        gb, ro = made
        for me, partner in ((gb, ro), (ro, gb)):
            ok(me.admin.post("/api/exchange/agreements", content=MLA_TEXT, headers={"content-type": "text/yaml"}))
            card = ok(partner.inv.get("/api/exchange/card", params={"inbox": partner.inbox}))
            ok(me.admin.post("/api/exchange/partners", json=card))
        yield gb, ro
    finally:
        for server in made:
            server.inv.close()
            server.admin.close()
        for proc in running:
            stop(proc)


def ok(answer: httpx.Response) -> object:
    assert answer.status_code in (200, 201), f"{answer.request.method} {answer.request.url}: {answer.text}"
    return answer.json()


def operation(gb: Server) -> None:
    """Case GB-OP-1 in the British installation, made through its API."""
    api = gb.inv
    ok(api.post("/api/cases", json={"reference": "GB-OP-1", "title": "Operation Loom", "handling": "agencies"}))
    for entity, role in ((SUSPECT, "suspect"), (VICTIM_YES, "victim"), (VICTIM_NO, "victim"), (COMPANY, None),
                         (VAN, None)):
        ok(api.post("/api/cases/GB-OP-1/entities", json={"entity": entity, "role": role}))
    for entity, name, given in (("p-victim-yes", "Ana M.", True), ("p-victim-no", "Elena V.", False)):
        victim = ok(api.post("/api/victims", json={"case": "GB-OP-1", "entity_id": entity, "jurisdiction": "GB",
                                                   "identity": {"names": [name]}}))
        ok(api.post(f"/api/victims/{victim['id']}/consents",  # type: ignore[index]
                    json={"purpose": "sharing_abroad", "given": given, "informed_in": "en"}))
    ok(api.post("/api/cases/GB-OP-1/notes", json={"body": "drives the van", "entity_id": "p-suspect"}))


def cases_of(server: Server) -> list[str]:
    page = ok(server.inv.get("/api/cases"))
    return sorted(c["reference"] for c in page["items"])  # type: ignore[index]


def test_a_previews_approves_and_pushes_b_holds_exactly_what_the_agreement_allows(servers) -> None:  # type: ignore[no-untyped-def]
    gb, ro = servers
    operation(gb)
    entry = ok(gb.inv.post("/api/cases/GB-OP-1/exchange", json={
        "agreement": MLA, "recipient": RO, "purpose": "investigation", "reference": "GB/MLA/2026/17"}))
    assert isinstance(entry, dict) and entry["status"] == "previewed"
    assert {w["id"]: w["rule"] for w in entry["withheld"] if w["kind"] == "entity"} == {
        "car-1": "schema_not_permitted", "p-victim-no": "consent_withdrawn"}
    assert ok(gb.inv.post(f"/api/exchange/outbox/{entry['id']}/approve"))["status"] == "approved"  # type: ignore[index]
    sent = ok(gb.inv.post(f"/api/exchange/outbox/{entry['id']}/send"))
    assert isinstance(sent, dict) and sent["status"] == "delivered", sent.get("error")

    received = ok(ro.inv.get("/api/exchange/inbox"))
    assert isinstance(received, list) and len(received) == 1
    got = received[0]
    assert (got["sender"], got["sender_state"], got["agreement"], got["purpose"], got["via"]) == (
        GB, "GB", MLA, "investigation", "push")
    assert got["handling"] == "evidence/recipient/prior_consent"
    case = ok(ro.inv.get(f"/api/cases/{got['case_reference']}"))
    assert isinstance(case, dict) and case["owner_agency"] == RO
    page = ok(ro.inv.get(f"/api/cases/{got['case_reference']}/entities", params={"limit": 100}))
    held = {e["id"]: e for e in page["items"]}  # type: ignore[index]
    assert sorted(held) == ["c-agency", "p-suspect", "p-victim-yes"]  # the van and the refusing victim stayed
    assert held["p-suspect"]["properties"] == {k: v for k, v in SUSPECT["properties"].items()  # type: ignore[union-attr]
                                               if k != "religion"}
    assert "taxNumber" not in held["c-agency"]["properties"]
    assert held["p-victim-yes"]["protected"] and held["p-victim-yes"]["properties"] == {}
    assert ok(ro.inv.get(f"/api/cases/{got['case_reference']}/notes")) == []  # notes do not travel here

    # the handling code keeps it with the recipient: passing it to another Romanian authority is refused
    ok(ro.inv.patch(f"/api/cases/{got['case_reference']}", json={"version": case["version"],
                                                                  "changes": {"handling": "agencies"}}))
    refused = ro.inv.post(f"/api/cases/{got['case_reference']}/members", json={"agency": "RO-DIICOT"})
    assert refused.status_code == 403 and "prior consent" in refused.json()["detail"]

    # the bundle pushed again, or altered, is refused and nothing is written
    bundle = gb.inv.get(f"/api/exchange/outbox/{entry['id']}/bundle").content  # type: ignore[index]
    before = cases_of(ro)
    again = httpx.post(ro.inbox, content=bundle, headers={"content-type": "application/octet-stream"})
    assert again.status_code == 409 and "replay" in again.json()["detail"].lower()
    altered = bytearray(bundle)
    altered[len(altered) // 2] ^= 1
    tampered = httpx.post(ro.inbox, content=bytes(altered), headers={"content-type": "application/octet-stream"})
    assert tampered.status_code == 409
    wrong_agency = httpx.post(f"{ro.base}/api/exchange/inbox/RO-DIICOT", content=bundle)
    assert wrong_agency.status_code == 409
    assert cases_of(ro) == before
