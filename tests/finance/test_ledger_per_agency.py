"""Each agency has its own finance ledger: the FIU's transactions, account holders, alerts and screening hits are
never seen by another agency's investigator, through the API or the pages, and each agency's work lands in its
own ledger."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from palermo.cases import open_case_store
from palermo.finance.desk import Desk
from palermo.finance.generator import generate
from palermo.finance.review import keep_hits
from palermo.finance.screening import Query, load_watchlist, screen
from palermo.settings import Settings
from tests.conftest import app_over

from ..cases.conftest import FAST_HASHER

PASSWORD = "correct horse battery"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """An FIU with a monitored ledger and a screening hit, and a police agency beside it in the same deployment."""
    cs = open_case_store(tmp_path, hasher=FAST_HASHER)
    cs.accounts.add_agency("fr-fiu", "TRACFIN", "FR", "fiu")
    cs.accounts.add_agency("ro-police", "IGPR", "RO", "police")
    cs.accounts.add_user("ana", "fr-fiu", ["analyst"], password=PASSWORD)
    cs.accounts.add_user("ion", "ro-police", ["investigator"], password=PASSWORD)
    settings = Settings(data_dir=tmp_path)
    app = app_over(settings, cs)
    desk = Desk(app.state.services.finance.ledger_path("fr-fiu"))
    generate(desk.ledger, 5000, seed=8, per_typology=1)
    desk.monitor()
    watchlist = tmp_path / "list.ftm.json"
    watchlist.write_text(json.dumps({"id": "ofac-1", "schema": "Person", "properties": {"name": ["Vitaly Kuzmenko"]}}))
    listed = load_watchlist(watchlist)
    query = Query("Vitaly Kuzmenko", ref="acct-1")
    keep_hits(desk.ledger, listed, [(query, screen(query, listed))], threshold=0.8, run_at=datetime.now())
    alert = desk.alerts()[0]
    party = next(p for p in desk.ledger.parties(alert.accounts) if p["name"] and p["phone"])
    held = {"alert": alert.id, "hit": str(desk.hits()[0]["id"]), "holder": party["name"], "phone": party["phone"]}
    desk.close()
    with TestClient(app) as client:
        client.app.state.tokens = {n: cs.accounts.issue_token(cs.accounts.actor(n), "t")  # type: ignore[attr-defined]
                                   for n in ("ana", "ion")}
        yield client, held
    cs.store.dispose()


def _bearer(client: TestClient, name: str) -> dict[str, str]:
    return {"authorization": "Bearer " + client.app.state.tokens[name]}  # type: ignore[attr-defined]


def test_another_agencys_investigator_sees_none_of_the_fius_ledger_over_the_api(world) -> None:  # type: ignore[no-untyped-def]
    client, held = world
    fiu, police = _bearer(client, "ana"), _bearer(client, "ion")
    assert held["alert"] in client.get("/api/finance/alerts", headers=fiu).text
    assert client.get(f"/api/finance/alerts/{held['alert']}", headers=fiu).status_code == 200
    assert client.get("/api/finance/alerts", headers=police).json() == []
    assert client.get(f"/api/finance/alerts/{held['alert']}", headers=police).status_code == 404
    assert client.get("/api/finance/screening", headers=police).json() == []
    trail = client.get("/api/finance/screening/decisions", headers=police, params={"format": "json"})
    assert trail.json() == []
    for method, path, body in (
            ("POST", f"/api/finance/alerts/{held['alert']}/review", {"status": "dismissed", "reason": "x"}),
            ("POST", f"/api/finance/screening/{held['hit']}/decision", {"decision": "cleared", "reason": "x"}),
            ("POST", "/api/finance/reports", {"alerts": [held["alert"]], "reference": "R"}),
            ("POST", "/api/finance/cases", {"alerts": [held["alert"]]})):
        refused = client.request(method, path, json=body, headers=police)
        assert refused.status_code in (404, 422), (path, refused.status_code)
        assert held["holder"] not in refused.text and held["phone"] not in refused.text
    assert client.get("/api/cases", headers=police).json()["items"] == []  # nothing filed from the FIU's ledger
    still = client.get(f"/api/finance/alerts/{held['alert']}", headers=fiu).json()["alert"]
    assert still["status"] == "open"  # the police's review did not reach the FIU's ledger
    # what the police tried reached only its own ledger, which it has none of: nothing was made for it either
    ledgers = client.app.state.services.finance.ledgers  # type: ignore[attr-defined]
    assert sorted(p.name for p in ledgers.iterdir()) == ["fr-fiu.duckdb"]


def _login(client: TestClient, name: str) -> None:
    client.cookies.clear()
    assert client.post("/login", data={"username": name, "password": PASSWORD},
                       follow_redirects=False).status_code == 303


def test_another_agencys_investigator_sees_none_of_the_fius_ledger_on_the_pages(world) -> None:  # type: ignore[no-untyped-def]
    client, held = world
    _login(client, "ana")
    assert held["alert"] in client.get("/finance?status=").text
    assert held["holder"] in client.get(f"/finance/alerts/{held['alert']}").text
    assert "Vitaly Kuzmenko" in client.get("/finance/screening").text
    _login(client, "ion")
    for path in ("/", "/finance?status=", "/finance?status=escalated", "/finance/screening"):
        page = client.get(path)
        assert page.status_code == 200, path
        for secret in (held["alert"], held["holder"], held["phone"], "Vitaly Kuzmenko"):
            assert secret not in page.text, (path, secret)
    assert "0 transactions in the ledger of ro-police" in client.get("/finance").text  # its own, empty
    detail = client.get(f"/finance/alerts/{held['alert']}")
    assert detail.status_code == 404 and held["holder"] not in detail.text
