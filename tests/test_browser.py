"""A legal officer opens the web UI in a real browser, fills the conduct form and sees the verdict."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = pytest.mark.browser


def _require_browser() -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the browser tests: /usr/bin/chromium is missing (make test installs it)")
        pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    _require_browser()
    import uvicorn

    from palermo.web import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def page(server: str):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield browser.new_page()
        browser.close()


def test_fill_conduct_form_and_see_verdict(server, page):
    page.goto(server + "/law/assess")
    page.check("input[name=against][value=DE]")
    for act in ("recruitment", "transportation"):
        page.check(f"input[name=acts][value={act}]")
    page.check("input[name=means][value=deception]")
    page.check("input[name=purposes][value=prostitution_of_others]")
    page.fill("input[name=victim_age]", "19")
    page.fill("input[name=places]", "RU, CY")
    page.click("#assess-button")
    verdicts = page.locator("[data-verdict]")
    assert verdicts.count() == 2
    assert verdicts.nth(0).inner_text() == "yes"
    assert "3(a)" in page.locator("#results").inner_text()
    page.click("text=palermo_protocol 3(a) >> nth=0")
    assert "/law/instruments/palermo_protocol#art-3-a" in page.url


def test_form_without_means_for_adult_says_no(server, page):
    page.goto(server + "/law/assess")
    page.check("input[name=acts][value=recruitment]")
    page.check("input[name=purposes][value=forced_labour_or_services]")
    page.fill("input[name=victim_age]", "35")
    page.click("#assess-button")
    assert page.locator("[data-verdict]").first.inner_text() == "no"


def test_compare_heat_map_renders(server, page):
    page.goto(server + "/law/compare?ids=DE,FR,US")
    assert page.locator("#heatmap td.cell").count() > 30
    page.goto(server + "/")
    assert page.locator("text=Germany").count() >= 1
