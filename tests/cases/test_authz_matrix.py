"""The authorisation matrix: every case-workspace API route x every role x own agency / case member agency /
other agency, on SQLite and PostgreSQL. The expectations are written out here, independently of the policy module:
a change to either that the other does not share fails this test."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from palermo.custody.keys import SigningKey
from palermo.exchange import EncryptionKey, Partner, Partners
from palermo.finance.desk import Desk
from palermo.finance.generator import generate
from palermo.finance.review import keep_hits
from palermo.finance.screening import Query, load_watchlist, screen
from palermo.settings import Settings
from palermo.stats.store import StatsStore
from palermo.stats.victims import Parsed
from palermo.web import create_app
from tests.conftest import app_over

ROLES = ("admin", "investigator", "analyst", "legal_officer", "victim_support", "auditor")
RELATIONS = ("owner", "member", "outsider")
AGENCY_OF = {"owner": "gb-police", "member": "pl-police", "outsider": "ro-police"}
MAY = {
    "admin": {"case_create", "case_read", "case_edit", "case_share", "entity_write", "note_write",
              "attachment_write", "users_manage", "keys_manage", "victim_grant", "consent_override",
              "agreement_manage"},
    "investigator": {"case_create", "case_read", "case_edit", "case_share", "entity_write", "note_write",
                     "attachment_write", "protected_read", "finance", "evidence_write", "evidence_export",
                     "victim_read", "victim_write", "exchange_send", "exchange_receive", "request_write"},
    "analyst": {"case_read", "entity_write", "note_write", "finance", "statistics", "evidence_write"},
    "legal_officer": {"case_read", "case_edit", "note_write", "attachment_write", "evidence_export", "victim_read",
                      "exchange_send", "exchange_receive", "agreement_manage", "request_write"},
    "victim_support": {"case_read", "entity_write", "note_write", "protected_read", "victim_read", "victim_write",
                       "victim_reveal"},
    "auditor": {"audit_read"},
}
PDF = b"%PDF-1.4 test"
VICTIM = {"identity": {"names": ["Ana Ionescu v9"]}, "jurisdiction": "GB", "language": "ro"}
SCREENING_SET = "ilo_forced_labour_2012"
EXHIBIT = {"description": "Mobile phone", "kind": "physical", "legal_basis": "Warrant 2019/123", "seized_in": "GB",
           "seized_at": "2019-03-01T06:05:00+00:00", "place": "Walsall", "holder": "DC J. Doe", "seal": "S-1"}
counter = itertools.count()
AGREEMENTS = Path(__file__).resolve().parents[2] / "examples" / "agreements"
TODAY = datetime.now(UTC).date()


def _matrix_agreement(name: str, parties: dict[str, str], drop: str = "") -> str:
    """An example agreement between this matrix's agencies, in force around today (the hash line dropped)."""
    text = re.sub(r"(?m)^sha256: .*\n", "", (AGREEMENTS / name).read_text())
    text = re.sub(r"(?m)^valid_from: .*$", f"valid_from: {TODAY - timedelta(days=30)}", text)
    text = re.sub(r"(?m)^valid_until: .*$", f"valid_until: {TODAY + timedelta(days=300)}", text)
    if drop:
        text = re.sub(rf"(?ms)^  - agency: {drop}\n.*?(?=^  - |^\S)", "", text)
    for old, new in parties.items():
        text = text.replace(old, new)
    return text


MATRIX_MLA = _matrix_agreement("gb-ro-police-mla.yaml", {
    "agency: GB-NCA\n    state: GB": "agency: gb-police\n    state: GB",
    "agency: RO-IGPR-DCCO\n    state: RO": "agency: ro-police\n    state: RO", "id: gb-ro-police-mla": "id: matrix-mla"})
MATRIX_JIT = _matrix_agreement("jit-ro-gb-it.yaml", {
    "agency: RO-DIICOT\n    state: RO": "agency: gb-police\n    state: GB",
    "agency: GB-NCA\n    state: GB": "agency: pl-police\n    state: PL", "id: jit-ro-gb-it-2026": "id: matrix-jit"},
    drop="IT-SCO")
REQUEST_FILE = (AGREEMENTS.parent / "requests" / "operation_fort_mla.yaml").read_text()
FALSE_MESSAGE = {"format": "palermo-linkage-message", "version": 1, "step": "proposal", "exchange": "x-1",
                 "sender": "ro-police", "recipient": "gb-police", "key": "k", "body": {}, "signature": ""}
PREVIEW = {"agreement": "matrix-mla", "recipient": "ro-police", "purpose": "investigation"}
TEAM_ENDS = (datetime.now(UTC) + timedelta(days=60)).isoformat()

