"""The case API and pages: bad input is a clear 422 and leaves the database unchanged; pagination; CSRF."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from palermo.cases import CaseStore
from palermo.settings import Settings
from tests.conftest import app_over

from .conftest import FAST_HASHER, open_case_store


@pytest.fixture
def api(tmp_path: Path, database_url: str | None) -> Iterator[tuple[TestClient, dict[str, str], CaseStore]]:
    cs = open_case_store(tmp_path, url=database_url, hasher=FAST_HASHER, max_upload=4096)
    cs.accounts.add_agency("gb-police", "Police GB", "GB", "police")
    cs.accounts.add_user("inv", "gb-police", "investigator", password="correct horse battery")
    app = app_over(Settings(data_dir=tmp_path, database_url=database_url or ""), cs)
    with TestClient(app) as client:
        token = client.post("/api/auth/token", json={"username": "inv", "password": "correct horse battery"})
        headers = {"authorization": f"Bearer {token.json()['token']}"}
        assert client.post("/api/cases", headers=headers, json={"reference": "GB-1", "title": "one"}).status_code == 201
        yield client, headers, cs
    cs.store.dispose()


def state(client: TestClient, headers: dict[str, str]) -> tuple[int, int, int]:
    cases = client.get("/api/cases", headers=headers).json()["items"]
    entities = client.get("/api/cases/GB-1/entities", headers=headers).json()["total"]
    files = client.get("/api/cases/GB-1/attachments", headers=headers).json()
    return len(cases), entities, len(files)


def test_bad_input_is_422_and_changes_nothing(api: tuple[TestClient, dict[str, str], CaseStore]) -> None:
    client, h, _ = api
    before = state(client, h)
    bad = [
        ("POST", "/api/cases", {"json": {"reference": "GB-1", "title": "dup"}}, "reference: a case 'GB-1' already exists"),
        ("POST", "/api/cases", {"json": {"reference": "X", "title": "t", "jurisdictions": ["Britain"]}}, "jurisdictions"),
        ("POST", "/api/cases", {"json": {"reference": "X", "title": "t", "offences": ["theft"]}}, "offences.0: Input should be 'core_trafficking'"),
        ("POST", "/api/cases/GB-1/entities", {"json": {"entity": {"id": "a", "schema": "Unicorn"}}},
         "schema: unknown FtM schema 'Unicorn'"),
        ("POST", "/api/cases/GB-1/entities", {"json": {"entity": {"id": "a", "schema": "Person",
                                                                  "properties": {"phone": ["call me"]}}}},
         "properties.phone"),
        ("POST", "/api/cases/GB-1/import", {"content": '{"id": "a", "schema": "Person"}\n{"id": "b"}\n',
                                            "headers": {"content-type": "application/x-ndjson"}},
         "api upload:2: schema: unknown FtM schema"),
        ("POST", "/api/cases/GB-1/import", {"content": "name,phone\n", "headers": {"content-type": "text/csv"}},
         "content-type: 'text/csv' is not FtM JSON lines"),
        ("POST", "/api/cases/GB-1/import", {"content": "x" * 5000, "headers": {"content-type": "application/x-ndjson"}},
         "over the upload limit"),
        ("POST", "/api/cases/GB-1/attachments", {"files": {"file": ("big.txt", b"x" * 5000, "text/plain")}},
         "over the upload limit of 4,096 bytes"),
        ("POST", "/api/cases/GB-1/attachments", {"files": {"file": ("x.html", b"<script>", "text/html")}},
         "content type 'text/html' is not accepted"),
        ("POST", "/api/cases/GB-1/links", {"json": {"schema": "Associate", "source": "a", "target": "b"}},
         "source: case 'GB-1' has no entity 'a'"),
        ("GET", "/api/cases/GB-1/entities?limit=100000", {}, "limit"),
        ("PATCH", "/api/cases/GB-1", {"json": {"version": 1, "changes": {"jurisdictions": ["Narnia"]}}},
         "changes: jurisdictions: 'Narnia' is not an ISO 3166 code"),
        ("PATCH", "/api/cases/GB-1", {"json": {"version": 1, "changes": {"reference": "NEW"}}}, "cannot be changed"),
        ("POST", "/api/cases/GB-1/timeline", {"json": {"date": "last week", "summary": "x"}}, "date"),
    ]
    for method, path, kwargs, message in bad:
        headers = {**h, **kwargs.pop("headers", {})}  # type: ignore[dict-item]
        got = client.request(method, path, headers=headers, **kwargs)
        assert got.status_code == 422, (path, got.text)
        assert got.headers["content-type"] == "application/problem+json"
        assert message in got.json()["detail"], (message, got.json())
    assert state(client, h) == before


def test_entities_are_paged_and_filtered(api: tuple[TestClient, dict[str, str], CaseStore]) -> None:
    client, h, _ = api
    lines = "".join(json.dumps({"id": f"p{i:02}", "schema": "Person", "properties": {
        "name": [f"Person {i:02}"], "country": ["ro" if i % 2 else "pl"]}}) + "\n" for i in range(30))
    lines += json.dumps({"id": "c1", "schema": "Company", "properties": {"name": ["Firm"]}}) + "\n"
    report = client.post("/api/cases/GB-1/import", headers={**h, "content-type": "application/x-ndjson"},
                         content=lines).json()
    assert report == {"case_reference": "GB-1", "read": 31, "created": 31, "merged": 0}
    page = client.get("/api/cases/GB-1/entities?schema=Person&limit=10&offset=10", headers=h).json()
    assert page["total"] == 30 and [e["id"] for e in page["items"]] == [f"p{i:02}" for i in range(10, 20)]
    assert client.get("/api/cases/GB-1/entities?country=ro", headers=h).json()["total"] == 15
    client.post("/api/cases/GB-1/entities/c1/roles", headers=h, json={"role": "suspect"})
    assert [e["id"] for e in client.get("/api/cases/GB-1/entities?role=suspect", headers=h).json()["items"]] == ["c1"]
    exported = client.get("/api/cases/GB-1/export", headers=h).text.splitlines()
    assert len(exported) == 31 and json.loads(exported[0])["schema"] in ("Person", "Company")


def test_conflicting_edit_is_409(api: tuple[TestClient, dict[str, str], CaseStore]) -> None:
    client, h, _ = api
    client.post("/api/cases/GB-1/entities", headers=h, json={"entity": {"id": "p", "schema": "Person",
                                                                        "properties": {"name": ["A"]}}})
    first = client.put("/api/cases/GB-1/entities/p", headers=h, json={"version": 1, "properties": {"name": ["B"]}})
    second = client.put("/api/cases/GB-1/entities/p", headers=h, json={"version": 1, "properties": {"name": ["C"]}})
    assert first.status_code == 200 and second.status_code == 409
    assert "changed by someone else" in second.json()["detail"]


def test_pages_need_login_and_forms_need_the_csrf_token(api: tuple[TestClient, dict[str, str], CaseStore]) -> None:
    client, _, cs = api
    assert client.get("/cases", follow_redirects=False).headers["location"] == "/login?next=/cases"
    failed = client.post("/login", data={"username": "inv", "password": "nope nope nope"})
    assert failed.status_code == 401 and "Wrong username or password" in failed.text
    login = client.post("/login", data={"username": "inv", "password": "correct horse battery"},
                        follow_redirects=False)
    cookie = login.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    page = client.get("/cases/GB-1")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert page.status_code == 200 and csrf
    forged = client.post("/cases/GB-1/notes", data={"body": "forged"}, follow_redirects=False)
    assert forged.status_code == 403
    posted = client.post("/cases/GB-1/notes", data={"body": "genuine", "csrf": csrf.group(1)}, follow_redirects=False)
    assert posted.status_code == 303
    notes = client.get("/cases/GB-1").text
    assert "genuine" in notes and "forged" not in notes
    bad_date = client.post("/cases/GB-1/events", data={"date": "soon", "summary": "x", "csrf": csrf.group(1)})
    assert bad_date.status_code == 422 and "YYYY-MM-DD" in bad_date.text

    cs.accounts.add_agency("pl-police", "Police PL", "PL", "police")
    cs.accounts.add_user("pl_inv", "pl-police", "investigator", password="correct horse battery")
    shared = client.post("/cases/GB-1/members", data={"target": "pl_inv", "access": "write", "csrf": csrf.group(1)},
                         follow_redirects=False)
    assert shared.status_code == 303 and cs.cases.get(cs.accounts.actor("pl_inv"), "GB-1").access == "write"
    client.post("/cases/GB-1/entities", data={"kind": "Person", "value": "Lena", "csrf": csrf.group(1)})
    lena = next(e for e in cs.entities.page(cs.accounts.actor("inv"), "GB-1").items if e.caption == "Lena")
    client.post(f"/cases/GB-1/entities/{lena.id}/roles", data={"role": "victim", "csrf": csrf.group(1)})
    sealed = client.get(f"/cases/GB-1/entities/{lena.id}").text
    assert "Protected person" in sealed and "Lena" not in sealed
    assert "Lena" not in client.get(f"/cases/GB-1/entities/{lena.id}?reason=safeguarding+referral").text
    revealed = client.post(f"/cases/GB-1/entities/{lena.id}/reveal",
                           data={"reason": "safeguarding referral", "csrf": csrf.group(1)})
    assert revealed.status_code == 200 and "Lena" in revealed.text and revealed.headers["cache-control"] == "no-store"
    assert "Lena" not in client.get(f"/cases/GB-1/entities/{lena.id}").text  # shown once, not kept revealed


def test_entity_form_adds_a_value_and_refuses_a_stale_page(api: tuple[TestClient, dict[str, str], CaseStore]) -> None:
    client, h, _ = api
    client.post("/api/cases/GB-1/entities", headers=h, json={"entity": {"id": "p", "schema": "Person",
                                                                        "properties": {"name": ["Ana"]}}})
    client.post("/login", data={"username": "inv", "password": "correct horse battery"})
    page = client.get("/cases/GB-1/entities/p").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    client.put("/api/cases/GB-1/entities/p", headers=h, json={"version": 1, "properties": {"name": ["Ana P."]}})
    stale = client.post("/cases/GB-1/entities/p/values", data={"csrf": csrf, "version": version, "prop": "alias",
                                                                "value": "Annie"})
    assert stale.status_code == 409 and "changed by someone else" in stale.text
    fresh = client.post("/cases/GB-1/entities/p/values", data={"csrf": csrf, "version": "2", "prop": "alias",
                                                                "value": "Annie"})
    assert fresh.status_code == 200
    entity = client.get("/api/cases/GB-1/entities/p", headers=h).json()
    assert entity["properties"] == {"name": ["Ana P."], "alias": ["Annie"]} and entity["version"] == 3
