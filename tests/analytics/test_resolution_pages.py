"""The entity-resolution pages: a run from the form, the queue, a pair side by side with its waterfall and the
judgement buttons (a judgement moves on to the next pair and changes the identities), refusals shown on the page
with nothing changed, a role that reads but does not judge, the pages in French."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from palermo.cases import open_case_store
from palermo.model import CaseDraft
from palermo.settings import Settings
from tests.conftest import app_over

from ..cases.conftest import FAST_HASHER

PASSWORD = "correct horse battery"
PEOPLE = {"GB-1": [("p1", "Ana", "Ionescu", "1990-02-03"), ("p2", "Mihai", "Popa", "1985-07-09")],
          "GB-2": [("q1", "Anna", "Ionescu", "1990-02-03"), ("q2", "Mihai", "Popa", "1985-07-19"),
                   ("q3", "Elena", "Dumitru", "1979-11-30")]}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    cs = open_case_store(tmp_path, hasher=FAST_HASHER)
    cs.accounts.add_agency("gb-police", "Police GB", "GB", "police")
    cs.accounts.add_user("ana", "gb-police", ["analyst"], password=PASSWORD)
    cs.accounts.add_user("lo", "gb-police", ["legal_officer"], password=PASSWORD)
    ana = cs.accounts.actor("ana")
    cs.accounts.add_user("inv", "gb-police", ["investigator"], password=PASSWORD)
    inv = cs.accounts.actor("inv")
    for ref, people in PEOPLE.items():
        cs.cases.create(inv, CaseDraft(reference=ref, title=ref, handling="agencies"))
        for pid, given, family, born in people:
            cs.entities.add(ana, ref, {"id": pid, "schema": "Person", "properties": {
                "firstName": [given], "lastName": [family], "name": [f"{given} {family}"], "birthDate": [born]}})
    app = app_over(Settings(data_dir=tmp_path), cs)
    with TestClient(app) as c:
        yield c
    cs.store.dispose()


def sign_in(client: TestClient, user: str) -> None:
    assert client.post("/login", data={"username": user, "password": PASSWORD},
                       follow_redirects=False).status_code == 303


def csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_run_review_and_judge(client: TestClient) -> None:
    sign_in(client, "ana")
    form = client.get("/resolve")
    assert form.status_code == 200 and 'id="run-form"' in form.text and 'href="/resolve"' in form.text
    done = client.post("/resolve/run", data={"csrf": csrf(form.text), "cases": "GB-1, GB-2", "kind": "person"})
    assert done.status_code == 200 and "GB-1+GB-2" in done.text and 'id="queue-table"' in done.text
    pairs = re.findall(r'href="/resolve/pair\?([^"]+)"', done.text)
    assert pairs, "the run leaves pairs to review"
    page = client.get(f"/resolve/pair?{pairs[0].replace('&amp;', '&')}")
    assert page.status_code == 200 and 'id="judge-form"' in page.text
    assert "Date of birth" in page.text and 'id="probability"' in page.text  # the waterfall by feature
    left = re.search(r'name="left" value="([^"]+)"', page.text)
    right = re.search(r'name="right" value="([^"]+)"', page.text)
    assert left and right
    judged = client.post("/resolve/judge", data={"csrf": csrf(page.text), "dataset": "GB-1+GB-2", "kind": "person",
                                                 "left": left.group(1), "right": right.group(1),
                                                 "verdict": "different"}, follow_redirects=False)
    assert judged.status_code == 303 and judged.headers["location"].startswith("/resolve")
    again = client.get(f"/resolve/pair?{pairs[0].replace('&amp;', '&')}")
    assert "different" in again.text  # the earlier judgement is shown beside the pair
    bad = client.post("/resolve/judge", data={"csrf": csrf(page.text), "dataset": "GB-1+GB-2", "kind": "person",
                                              "left": left.group(1), "right": right.group(1), "verdict": "maybe"})
    assert bad.status_code == 422 and 'id="refusal"' in bad.text and "verdict" in bad.text


def test_refusals_and_a_reader(client: TestClient) -> None:
    sign_in(client, "ana")
    form = client.get("/resolve")
    refused = client.post("/resolve/run", data={"csrf": csrf(form.text), "cases": "GB-1", "dataset": "bad name"})
    assert refused.status_code == 422 and 'id="refusal"' in refused.text and "Nothing was run" in refused.text
    assert client.post("/resolve/run", data={"csrf": csrf(form.text), "cases": "GB-1 GB-2"}).status_code == 200
    client.post("/logout", data={"csrf": csrf(form.text)})
    sign_in(client, "lo")
    listed = client.get("/resolve?dataset=GB-1%2BGB-2")
    pairs = re.findall(r'href="/resolve/pair\?([^"]+)"', listed.text)
    assert pairs
    page = client.get(f"/resolve/pair?{pairs[0].replace('&amp;', '&')}")
    assert page.status_code == 200 and 'id="judge-form"' not in page.text
    french = client.get("/resolve?lang=fr")
    assert french.status_code == 200 and "Résolution" in french.text