# (method, path) -> (permission(s) needed or None for any signed-in user, scope, request builder)
# scope: "case" = on case GB-1 (outsiders get 404), "agency" = not about one case, "owner" = the owning agency only.
Req = Callable[["World"], dict[str, Any]]


def _n() -> int:
    return next(counter)


ROUTES: dict[tuple[str, str], tuple[str | tuple[str, ...] | None, str, Req]] = {
    ("DELETE", "/api/auth/token"): (None, "agency", lambda w: {"params": {"label": "no-such-label"}}),
    ("GET", "/api/agencies"): (None, "agency", lambda w: {}),
    ("GET", "/api/users"): ("users_manage", "agency", lambda w: {}),
    ("POST", "/api/users"): ("users_manage", "agency",
                             lambda w: {"json": {"username": f"new{_n()}", "roles": ["analyst"]}}),
    ("GET", "/api/cases"): ("case_read", "agency", lambda w: {}),
    ("POST", "/api/cases"): ("case_create", "agency", lambda w: {"json": {"reference": f"NEW-{_n()}", "title": "t"}}),
    ("GET", "/api/cases/{ref}"): ("case_read", "case", lambda w: {}),
    ("PATCH", "/api/cases/{ref}"): ("case_edit", "case",
                                    lambda w: {"json": {"version": w.case_version(), "changes": {"summary": "s"}}}),
    ("POST", "/api/cases/{ref}/members"): ("case_share", "owner",
                                           lambda w: {"json": {"agency": "pl-police", "access": "write"}}),
    ("GET", "/api/cases/{ref}/entities"): ("case_read", "case", lambda w: {}),
    ("POST", "/api/cases/{ref}/entities"): ("entity_write", "case", lambda w: {"json": {"entity": {
        "id": f"n{_n()}", "schema": "Person", "properties": {"name": ["Someone"]}}}}),
    ("GET", "/api/cases/{ref}/entities/{entity_id}"): ("case_read", "case", lambda w: {}),
    ("POST", "/api/cases/{ref}/entities/{entity_id}/reveal"): (("case_read", "protected_read"), "case", lambda w: {
        "path": "/api/cases/GB-1/entities/v1/reveal", "json": {"reason": "referral to a shelter"}}),
    ("PUT", "/api/cases/{ref}/entities/{entity_id}"): ("entity_write", "case", lambda w: {"json": {
        "version": w.entity_version(), "properties": {"name": ["Ana Ionescu"]}}}),
    ("POST", "/api/cases/{ref}/entities/{entity_id}/roles"): ("entity_write", "case",
                                                              lambda w: {"json": {"role": "suspect"}}),
    ("POST", "/api/cases/{ref}/links"): ("entity_write", "case", lambda w: {"json": {
        "schema": "Associate", "source": "p1", "target": "p2"}}),
    ("POST", "/api/cases/{ref}/import"): ("entity_write", "case", lambda w: {
        "content": f'{{"id": "i{_n()}", "schema": "Vehicle", "properties": {{"name": ["van"]}}}}\n',
        "headers": {"content-type": "application/x-ndjson"}}),
    ("GET", "/api/cases/{ref}/export"): ("case_read", "case", lambda w: {}),
    ("GET", "/api/cases/{ref}/notes"): ("case_read", "case", lambda w: {}),
    ("POST", "/api/cases/{ref}/notes"): ("note_write", "case", lambda w: {"json": {"body": "seen at the station"}}),
    ("GET", "/api/cases/{ref}/timeline"): ("case_read", "case", lambda w: {}),
    ("POST", "/api/cases/{ref}/timeline"): ("case_edit", "case",
                                            lambda w: {"json": {"date": "2024-01-02", "summary": "arrest"}}),
    ("GET", "/api/cases/{ref}/attachments"): ("case_read", "case", lambda w: {}),
    ("POST", "/api/cases/{ref}/attachments"): ("attachment_write", "case",
                                               lambda w: {"files": {"file": ("s.pdf", PDF, "application/pdf")}}),
    ("GET", "/api/cases/{ref}/attachments/{attachment_id}"): ("case_read", "case", lambda w: {}),
    ("GET", "/api/search"): ("case_read", "agency", lambda w: {"params": {"q": "Ionescu"}}),
    ("GET", "/api/audit"): ("audit_read", "agency", lambda w: {}),
    ("GET", "/api/finance/rules"): (None, "agency", lambda w: {}),
    ("GET", "/api/finance/alerts"): ("finance", "agency", lambda w: {}),
    # the finance ledger is the owner agency's own (one per agency): another agency's alert, hit or report is 404
    ("GET", "/api/finance/alerts/{alert_id}"): ("finance", "record", lambda w: {}),
    ("POST", "/api/finance/alerts/{alert_id}/review"): ("finance", "record", lambda w: {
        "json": {"status": "dismissed", "reason": "known payroll bureau"}}),
    ("GET", "/api/finance/screening"): ("finance", "agency", lambda w: {}),
    ("GET", "/api/finance/screening/decisions"): ("finance", "agency", lambda w: {}),
    ("POST", "/api/finance/screening/{hit_id}/decision"): ("finance", "record", lambda w: {
        "path": f"/api/finance/screening/{w.fresh_hit()}/decision",
        "json": {"decision": "cleared", "reason": "different person"}}),
    ("GET", "/api/stats/datasets"): ("statistics", "agency", lambda w: {}),
    ("GET", "/api/stats/datasets/{dataset}/ledger"): ("statistics", "agency", lambda w: {}),
    ("POST", "/api/stats/datasets/{dataset}/releases"): ("statistics", "agency", lambda w: {
        "json": {"by": ["gender"], "k": 11}}),
    ("POST", "/api/finance/reports"): ("finance", "record", lambda w: {
        "json": {"alerts": [w.alert], "reference": "STR-1"}}),
    ("GET", "/api/cases/{ref}/exhibits"): ("case_read", "case", lambda w: {}),
    ("POST", "/api/cases/{ref}/exhibits"): ("evidence_write", "case", lambda w: {"json": {
        **EXHIBIT, "label": f"X-{_n()}"}}),
    ("GET", "/api/cases/{ref}/exhibits/{exhibit}"): ("case_read", "case", lambda w: {}),
    ("POST", "/api/cases/{ref}/exhibits/{exhibit}/events"): ("evidence_write", "case", lambda w: {"json": {
        "kind": "examination", "occurred": "2019-03-02T10:00:00+01:00", "place": "lab", "purpose": "photographs",
        "details": {"method": "photographed"}}}),
    ("POST", "/api/cases/{ref}/exhibits/{exhibit}/derivatives"): ("evidence_write", "case", lambda w: {"json": {
        "exhibit": {**EXHIBIT, "label": f"X-{_n()}", "kind": "digital", "seal": None,
                    "attachment_id": w.attachment}, "act": {
            "kind": "derivative", "occurred": "2019-03-02T10:00:00+01:00", "place": "lab", "purpose": "copy"}}}),
    ("POST", "/api/cases/{ref}/custody/events"): ("evidence_write", "case", lambda w: {"json": [
        {"exhibit": "JD-1", "kind": "examination", "occurred": "2019-03-02T10:00:00+01:00", "place": "lab",
         "purpose": "photographs"}] * 2}),
    ("GET", "/api/cases/{ref}/exhibits/{exhibit}/bundle"): ("evidence_export", "case", lambda w: {}),
    ("GET", "/api/cases/{ref}/custody/verify"): ("case_read", "case", lambda w: {}),
    ("GET", "/api/cases/{ref}/custody/heads"): ("case_read", "case", lambda w: {}),
    ("POST", "/api/cases/{ref}/custody/extension"): ("case_read", "case", lambda w: {"json": w.first_head}),
    ("GET", "/api/keys"): (None, "agency", lambda w: {}),
    ("POST", "/api/keys/rotate"): ("keys_manage", "agency", lambda w: {}),
    ("GET", "/api/keys/trusted"): (None, "agency", lambda w: {}),
    ("POST", "/api/keys/trusted"): ("keys_manage", "agency", lambda w: {"json": {
        "keys": [w.partner_key], "label": "read aloud by phone"}}),
    ("GET", "/api/victims"): ("victim_read", "agency", lambda w: {}),
    ("POST", "/api/victims"): ("victim_write", "agency", lambda w: {"json": VICTIM}),
    ("GET", "/api/victims/{victim}"): ("victim_read", "record", lambda w: {}),
    ("POST", "/api/victims/{victim}/reveal"): (("victim_read", "victim_reveal"), "record", lambda w: {
        "json": {"reason": "shelter referral"}}),
    ("POST", "/api/victims/{victim}/grants"): ("victim_grant", "record", lambda w: {
        "json": {"username": "owner_analyst", "reason": "needs the statement", "days": 1}}),
    ("PUT", "/api/victims/{victim}/identity"): (("victim_write", "victim_reveal"), "record", lambda w: {
        "json": {"version": w.victim_version(), "identity": VICTIM["identity"]}}),
    ("GET", "/api/victims/{victim}/consents"): ("victim_read", "record", lambda w: {}),
    ("POST", "/api/victims/{victim}/consents"): ("victim_write", "record", lambda w: {
        "json": {"purpose": "services", "given": True, "informed_in": "ro"}}),
    ("POST", "/api/victims/{victim}/referrals"): ("victim_write", "record", lambda w: {
        "json": {"service": "shelter", "to_name": "Shelter", "to_state": "GB"}}),
    ("GET", "/api/referrals"): (None, "agency", lambda w: {}),
    ("POST", "/api/referrals/{referral_id}/status"): ("victim_write", "record", lambda w: {
        "path": f"/api/referrals/{w.fresh_referral()}/status", "json": {"status": "withdrawn"}}),
    ("POST", "/api/agency/data-key/rotate"): ("keys_manage", "agency", lambda w: {}),
    ("GET", "/api/victims/{victim}/rights"): ("victim_read", "record", lambda w: {}),
    ("PUT", "/api/victims/{victim}/identified"): ("victim_write", "record", lambda w: {"json": {"on": "2026-11-02"}}),
    ("POST", "/api/victims/statistics"): ("victim_write", "agency", lambda w: {"json": {"dataset": f"s{_n()}"}}),
    ("GET", "/api/indicator-sets"): (None, "agency", lambda w: {}),
    ("POST", "/api/screenings"): ("victim_write", "agency", lambda w: {"json": {"indicator_set": SCREENING_SET}}),
    ("GET", "/api/screenings"): ("victim_read", "agency", lambda w: {}),
    ("GET", "/api/screenings/{screening_id}"): ("victim_read", "record", lambda w: {}),
    ("PUT", "/api/screenings/{screening_id}"): ("victim_write", "record", lambda w: {
        "path": f"/api/screenings/{w.fresh_screening()}", "json": {"version": 1, "answers": {}}}),
    ("POST", "/api/screenings/{screening_id}/complete"): ("victim_write", "record", lambda w: {
        "path": f"/api/screenings/{w.fresh_screening()}/complete", "json": {"version": 1, "answers": {}}}),
    ("POST", "/api/screenings/{screening_id}/attach"): ("victim_write", "record", lambda w: {
        "path": f"/api/screenings/{w.fresh_screening()}/attach", "json": {"victim": w.victim}}),
    ("POST", "/api/finance/cases"): (("finance", "entity_write"), "case+ledger",
                                     lambda w: {"json": {"alerts": [w.alert], "case": "GB-1"}}),
    ("GET", "/api/exchange/agreements"): (None, "agency", lambda w: {}),
    ("GET", "/api/exchange/agreements/{agreement}"): (None, "agency", lambda w: {}),
    ("POST", "/api/exchange/agreements"): ("agreement_manage", "agency", lambda w: {
        "content": MATRIX_MLA, "headers": {"content-type": "text/yaml"}}),
    ("GET", "/api/exchange/card"): (None, "agency", lambda w: {}),
    ("GET", "/api/exchange/partners"): (None, "agency", lambda w: {}),
    ("POST", "/api/exchange/encryption-key/rotate"): ("keys_manage", "agency", lambda w: {}),
    ("POST", "/api/exchange/partners"): ("keys_manage", "agency", lambda w: {"json": w.outside_card}),
    ("POST", "/api/cases/{ref}/exchange"): ("exchange_send", "owner", lambda w: {"json": PREVIEW}),
    ("GET", "/api/exchange/outbox"): (None, "agency", lambda w: {}),
    ("GET", "/api/exchange/outbox/{entry}"): ("exchange_send", "record", lambda w: {}),
    ("POST", "/api/exchange/outbox/{entry}/approve"): ("exchange_send", "record", lambda w: {
        "path": f"/api/exchange/outbox/{w.fresh_preview()}/approve"}),
    ("POST", "/api/exchange/outbox/{entry}/send"): ("exchange_send", "record", lambda w: {
        "path": f"/api/exchange/outbox/{w.fresh_preview(approved=True)}/send", "json": {"push": False}}),
    ("GET", "/api/exchange/outbox/{entry}/bundle"): ("exchange_send", "record", lambda w: {}),
    ("POST", "/api/exchange/import"): ("exchange_receive", "checked", lambda w: {
        "content": b"not a bundle", "headers": {"content-type": "application/octet-stream"}}),
    ("GET", "/api/exchange/inbox"): ("exchange_receive", "agency", lambda w: {}),
    ("POST", "/api/exchange/expire"): ("exchange_receive", "agency", lambda w: {}),
    ("POST", "/api/cases/{ref}/linkage"): ("exchange_send", "owner", lambda w: {"json": {"partner": "ro-police"}}),
    ("POST", "/api/cases/{ref}/linkage/join"): ("exchange_send", "owner!409", lambda w: {"json": FALSE_MESSAGE}),
    ("POST", "/api/linkage/messages"): ("exchange_send", "checked", lambda w: {"json": FALSE_MESSAGE}),
    ("POST", "/api/linkage/{exchange}/answer"): ("exchange_send", "record!409", lambda w: {
        "json": {"confirmed": True}}),
    ("GET", "/api/linkage"): (None, "agency", lambda w: {}),
    ("GET", "/api/linkage/{exchange}"): ("case_read", "record", lambda w: {}),
    ("POST", "/api/cases/{ref}/onward-consents"): ("case_share", "owner!422", lambda w: {
        "json": {"to_agency": "pl-police", "reference": "letter 17/2026"}}),
    ("GET", "/api/requests"): (None, "agency", lambda w: {}),
    ("POST", "/api/cases/{ref}/requests"): ("request_write", "case", lambda w: {
        "content": REQUEST_FILE, "headers": {"content-type": "text/yaml"}}),
    ("GET", "/api/requests/{request_id}"): ("case_read", "case", lambda w: {}),
    ("GET", "/api/requests/{request_id}/check"): ("case_read", "case", lambda w: {}),
    ("GET", "/api/requests/{request_id}/document"): ("case_read", "case", lambda w: {"params": {"format": "docx"}}),
    ("POST", "/api/requests/{request_id}/status"): ("request_write", "case", lambda w: {
        "path": f"/api/requests/{w.fresh_request()}/status", "json": {"status": "withdrawn"}}),
    ("POST", "/api/requests/{request_id}/replies"): ("request_write", "case", lambda w: {
        "json": {"received_on": "2026-05-02", "summary": "acknowledgement of receipt"}}),
    ("POST", "/api/requests/{request_id}/exchange"): ("exchange_send", "owner!422", lambda w: {
        "path": f"/api/requests/{w.fresh_request()}/exchange",
        "json": {"agreement": "matrix-mla", "recipient": "ro-police", "purpose": "prosecution"}}),
    ("GET", "/api/requests/{request_id}/exchanges"): ("case_read", "case", lambda w: {}),
    ("POST", "/api/cases/{ref}/team"): ("case_share", "owner", lambda w: {
        "path": f"/api/cases/{w.fresh_case()}/team", "json": {"agreement": "matrix-jit", "expires": TEAM_ENDS}}),
    ("GET", "/api/cases/{ref}/team"): ("case_read", "case", lambda w: {"path": "/api/cases/GB-T/team"}),
    ("POST", "/api/cases/{ref}/team/close"): ("case_share", "owner", lambda w: {
        "path": f"/api/cases/{w.fresh_team()}/team/close"}),
    # link analysis reads the case: whoever may read it, the case's own and member agencies; outsiders 404
    ("GET", "/api/cases/{ref}/graph"): ("case_read", "case", lambda w: {}),
    ("GET", "/api/cases/{ref}/graph/neighbours"): ("case_read", "case", lambda w: {"params": {"entity": "p1"}}),
    ("GET", "/api/cases/{ref}/graph/path"): ("case_read", "case", lambda w: {"params": {"from": "p1", "to": "p2"}}),
    ("GET", "/api/cases/{ref}/graph/communities"): ("case_read", "case", lambda w: {}),
    ("GET", "/api/cases/{ref}/graph/brokers"): ("case_read", "case", lambda w: {}),
    ("GET", "/api/cases/{ref}/graph/graphml"): ("case_read", "case", lambda w: {}),
    ("GET", "/api/cases/{ref}/routes"): ("case_read", "case", lambda w: {}),
    # entity resolution: running and reading it needs only to read the cases (outsiders 404); a judgement needs
    # entity_write in the cases of both records. Lists show an agency's own runs, of the cases the user can see.
    ("POST", "/api/resolution/runs"): ("case_read", "case", lambda w: {"json": {"cases": ["GB-1"], "dataset": "toy"}}),
    # a run started as a job (202): GB-1 has no address records, so each job ends at once, failed in plain words
    ("POST", "/api/resolution/jobs"): ("case_read", "case", lambda w: {"json": {
        "cases": ["GB-1"], "dataset": f"job{_n()}", "kind": "address"}}),
    ("GET", "/api/resolution/{dataset}/job"): ("case_read", "agency", lambda w: {}),
    ("GET", "/api/resolution/{dataset}/queue"): ("case_read", "agency", lambda w: {}),
    ("GET", "/api/resolution/{dataset}/identities"): ("case_read", "agency", lambda w: {}),
    ("GET", "/api/resolution/{dataset}/identity"): ("case_read", "case", lambda w: {
        "params": {"id": w.resolution["identity"]}}),
    ("POST", "/api/resolution/judgements"): ("entity_write", "case", lambda w: {"json": {
        "left": w.resolution["p1"], "right": w.resolution["p2"], "verdict": "unsure"}}),
}


