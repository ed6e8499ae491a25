"""The link chart in a real browser, as an investigator uses it on the demo case: the chart draws, a node's
neighbours are expanded after the chart was filtered to people and organisations, the path between two entities
is highlighted, the GraphML export downloads and networkx reads it back, PNG and SVG download; the routes page
draws its flow diagram. No victim's name is on either page.

Set PALERMO_SCREENSHOTS to a folder to keep a screenshot of each page looked at."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from ..servers import in_thread
from ..test_browser import ARGS, CHROMIUM, _require_browser

pytestmark = pytest.mark.browser
VICTIM_NAMES = ("Jan Nowak", "Piotr Kowalski", "Wiśniewski")
ERRORS: list[str] = []
"""Script errors on the pages (there should be none)."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _require_browser()
    from palermo.cases.demo import create_demo
    from palermo.settings import Settings
    from palermo.web import create_app

    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("network-browser")))
    user, password = create_demo(app.state.services.store)
    os.environ["_PALERMO_NETWORK_DEMO"] = f"{user}\n{password}"
    with in_thread(app) as base:
        yield base


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    user, password = os.environ.pop("_PALERMO_NETWORK_DEMO").split("\n")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        tab = browser.new_page(viewport={"width": 1366, "height": 900}, accept_downloads=True)
        tab.on("pageerror", lambda error: ERRORS.append(str(error)))
        tab.goto(server + "/login")
        tab.fill("input[name=username]", user)
        tab.fill("input[name=password]", password)
        tab.click("button[type=submit]")
        yield tab
        browser.close()


def shot(page: Any, name: str) -> None:
    folder = os.environ.get("PALERMO_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def nodes(page: Any) -> int:
    return int(page.evaluate("window.linkChart.nodes().length"))


def test_link_chart_expand_path_and_graphml(server: str, page: Any, tmp_path: Path) -> None:
    page.goto(server + "/cases/DEMO-FORT-2019")
    page.click("#chart-link")
    page.wait_for_function("window.linkChart && window.linkChart.nodes().length > 0")
    everything = nodes(page)
    # 6 persons, 2 organisations, 2 bank accounts, an address, defendant A's phone, a trip
    assert everything == 13 and "ties" in page.locator("#status").inner_text()
    shot(page, "chart")

    # people and organisations only, then expand the first victim: the accounts and the house come back
    for kind in ("account", "phone", "address", "trip"):
        page.uncheck(f"input[name=kind][value={kind}]")
    page.click("#apply")
    page.wait_for_function(f"window.linkChart.nodes().length < {everything}")
    filtered = nodes(page)
    assert page.evaluate("window.linkChart.nodes().every(n => ['person', 'organisation'].includes(n.data('kind')))")
    page.evaluate("window.linkChart.getElementById('victim-1').emit('tap').select()")
    assert page.locator("#node-kind").inner_text().startswith("people")
    page.click("#expand")
    page.wait_for_function(f"window.linkChart.nodes().length > {filtered}")
    added = set(page.evaluate("window.linkChart.nodes('.fresh').map(n => n.id())"))
    assert {"account-v1", "house-1"} <= added
    shot(page, "chart-expanded")

    # the way from the labour supplier's wages to defendant A, over at most four ties
    page.check("input[name=kind][value=account]")
    page.click("#apply")
    page.wait_for_function("window.linkChart.getElementById('account-a').nonempty()")
    page.select_option("#path-from", "labour-supplier")
    page.select_option("#path-to", "defendant-a")
    page.select_option("#path-hops", "4")
    page.click("#path-go")
    page.wait_for_function("document.getElementById('path-result').dataset.found")
    lit = set(page.evaluate("window.linkChart.nodes('.lit').map(n => n.id())"))
    assert {"labour-supplier", "victim-1", "account-v1", "account-a", "defendant-a"} <= lit
    assert page.evaluate("window.linkChart.edges('.lit').length") >= 4
    assert "Defendant A" in page.locator("#path-result").inner_text()
    shot(page, "chart-path")

    with page.expect_download() as graphml:
        page.click("#export-graphml")
    saved = tmp_path / "chart.graphml"
    graphml.value.save_as(saved)
    read = nx.read_graphml(saved)
    assert {"labour-supplier", "account-a", "defendant-a"} <= set(read.nodes)
    assert {d["kind"] for _, d in read.nodes(data=True)} <= {"person", "organisation", "account"}
    for button, suffix in (("#export-png", ".png"), ("#export-svg", ".svg")):
        with page.expect_download() as image:
            page.click(button)
        assert image.value.suggested_filename.endswith(suffix)
    svg = tmp_path / "chart.svg"
    image.value.save_as(svg)
    assert svg.read_text(encoding="utf-8").startswith("<svg") and "Defendant A" in svg.read_text(encoding="utf-8")
    text = page.content()
    assert not any(name in text for name in VICTIM_NAMES)
    assert not ERRORS


def test_group_highlight_and_routes_page(server: str, page: Any) -> None:
    page.goto(server + "/cases/DEMO-FORT-2019/chart")
    page.wait_for_function("window.linkChart && window.linkChart.nodes().length > 0 && "
                           "document.querySelectorAll('#community option').length > 1")
    page.select_option("#community", index=1)
    assert page.evaluate("window.linkChart.nodes('.lit').length") >= 2
    assert page.locator("#brokers-table tr").count() >= 2
    page.goto(server + "/cases/DEMO-FORT-2019/routes")
    page.wait_for_selector("#fig-routes .sankey")
    assert "Poland (origin)" in page.locator("#fig-routes").inner_text()
    assert "trip-1" in page.locator("#routes-table").inner_text()
    shot(page, "routes")
    assert not any(name in page.content() for name in VICTIM_NAMES)
