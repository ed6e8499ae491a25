from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from palermo.cases import open_case_store
from palermo.finance.desk import Desk
from palermo.finance.generator import generate
from palermo.settings import Settings
from tests.conftest import app_over

from ..cases.conftest import FAST_HASHER


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    cs = open_case_store(tmp_path, hasher=FAST_HASHER)
    cs.accounts.add_agency("fr-fiu", "TRACFIN", "FR", "fiu")
    for name, roles in (("inv", ["investigator"]), ("ana", ["analyst"]), ("vs", ["victim_support"])):
        cs.accounts.add_user(name, "fr-fiu", roles, password="correct horse battery")
    settings = Settings(data_dir=tmp_path)
    desk = Desk(tmp_path / "finance" / "fr-fiu.duckdb")  # the FIU's own ledger
    generate(desk.ledger, 20_000, seed=5, per_typology=2)
    desk.monitor()
    desk.close()
    with TestClient(app_over(settings, cs)) as c:
        c.headers.update({"authorization": "Bearer " + cs.accounts.issue_token(cs.accounts.actor("inv"), "t")})
        c.app.state.tokens = {n: cs.accounts.issue_token(cs.accounts.actor(n), "t")  # type: ignore[attr-defined]
                              for n in ("ana", "vs")}
        yield c
    cs.store.dispose()


def _as(client: TestClient, name: str) -> dict[str, str]:
    return {"authorization": "Bearer " + client.app.state.tokens[name]}  # type: ignore[attr-defined]


def test_queue_detail_and_filing_into_a_new_then_the_same_case(client: TestClient) -> None:
    queue = client.get("/api/finance/alerts", params={"rule": "scatter_gather"}).json()
    assert queue and all(a["rule"] == "scatter_gather" for a in queue)
    alert = queue[0]
    detail = client.get(f"/api/finance/alerts/{alert['id']}").json()
    assert [t["tx_id"] for t in detail["transactions"]] == sorted(
        alert["transactions"], key=lambda t: next(x["ts"] for x in detail["transactions"] if x["tx_id"] == t))
    assert {t["tx_id"] for t in detail["transactions"]} == set(alert["transactions"])
    assert sum(f["count"] for f in detail["flows"]) == len(alert["transactions"])
    assert detail["alert"]["citations"] and "explanation" in detail

    filed = client.post("/api/finance/cases", json={"alerts": [alert["id"]]})
    assert filed.status_code == 201, filed.text
    ref = filed.json()["reference"]
    payments = client.get(f"/api/cases/{ref}/entities", params={"schema": "Payment"}).json()
    assert payments["total"] == len(alert["transactions"])
    other = queue[1]["id"] if len(queue) > 1 else alert["id"]
    again = client.post("/api/finance/cases", json={"alerts": [alert["id"], other], "case": ref})
    assert again.status_code == 201
    accounts = client.get(f"/api/cases/{ref}/entities", params={"schema": "BankAccount"}).json()
    ids = [e["id"] for e in accounts["items"]]
    assert len(ids) == len(set(ids))  # shared accounts merged, not duplicated
    notes = client.get(f"/api/cases/{ref}/notes").json()
    assert len(notes) == 2 and "Filed from transaction monitoring" in notes[0]["body"]


def test_roles_and_bad_requests(client: TestClient) -> None:
    alert = client.get("/api/finance/alerts").json()[0]["id"]
    assert client.get("/api/finance/alerts", headers=_as(client, "vs")).status_code == 403
    assert client.get("/api/finance/alerts", headers=_as(client, "ana")).status_code == 200
    new_case = client.post("/api/finance/cases", json={"alerts": [alert]}, headers=_as(client, "ana"))
    assert new_case.status_code == 403  # analysts review alerts but do not open cases
    assert client.get("/api/finance/alerts/alr-nope").status_code == 404
    assert client.post("/api/finance/cases", json={"alerts": []}).status_code == 422
    bad = client.post("/api/finance/cases", json={"alerts": [alert], "colour": "red"})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    assert client.post("/api/finance/cases", json={"alerts": ["alr-nope"]}).status_code == 404
    assert client.get("/api/cases").json()["items"] == []  # nothing half-filed
    rules = client.get("/api/finance/rules", headers=_as(client, "vs")).json()
    assert any("[UNVERIFIED]" in c for r in rules for c in r["citations"])


