"""The entity-resolution pages: a run from the form as a job with its progress page (a bar moved by the JSON
state, a second start refused while one runs, the API's 202 and state), the queue, a pair side by side with its
waterfall and the judgement buttons (a judgement moves on to the next pair and changes the identities), refusals
shown on the page with nothing changed, a role that reads but does not judge, the pages in French."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from palermo.cases import open_case_store
from palermo.services.resolution_jobs import Job
from palermo.settings import Settings
from tests.conftest import app_over

from ..cases.conftest import FAST_HASHER
from .resolution_world import create_cases

PASSWORD = "correct horse battery"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    cs = open_case_store(tmp_path, hasher=FAST_HASHER)
    cs.accounts.add_agency("gb-police", "Police GB", "GB", "police")
    cs.accounts.add_user("ana", "gb-police", ["analyst"], password=PASSWORD)
    cs.accounts.add_user("lo", "gb-police", ["legal_officer"], password=PASSWORD)
    cs.accounts.add_user("inv", "gb-police", ["investigator"], password=PASSWORD)
    inv = cs.accounts.actor("inv")
    create_cases(cs, inv)
    app = app_over(Settings(data_dir=tmp_path), cs)
    with TestClient(app) as c:
        yield c
    cs.store.dispose()


def sign_in(client: TestClient, user: str) -> None:
    assert client.post("/login", data={"username": user, "password": PASSWORD},
                       follow_redirects=False).status_code == 303


def finished(client: TestClient, dataset: str) -> dict[str, Any]:
    """The job's state once it is no longer running (asked every tenth of a second, at most 3,000 times)."""
    for _ in range(3000):
        state: dict[str, Any] = client.get("/resolve/job.json", params={"dataset": dataset}).json()
        if state["state"] != "running":
            return state
        time.sleep(0.1)
    raise AssertionError(f"the job of {dataset} is still running")


def csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_run_review_and_judge(client: TestClient) -> None:
    sign_in(client, "ana")
    form = client.get("/resolve")
    assert form.status_code == 200 and 'id="run-form"' in form.text and 'href="/resolve"' in form.text
    started = client.post("/resolve/run", data={"csrf": csrf(form.text), "cases": "GB-1, GB-2", "kind": "person"})
    assert started.status_code == 200 and 'id="job-bar"' in started.text  # the job's page, with its bar
    assert finished(client, "GB-1+GB-2")["state"] == "done"
    ended = client.get("/resolve/job?dataset=GB-1%2BGB-2")
    link = re.search(r'<a id="job-queue" href="([^"]+)">', ended.text)
    assert link and 'value="100"' in ended.text, "a finished job shows a full bar and the link to the queue"
    done = client.get(link.group(1).replace("&amp;", "&"))
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
    assert finished(client, "GB-1+GB-2")["state"] == "done"
    client.post("/logout", data={"csrf": csrf(form.text)})
    sign_in(client, "lo")
    listed = client.get("/resolve?dataset=GB-1%2BGB-2")
    pairs = re.findall(r'href="/resolve/pair\?([^"]+)"', listed.text)
    assert pairs
    page = client.get(f"/resolve/pair?{pairs[0].replace('&amp;', '&')}")
    assert page.status_code == 200 and 'id="judge-form"' not in page.text
    french = client.get("/resolve?lang=fr")
    assert french.status_code == 200 and "Résolution" in french.text


def test_progress_page_second_start_and_api(client: TestClient) -> None:
    sign_in(client, "ana")
    services = client.app.state.services  # type: ignore[attr-defined]
    ana = services.store.accounts.actor("ana")
    files = services.resolution.jobs
    running = files.claim(ana.agency_id, Job("held", cases=("GB-1", "GB-2")))  # as if a worker were running it
    files.write(ana.agency_id, replace(running, phase="scoring", progress=0.55, step="scoring candidate pairs"))
    page = client.get("/resolve/job?dataset=held")
    assert page.status_code == 200 and 'data-state="running"' in page.text
    assert re.search(r'<progress id="job-bar" max="100" value="55">', page.text)
    assert 'data-phase="scoring" class="current"' in page.text and 'id="job-queue" href' in page.text
    assert re.search(r'<a id="job-queue" href="[^"]+" hidden>', page.text), "no queue link before the end"
    state = client.get("/resolve/job.json?dataset=held").json()
    assert state["state"] == "running" and state["phase"] == "scoring" and state["progress"] == 0.55
    form = client.get("/resolve")
    again = client.post("/resolve/run", data={"csrf": csrf(form.text), "cases": "GB-1", "dataset": "held"})
    assert again.status_code == 409 and 'id="refusal"' in again.text and "already running" in again.text
    headers = {"authorization": f"Bearer {services.store.accounts.issue_token(ana, 'jobs')}"}
    refused = client.post("/api/resolution/jobs", headers=headers, json={"cases": ["GB-1"], "dataset": "held"})
    assert refused.status_code == 409 and "already running" in refused.text
    files.release(ana.agency_id, "held")
    files.write(ana.agency_id, replace(running, state="failed", error="cases GB-1: fewer than two person records"))
    failed = client.get("/resolve/job?dataset=held")
    assert "The run stopped:" in failed.text and "fewer than two" in failed.text and "Traceback" not in failed.text

    started = client.post("/api/resolution/jobs", headers=headers, json={"cases": ["GB-1", "GB-2"], "dataset": "api"})
    assert started.status_code == 202 and started.json()["state"] == "running"
    for _ in range(3000):
        state = client.get("/api/resolution/api/job", headers=headers).json()
        if state["state"] != "running":
            break
        time.sleep(0.1)
    assert state["state"] == "done" and state["summary"]["records"] == 5
    assert client.get("/api/resolution/none-yet/job", headers=headers).json()["state"] == "idle"
    assert client.post("/api/resolution/jobs", headers=headers, json={"cases": ["GB-1"], "kind": "x"}).status_code \
        == 422
