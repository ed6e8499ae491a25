"""A resolution started from the page, in a real browser: the job's page moves its bar by itself (the script asks
for the state) until it is full, then shows the link to the review queue, which opens the queue."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from palermo.services.analytics import Resolution

from ..servers import in_thread
from ..test_browser import ARGS, CHROMIUM, _require_browser
from .resolution_world import create_cases

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _require_browser()
    from palermo.settings import Settings
    from palermo.web import create_app

    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("resolution-browser")))
    cs = app.state.services.store
    cs.accounts.add_agency("gb-police", "Police GB", "GB", "police")
    cs.accounts.add_user("ana", "gb-police", ["analyst"], password=PASSWORD)
    cs.accounts.add_user("inv", "gb-police", ["investigator"], password=PASSWORD)
    inv = cs.accounts.actor("inv")
    create_cases(cs, inv)
    with pytest.MonkeyPatch.context() as patch, in_thread(app) as base:
        patch.setattr(Resolution, "run", _gated(Resolution.run))
        yield base


GATE = threading.Event()
"""Held until the test has seen the job's page while running, so the bar must be moved by the script."""


def _gated(run: Any) -> Any:
    def gated(self: Any, *args: Any, **kwargs: Any) -> Any:
        step = kwargs["progress"]

        def held(message: str) -> None:
            step(message)
            if message.startswith("reading"):
                GATE.wait(timeout=120)

        return run(self, *args, **{**kwargs, "progress": held})

    return gated


def test_the_bar_reaches_the_end_and_links_to_the_queue(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        page: Any = browser.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(server + "/login")
        page.fill("input[name=username]", "ana")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.goto(server + "/resolve")
        page.fill("input[name=cases]", "GB-1 GB-2")
        page.click("#run-form button[type=submit]")
        page.wait_for_url("**/resolve/job?*")
        assert page.locator("#job").get_attribute("data-state") == "running"
        page.wait_for_function("document.getElementById('job-phases').querySelector('.current')")
        assert page.locator("#job-phases .current").get_attribute("data-phase") == "reading"
        assert page.locator("#job-queue").is_hidden()
        polls: list[str] = []
        page.on("request", lambda request: polls.append(request.url) if "job.json" in request.url else None)
        GATE.set()
        page.wait_for_selector("#job-queue:not([hidden])", timeout=300_000)  # the script, not a reload
        assert page.evaluate("document.getElementById('job-bar').value") == 100
        assert page.locator("#job").get_attribute("data-state") == "done"
        assert "Finished" in page.locator("#job-status").inner_text()
        assert polls, "the page asked for the job's state"
        page.click("#job-queue")
        page.wait_for_selector("#queue-table")
        assert page.locator("a[href^='/resolve/pair']").count() >= 1
        browser.close()
    assert not errors, errors
