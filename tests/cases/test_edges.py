"""The edges a user or a script hits: bounded paging on every list (422, never 500), login failures recorded and
throttled (401, then 429), the OpenAPI description of every request body, and the API docs served locally."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from palermo.cases import CaseStore
from palermo.cases.accounts import FAILURES_PER_ADDRESS, FAILURES_PER_USER
from palermo.errors import NotAuthenticated, TooManyAttempts
from palermo.settings import Settings
from tests.conftest import app_over

from .conftest import FAST_HASHER, open_case_store

HUGE = "9223372036854775808"
BODILESS = {("post", "/api/keys/rotate"), ("post", "/api/agency/data-key/rotate"),
            ("post", "/api/exchange/outbox/{entry}/approve"), ("post", "/api/exchange/expire"),
            ("post", "/api/cases/{ref}/team/close"), ("post", "/api/exchange/encryption-key/rotate")}
"""Actions that take nothing but the caller."""  # 2**63: one more than a 64-bit database integer holds


@pytest.fixture
def client(tmp_path: Path, database_url: str | None) -> Iterator[tuple[TestClient, CaseStore]]:
    cs = open_case_store(tmp_path, url=database_url, hasher=FAST_HASHER)
    cs.accounts.add_agency("gb-police", "Police GB", "GB", "police")
    for name, roles in (("inv", "investigator"), ("aud", "auditor")):
        cs.accounts.add_user(name, "gb-police", roles, password="correct horse battery")
    with TestClient(app_over(Settings(data_dir=tmp_path, database_url=database_url or ""), cs)) as c:
        yield c, cs
    cs.store.dispose()


def token(c: TestClient, username: str) -> dict[str, str]:
    got = c.post("/api/auth/token", json={"username": username, "password": "correct horse battery"})
    return {"authorization": f"Bearer {got.json()['token']}"}


@pytest.mark.parametrize("path", ["/api/cases", "/api/cases/GB-1/entities", "/api/finance/alerts", "/api/audit"])
def test_huge_offsets_are_422_not_500(client: tuple[TestClient, CaseStore], path: str) -> None:
    c, _ = client
    inv, aud = token(c, "inv"), token(c, "aud")
    c.post("/api/cases", headers=inv, json={"reference": "GB-1", "title": "one"})
    for offset in (HUGE, "-1", "100001"):
        got = c.get(path, params={"offset": offset}, headers=aud if "audit" in path else inv)
        assert got.status_code == 422, (path, offset, got.text)
        assert got.headers["content-type"] == "application/problem+json" and "offset" in got.json()["detail"]


def test_pages_answer_bad_paging_with_a_page_not_json(client: tuple[TestClient, CaseStore]) -> None:
    c, _ = client
    c.post("/api/cases", headers=token(c, "inv"), json={"reference": "GB-1", "title": "one"})
    c.post("/login", data={"username": "inv", "password": "correct horse battery"})
    assert c.get("/cases/GB-1", params={"page": HUGE}).status_code == 200  # clipped to the last page there is
    bad = c.get("/cases/GB-1", params={"page": "two"})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("text/html")
    assert "page" in bad.text and "Back to the case" in bad.text


def test_wrong_passwords_are_recorded_then_throttled(client: tuple[TestClient, CaseStore]) -> None:
    c, _ = client
    for _ in range(FAILURES_PER_USER):
        wrong = c.post("/api/auth/token", json={"username": "inv", "password": "not the password"})
        assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    locked = c.post("/api/auth/token", json={"username": "inv", "password": "correct horse battery"})
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    assert "too many failed logins for this account" in locked.json()["detail"]
    page = c.post("/login", data={"username": "inv", "password": "correct horse battery"})
    assert page.status_code == 429 and "Too many failed logins" in page.text and 'value="inv"' in page.text
    assert c.post("/api/auth/token", json={"username": "aud", "password": "correct horse battery"}).status_code == 200
    trail = c.get("/api/audit", params={"action": "login_failed"}, headers=token(c, "aud")).json()["items"]
    assert len(trail) == FAILURES_PER_USER and {r["username"] for r in trail} == {"inv"}
    assert all(r["detail"]["address"] for r in trail) and all(r["case_id"] is None for r in trail)


def test_one_address_cannot_guess_across_many_accounts(cs: CaseStore) -> None:
    cs.accounts.add_agency("gb-police", "Police GB", "GB", "police")
    cs.accounts.add_user("real", "gb-police", "investigator", password="correct horse battery")
    for i in range(FAILURES_PER_ADDRESS):
        with pytest.raises(NotAuthenticated):
            cs.accounts.login(f"guess{i}", "password guess", "203.0.113.9")
    with pytest.raises(TooManyAttempts, match="your network address"):
        cs.accounts.login("real", "correct horse battery", "203.0.113.9")
    assert cs.accounts.login("real", "correct horse battery", "198.51.100.7").username == "real"


def test_a_successful_login_resets_the_count_for_its_user(cs: CaseStore) -> None:
    cs.accounts.add_agency("gb-police", "Police GB", "GB", "police")
    cs.accounts.add_user("real", "gb-police", "investigator", password="correct horse battery")
    for _ in range(2):
        for _ in range(FAILURES_PER_USER - 1):
            with pytest.raises(NotAuthenticated):
                cs.accounts.login("real", "a typo in it", "198.51.100.7")
        assert cs.accounts.login("real", "correct horse battery", "198.51.100.7").username == "real"


def test_openapi_describes_every_request_body(tmp_path: Path) -> None:
    from palermo.web import create_app

    spec = create_app(Settings(data_dir=tmp_path)).openapi()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in ("post", "put", "patch") and (method, path) not in BODILESS:
                body = operation.get("requestBody")
                assert body and body["content"], f"{method.upper()} {path} has no described body"
    assert spec["paths"]["/api/cases"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"] \
        .endswith("/CaseDraft")
    imported = spec["paths"]["/api/cases/{ref}/import"]["post"]["requestBody"]
    assert "application/x-ndjson" in imported["content"] and "validated" in imported["description"]


def test_api_docs_load_their_assets_from_this_server(tmp_path: Path) -> None:
    from palermo.web import create_app

    c = TestClient(create_app(Settings(data_dir=tmp_path)))
    for page in ("/api/docs", "/api/redoc"):
        html = c.get(page).text
        assert "cdn." not in html and "googleapis" not in html and "tiangolo" not in html, page
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"):
        got = c.get(f"/api/docs-assets/{asset}")
        assert got.status_code == 200 and len(got.content) > 100_000, asset


def test_audit_page_walks_back_a_page_at_a_time(client: tuple[TestClient, CaseStore]) -> None:
    c, cs = client
    from palermo.model import CaseDraft

    inv = cs.accounts.actor("inv")
    cs.cases.create(inv, CaseDraft(reference="GB-1", title="one"))
    for n in range(230):
        cs.notes.add(inv, "GB-1", f"note {n}")
    c.post("/login", data={"username": "aud", "password": "correct horse battery"})
    first = c.get("/audit", params={"action": "note_add"}).text
    older = re.search(r'id="older" href="([^"]+)"', first)
    assert older and first.count("<tr") == 1 + 200
    second = c.get(html.unescape(older.group(1))).text
    assert second.count("<tr") == 1 + 30 and 'id="older"' not in second and "Newest records" in second
    ids = [int(i) for page in (first, second) for i in re.findall(r'<td class="num small">(\d+)</td>', page)]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 230