def expected(role: str, relation: str, needs: str | tuple[str, ...] | None, scope: str) -> int | str:
    """What the policy promises: 'ok' (2xx), 403 or 404; for "checked" routes (a bundle, here a false one) the
    content is checked once the role may: 409; "SCOPE!CODE": as SCOPE, then CODE where the request is refused for
    what it holds (a case not received from abroad, a false message, a run with nothing to confirm): the success
    is tested in tests/exchange and tests/linkage. "case+ledger": as "case", then another agency than the owner
    does not see the owner agency's finance alert (each agency has its own ledger): 404."""
    if scope == "checked":
        return 409 if needs in MAY[role] else 403
    if scope == "case+ledger":  # on case GB-1, with an alert of the owner agency's own finance ledger
        allowed = expected(role, relation, needs, "case")
        return 404 if allowed == "ok" and relation != "owner" else allowed
    scope, _, then = scope.partition("!")  # "owner!422": as "owner", then refused by what the request holds
    if then:
        allowed = expected(role, relation, needs, scope)
        return int(then) if allowed == "ok" else allowed
    if scope == "record":  # an agency's own record: its first permission, then other agencies do not see it
        first, *rest = (needs,) if isinstance(needs, str) else needs or ("",)
        if first not in MAY[role]:
            return 403
        if relation != "owner":
            return 404
        return "ok" if set(rest) <= MAY[role] else 403
    if scope in ("case", "owner") and relation == "outsider":
        return 404
    wanted = {needs} if isinstance(needs, str) else set(needs or ())
    if not wanted <= MAY[role]:
        return 403
    if scope == "owner" and relation != "owner":
        return 403
    return "ok"


