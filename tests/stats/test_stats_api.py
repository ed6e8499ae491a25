from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fastapi.testclient import TestClient

from palermo.cases import open_case_store
from palermo.settings import Settings
from palermo.stats.store import StatsStore
from palermo.stats.victims import Parsed
from tests.conftest import app_over

from ..cases.conftest import FAST_HASHER


def test_release_over_the_api_spends_the_budget_and_then_refuses(tmp_path: Path) -> None:
    cs = open_case_store(tmp_path, hasher=FAST_HASHER)
    cs.accounts.add_agency("rapporteur", "National Rapporteur", "NL", "monitoring_body")
    cs.accounts.add_user("ana", "rapporteur", ["analyst"], password="correct horse battery")
    cs.accounts.add_user("vic", "rapporteur", ["victim_support"], password="correct horse battery")
    settings = Settings(data_dir=tmp_path)
    store = StatsStore(settings.stats_store_path)
    rows = [["Female", "18--20"]] * 400 + [["Male", "9--17"]] * 150
    store.add_dataset("nrm", Parsed(["gender", "ageBroad"], rows, [], "nrm.csv@sha256:1"), epsilon_budget=1.0,
                      delta_budget=1e-6, at=datetime(2026, 1, 1))
    store.close()
    client = TestClient(app_over(settings, cs))
    ana = {"authorization": "Bearer " + cs.accounts.issue_token(cs.accounts.actor("ana"), "t")}
    vic = {"authorization": "Bearer " + cs.accounts.issue_token(cs.accounts.actor("vic"), "t")}
    made = client.post("/api/stats/datasets/nrm/releases", headers=ana, json={"by": ["gender"], "epsilon": 0.7})
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["public"]["epsilon"] == 0.7 and "utility" not in body["public"]
    assert body["owner_only"]["cells"] == 3
    refused = client.post("/api/stats/datasets/nrm/releases", headers=ana, json={"by": ["ageBroad"], "epsilon": 0.5})
    assert refused.status_code == 409 and "nothing was released" in refused.json()["detail"]
    listed = client.get("/api/stats/datasets", headers=ana).json()
    assert listed[0]["epsilon_spent"] == 0.7 and listed[0]["records"] == 550
    assert [e["released_by"] for e in client.get("/api/stats/datasets/nrm/ledger", headers=ana).json()] == ["ana"]
    assert client.get("/api/stats/datasets", headers=vic).status_code == 403
    bad = client.post("/api/stats/datasets/nrm/releases", headers=ana, json={"by": ["gender"]})
    assert bad.status_code == 422
    assert client.post("/api/stats/datasets/nope/releases", headers=ana,
                       json={"by": ["gender"], "k": 11}).status_code == 404
    cs.store.dispose()