def test_goaml_report_over_the_api(client: TestClient, shared_data, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    alert = client.get("/api/finance/alerts", params={"rule": "funnel_account"}).json()[0]
    body = {"alerts": [alert["id"]], "reference": "STR 2026/7", "reason": "Deposits at night in three towns."}
    refused = client.post("/api/finance/reports", json=body)
    assert refused.status_code == 422 and "no goAML schema" in refused.json()["detail"]
    xsd = shared_data("goaml_schema") / "goAMLSchema_v5.0.1.xsd"
    client.app.state.services.finance.options["goaml_xsd"] = xsd  # type: ignore[attr-defined]
    done = client.post("/api/finance/reports", json=body)
    assert done.status_code == 200 and done.headers["content-type"] == "application/xml"
    assert 'filename="STR_2026_7.xml"' in done.headers["content-disposition"]
    assert b"<reason>Deposits at night in three towns." in done.content
    for tx in alert["transactions"]:
        assert f"<transactionnumber>{tx}</transactionnumber>".encode() in done.content
    assert client.post("/api/finance/reports", json={**body, "alerts": ["alr-nope"]}).status_code == 404


def test_reviews_stay_when_monitoring_finds_the_alert_again(client: TestClient, tmp_path: Path) -> None:
    alert = client.get("/api/finance/alerts", params={"rule": "prepaid_cards"}).json()[0]
    assert alert["status"] == "open"
    no_reason = client.post(f"/api/finance/alerts/{alert['id']}/review", json={"status": "dismissed"})
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["detail"]
    done = client.post(f"/api/finance/alerts/{alert['id']}/review",
                       json={"status": "dismissed", "reason": "gift cards for a school fair, receipts seen"})
    assert done.status_code == 200 and done.json()["reviewed_by"] == "inv"
    with client.app.state.services.finance.desk("fr-fiu") as desk:  # type: ignore[attr-defined]
        desk.monitor()  # found again: the evidence is refreshed, the review kept
    again = client.get(f"/api/finance/alerts/{alert['id']}").json()["alert"]
    assert again["status"] == "dismissed" and again["review_reason"].startswith("gift cards")
    still_open = client.get("/api/finance/alerts", params={"status": "open", "limit": 500}).json()
    assert alert["id"] not in {a["id"] for a in still_open}
    other = still_open[0]["id"]
    filed = client.post("/api/finance/cases", json={"alerts": [other]})
    after = client.get(f"/api/finance/alerts/{other}").json()["alert"]
    assert after["status"] == "escalated" and filed.json()["reference"] in after["review_reason"]
    bad = client.post(f"/api/finance/alerts/{other}/review", json={"status": "closed", "reason": "x"})
    assert bad.status_code == 422


def test_a_case_filed_from_an_alert_shows_who_paid_whom_how_much_and_when(client: TestClient) -> None:
    alert = client.get("/api/finance/alerts", params={"rule": "funnel_account"}).json()[0]
    detail = client.get(f"/api/finance/alerts/{alert['id']}").json()
    holder = {p["account"]: p["name"] for p in detail["parties"]}
    ref = client.post("/api/finance/cases", json={"alerts": [alert["id"]]}).json()["reference"]
    payments = client.get(f"/api/cases/{ref}/entities", params={"schema": "Payment", "limit": 200}).json()["items"]
    by_number = {p["properties"]["transactionNumber"][0]: p for p in payments}
    for tx in detail["transactions"]:
        payment = by_number[tx["tx_id"]]
        props = payment["properties"]
        assert props["currency"] == [tx["currency"]] and props["date"][0][:10] == tx["ts"][:10]
        for side, end in (("source", "payer"), ("target", "beneficiary")):
            if tx[side]:  # an account the bank knows the holder of: the holder pays or is paid, from the account
                assert props[f"{end}Account"] and (end in props) == bool(holder.get(tx[side]))
            else:  # cash: no account on that side
                assert f"{end}Account" not in props and end not in props
        label = payment["label"]
        assert "? → ?" not in label and f"{float(tx['amount']):,.2f} {tx['currency']} on {tx['ts'][:10]}" in label
        if tx["target"] and holder.get(tx["target"]):
            assert label.split(": ")[0].endswith(f"→ {holder[tx['target']]}")