class World:
    def __init__(self, client: TestClient) -> None:
        self.client = client
        cs = client.app.state.services.store  # type: ignore[attr-defined]
        for agency, state in (("gb-police", "GB"), ("pl-police", "PL"), ("ro-police", "RO")):
            cs.accounts.add_agency(agency, f"Police {state}", state, "police")
        self.tokens: dict[tuple[str, str], str] = {}
        for role, relation in itertools.product(ROLES, RELATIONS):
            name = f"{relation}_{role}"
            cs.accounts.add_user(name, AGENCY_OF[relation], [role], password="correct horse battery")
            self.tokens[(role, relation)] = cs.accounts.issue_token(cs.accounts.actor(name), "matrix")
        self.boss = {"authorization": f"Bearer {self.tokens[('investigator', 'owner')]}"}
        ok = client.post("/api/cases", headers=self.boss, json={"reference": "GB-1", "title": "Case one",
                                                                 "handling": "agencies"})
        assert ok.status_code == 201, ok.text
        for eid in ("p1", "p2", "v1"):
            client.post("/api/cases/GB-1/entities", headers=self.boss, json={"entity": {
                "id": eid, "schema": "Person", "properties": {"name": [f"Ana Ionescu {eid}"]}},
                "role": "victim" if eid == "v1" else None})
        assert client.post("/api/cases/GB-1/members", headers=self.boss,
                           json={"agency": "pl-police", "access": "write"}).status_code == 201
        self.attachment = client.post("/api/cases/GB-1/attachments", headers=self.boss,
                                      files={"file": ("a.pdf", PDF, "application/pdf")}).json()["id"]
        assert client.post("/api/cases/GB-1/exhibits", headers=self.boss,
                           json={**EXHIBIT, "label": "JD-1"}).status_code == 201
        self.first_head = client.get("/api/cases/GB-1/custody/heads", headers=self.boss).json()[0]
        carer = {"authorization": f"Bearer {self.tokens[('victim_support', 'owner')]}"}
        self.victim = client.post("/api/victims", headers=carer, json=VICTIM).json()["id"]
        assert client.post(f"/api/victims/{self.victim}/consents", headers=carer, json={
            "purpose": "services", "given": True, "informed_in": "ro"}).status_code == 201
        self.screening = self.fresh_screening()
        self.partner_key = SigningKey.generate().record(agency="pl-police", state="PL",
                                                        valid_from=datetime.now().astimezone()).wire()
        settings = client.app.state.settings  # type: ignore[attr-defined]
        desk = Desk(client.app.state.services.finance.ledger_path("gb-police"))  # type: ignore[attr-defined]
        generate(desk.ledger, 5000, seed=1, per_typology=1)
        desk.monitor(only=["cycle"])
        self.alert = desk.alerts()[0].id
        desk.close()
        # any-content schema: this matrix is about who may report, tests/finance about what validates
        xsd = settings.data_dir / "any.xsd"
        xsd.write_text('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="report">'
                       '<xs:complexType><xs:sequence><xs:any processContents="skip" minOccurs="0" '
                       'maxOccurs="unbounded"/></xs:sequence></xs:complexType></xs:element></xs:schema>')
        client.app.state.services.finance.options["goaml_xsd"] = xsd  # type: ignore[attr-defined]
        stats = StatsStore(settings.stats_store_path)
        stats.add_dataset("toy", Parsed(["gender"], [["Female"]] * 30, [], "toy@0"), epsilon_budget=1,
                          delta_budget=1e-6, at=datetime.now())
        stats.close()
        self._exchange(cs)
        self.resolution = self._resolution(cs)
        self.watchlist = settings.data_dir / "list.ftm.json"
        self.watchlist.write_text(json.dumps({"id": "ofac-1", "schema": "Person", "properties": {
            "name": ["Vitaly Kuzmenko"], "birthDate": ["1971-01-22"]}}) + "\n")

    def _exchange(self, cs: Any) -> None:
        """The agreements held, the Romanian police as the British police's partner, one exchange sealed, and a
        team space GB-T shared with the Polish police."""
        gb_admin = cs.accounts.actor("owner_admin")
        cs.directory.add_agreement(gb_admin, MATRIX_MLA, "matrix-mla.yaml")
        cs.directory.add_agreement(gb_admin, MATRIX_JIT, "matrix-jit.yaml")
        ro_card = Partners([cs.directory.card(cs.accounts.actor("outsider_investigator"))]).to_json()
        cs.directory.add_partners(gb_admin, ro_card, "ro card")
        outside = Partner(agency="de-bka", state="DE", signing=[SigningKey.generate().record(
            agency="de-bka", state="DE", valid_from=datetime.now(UTC))], encryption=[EncryptionKey.generate().record(
                "de-bka", "DE", datetime.now(UTC))])
        self.outside_card = orjson.loads(Partners([outside]).to_json())
        self.entry = self.fresh_preview(approved=True)
        assert self.client.post(f"/api/exchange/outbox/{self.entry}/send", headers=self.boss,
                                json={"push": False}).json()["status"] == "sealed"
        self.request = self.fresh_request()
        self.run = self.client.post("/api/cases/GB-1/linkage", headers=self.boss,
                                    json={"partner": "ro-police"}).json()["exchange"]
        self.fresh_case("GB-T")
        assert self.client.post("/api/cases/GB-T/team", headers=self.boss, json={
            "agreement": "matrix-jit", "expires": TEAM_ENDS}).status_code == 201

    def _resolution(self, cs: Any) -> dict[str, str]:
        """Case GB-1's persons resolved as dataset 'toy' by the owner's and the member agency's investigators: two
        of its records and the canonical ID of the first."""
        for relation in ("owner", "member"):
            headers = {"authorization": f"Bearer {self.tokens[('investigator', relation)]}"}
            ran = self.client.post("/api/resolution/runs", headers=headers, json={"cases": ["GB-1"], "dataset": "toy"})
            assert ran.status_code == 201, ran.text
        case_id = self.client.get("/api/cases/GB-1", headers=self.boss).json()["id"]
        found = cs.resolutions.identities(cs.accounts.actor("owner_investigator"), "toy", "person", minimum=1)
        first = next(i.canonical_id for i in found if any(r["entity"] == "p1" for r in i.records))
        return {"p1": f"{case_id}:p1", "p2": f"{case_id}:p2", "identity": first}

    def fresh_request(self) -> str:
        """A new draft request in case GB-1, by the owner agency's investigator."""
        made = self.client.post("/api/cases/GB-1/requests", headers={**self.boss, "content-type": "text/yaml"},
                                content=REQUEST_FILE)
        assert made.status_code == 201, made.text
        return str(made.json()["id"])

    def fresh_preview(self, approved: bool = False) -> str:
        """A new exchange of case GB-1 previewed (and approved) by the owner agency's investigator."""
        entry = self.client.post("/api/cases/GB-1/exchange", headers=self.boss, json=PREVIEW)
        assert entry.status_code == 201, entry.text
        if approved:
            self.client.post(f"/api/exchange/outbox/{entry.json()['id']}/approve", headers=self.boss)
        return str(entry.json()["id"])

    def fresh_case(self, reference: str = "") -> str:
        """A new case of the owner agency shared with the member agency."""
        reference = reference or f"GB-C{_n()}"
        assert self.client.post("/api/cases", headers=self.boss, json={
            "reference": reference, "title": "t", "handling": "agencies"}).status_code == 201
        assert self.client.post(f"/api/cases/{reference}/members", headers=self.boss,
                                json={"agency": "pl-police", "access": "write"}).status_code == 201
        return reference

    def fresh_team(self) -> str:
        """A new team space of the owner agency, open."""
        reference = self.fresh_case()
        assert self.client.post(f"/api/cases/{reference}/team", headers=self.boss, json={
            "agreement": "matrix-jit", "expires": TEAM_ENDS}).status_code == 201
        return reference

    def fresh_hit(self) -> str:
        """A new, undecided screening hit (a decided hit cannot be decided again)."""
        desk = Desk(self.client.app.state.services.finance.ledger_path("gb-police"))  # type: ignore[attr-defined]
        try:
            listed = load_watchlist(self.watchlist)
            query = Query("Vitaly Kuzmenko", ref=f"acct-{_n()}")
            keep_hits(desk.ledger, listed, [(query, screen(query, listed))], threshold=0.8, run_at=datetime.now())
            return str(desk.hits(pending=True)[0]["id"])
        finally:
            desk.close()

    def victim_version(self) -> int:
        carer = {"authorization": f"Bearer {self.tokens[('victim_support', 'owner')]}"}
        return int(self.client.get(f"/api/victims/{self.victim}", headers=carer).json()["version"])

    def fresh_screening(self) -> str:
        """A new draft screening of the owner agency (completing one makes it final)."""
        carer = {"authorization": f"Bearer {self.tokens[('victim_support', 'owner')]}"}
        return str(self.client.post("/api/screenings", headers=carer,
                                    json={"indicator_set": SCREENING_SET}).json()["id"])

    def fresh_referral(self) -> str:
        """A new referral sent by the owner agency (each status change closes one)."""
        carer = {"authorization": f"Bearer {self.tokens[('victim_support', 'owner')]}"}
        return str(self.client.post(f"/api/victims/{self.victim}/referrals", headers=carer, json={
            "service": "shelter", "to_name": "Shelter", "to_state": "GB"}).json()["id"])

    def case_version(self) -> int:
        return int(self.client.get("/api/cases/GB-1", headers=self.boss).json()["version"])

    def entity_version(self) -> int:
        return int(self.client.get("/api/cases/GB-1/entities/p1", headers=self.boss).json()["version"])


