"""The web UI in a real browser: a legal officer assesses a conduct; an investigator logs in, builds a case."""

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


DEMO: dict[str, str] = {}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _require_browser()
    import uvicorn

    from palermo.cases.demo import create_demo
    from palermo.finance.desk import Desk
    from palermo.settings import Settings
    from palermo.web import create_app

    settings = Settings(data_dir=tmp_path_factory.mktemp("browser"))
    app = create_app(settings)
    DEMO["username"], DEMO["password"] = create_demo(app.state.services.store)
    desk = Desk(settings.data_dir / "finance.duckdb")
    desk.generate(20_000, seed=3)
    desk.monitor()
    desk.close()

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
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


def test_log_in_create_a_case_add_and_link_a_person_and_a_phone(server, page):
    page.goto(server + "/cases")
    assert "/login" in page.url
    page.fill("input[name=username]", DEMO["username"])
    page.fill("input[name=password]", DEMO["password"])
    page.click("button[type=submit]")
    assert page.url.endswith("/cases")
    assert page.locator("text=DEMO-FORT-2019").count() == 1  # the demo workspace is populated

    page.fill("input[name=reference]", "UI-2026-1")
    page.fill("input[name=title]", "Nail bar referral")
    page.fill("input[name=jurisdictions]", "GB, VN")
    page.click("text=Open case")
    assert "/cases/UI-2026-1" in page.url

    form = page.locator("#add-entity")
    form.locator("select[name=kind]").select_option("Person")
    form.locator("input[name=value]").fill("Tran Van Minh")
    form.locator("input[name=country]").fill("vn")
    form.locator("select[name=role]").select_option("suspect")
    form.locator("button").click()
    form = page.locator("#add-entity")
    form.locator("select[name=kind]").select_option("Phone")
    form.locator("input[name=value]").fill("+44 20 7946 0321")
    form.locator("button").click()

    link = page.locator("#add-link")
    link.locator("select[name=source]").select_option(label="Tran Van Minh (Person)")
    link.locator("select[name=relation]").select_option("UnknownLink")
    link.locator("select[name=target]").select_option(label="+442079460321 (UserAccount)")
    link.locator("input[name=description]").fill("uses phone")
    link.locator("button").click()

    table = page.locator("#entity-table").inner_text()
    assert "Tran Van Minh → +442079460321" in table and "UnknownLink" in table and "suspect" in table
    page.click("#entity-table a:text-is('Tran Van Minh')")
    related = page.locator("#related").inner_text()
    assert "Tran Van Minh → +442079460321" in related and "uses phone" in related


def _logged_in(server, page, path: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(server + path)
    if "/login" in page.url:
        page.fill("input[name=username]", DEMO["username"])
        page.fill("input[name=password]", DEMO["password"])
        page.click("button[type=submit]")
        page.goto(server + path)


def test_open_an_alert_see_its_transactions_and_file_it_into_a_case(server, page):
    _logged_in(server, page, "/finance?rule=cycle")
    assert page.locator("#alerts tr").count() > 1
    page.click("#alerts a >> nth=0")
    assert "/finance/alerts/alr-" in page.url
    assert "Money going round in a circle" in page.locator("h1").inner_text()
    assert "IBM AMLSim" in page.locator("main").inner_text()  # the rule's source is shown
    txs = page.locator("#transactions tr")
    assert txs.count() >= 4  # header + at least three hops
    assert "transfer" in page.locator("#transactions").inner_text()
    assert page.locator("#flows line").count() >= 3 and page.locator("#flows circle").count() >= 3

    page.locator("#file-form select[name=case]").select_option("")
    page.locator("#file-form input[name=title]").fill("Circular transfers, Lyon")
    page.locator("#file-form button").click()
    assert "/cases/FIU-" in page.url
    assert "Circular transfers, Lyon" in page.locator("h1").inner_text()
    table = page.locator("#entity-table").inner_text()
    assert "BankAccount" in table and "Payment" in table
    assert "Filed from transaction monitoring" in page.locator("main").inner_text()
    page.go_back()
    page.reload()
    assert "Status: escalated" in page.locator("#review-state").inner_text()  # filing escalated the alert
    page.locator("#review-form input[name=reason]").fill("second look: same ring as case above")
    page.locator("#review-form button[value=open]").click()
    assert "Status: open" in page.locator("#review-state").inner_text()


def test_country_profile_shows_scorecard_and_plots(server, page):
    page.goto(server + "/stats")
    page.wait_for_selector("#fig-ranking .main-svg")
    assert page.locator("#fig-ranking .bars .point").count() >= 17  # one bar per profiled law
    page.click("#countries a:text-is('Nigeria')")
    assert page.url.endswith("/stats/countries/NG")
    card = page.locator("#scorecard").inner_text()
    assert "Party to the Palermo Protocol" in card and "2001-06-28" in card
    assert "Law against the Protocol and UNTOC" in card and "data_glotip_2025-04-14.csv@sha256:" in card
    page.wait_for_selector("#fig-victims .main-svg")
    for fig in ("victims", "justice", "tiers"):
        assert page.locator(f"#fig-{fig} .main-svg").count() >= 1  # plotly drew the figure
        assert page.locator(f"#fig-{fig} .scatterlayer .trace").count() >= 1
    assert "UNODC Global Report" in page.locator("#fig-victims").inner_text()  # the caption names the source