@pytest.fixture
def world(tmp_path: Path, database_url: str | None) -> Iterator[World]:
    from .conftest import FAST_HASHER, open_case_store

    cs = open_case_store(tmp_path, url=database_url, hasher=FAST_HASHER)
    app = app_over(Settings(data_dir=tmp_path, database_url=database_url or ""), cs)
    with TestClient(app) as client:
        yield World(client)
    cs.store.dispose()


def test_every_api_route_is_in_the_matrix(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path))
    routes = {(method.upper(), path) for path, item in app.openapi()["paths"].items()
              if not path.startswith(("/api/law/", "/api/stats/countries")) for method in item}
    assert len(routes) > 20
    public = {("POST", "/api/auth/token"), ("POST", "/api/exchange/inbox/{agency}")}
    assert routes - public == set(ROUTES), "a new API route needs a row in the authorisation matrix"


def test_authorisation_matrix(world: World) -> None:
    failures = []
    checked = 0
    for (method, template), (needs, scope, build) in ROUTES.items():
        path = template.format(ref="GB-1", entity_id="p1", attachment_id=world.attachment, alert_id=world.alert,
                               hit_id="hit-x", dataset="toy", exhibit="JD-1", victim=world.victim,
                               referral_id="r-x", screening_id=world.screening, agreement="matrix-mla",
                               entry=world.entry, request_id=world.request, exchange=world.run)
        for role, relation in itertools.product(ROLES, RELATIONS):
            want = expected(role, relation, needs, scope)
            headers = {"authorization": f"Bearer {world.tokens[(role, relation)]}"}
            kwargs = build(world)
            headers.update(kwargs.pop("headers", {}))
            got = world.client.request(method, kwargs.pop("path", path), headers=headers, **kwargs)
            checked += 1
            good = 200 <= got.status_code < 300 if want == "ok" else got.status_code == want
            if not good:
                failures.append(f"{method} {template} as {role}/{relation}: want {want}, got {got.status_code} "
                                f"{got.text[:120]}")
            if want == 404 or (template == "/api/search" and relation == "outsider"):
                assert "Ionescu" not in got.text, f"{method} {template} leaked case data to {role}/{relation}"
            if method == "GET" and template.startswith("/api/finance/") and "{" not in template and \
                    relation != "owner":  # the queue, hits and decisions of the owner agency's ledger only
                assert world.alert not in got.text and "Kuzmenko" not in got.text, f"{template} leaked the ledger"
    assert not failures, f"{len(failures)} of {checked} cells differ:\n" + "\n".join(failures)
    assert checked == len(ROUTES) * len(ROLES) * len(RELATIONS)


def test_no_token_no_access(world: World) -> None:
    for method, template in ROUTES:
        path = template.format(ref="GB-1", entity_id="p1", attachment_id=world.attachment, alert_id=world.alert,
                               hit_id="hit-x", dataset="toy", exhibit="JD-1", victim=world.victim,
                               referral_id="r-x", screening_id=world.screening, agreement="matrix-mla",
                               entry=world.entry, request_id=world.request, exchange=world.run)
        got = world.client.request(method, path)
        assert got.status_code == 401 and got.headers["www-authenticate"] == "Bearer", (method, template)
    bad = world.client.get("/api/cases", headers={"authorization": "Bearer plm_forged"})
    assert bad.status_code == 401 and bad.json()["detail"] == "invalid, expired or revoked token"
