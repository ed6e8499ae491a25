"""The finance pages in a real browser, as an FIU analyst uses them: a goAML report with no schema set up (the page
says what to set up, the analyst's reason stays, the way back leads to the alert) and with the UAE schema and
profile set up (the report downloads, valid, with the analyst's words); the money-flow drawing; a case filed from
an alert shows who paid whom, how much, in which currency and when.

Set PALERMO_SCREENSHOTS to a folder to keep a screenshot of each page looked at."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ..servers import in_thread
from ..test_browser import ARGS, CHROMIUM, _require_browser

pytestmark = pytest.mark.browser
ANALYST = ("nadia", "financial intelligence analyst")
REASON = "Cash at night in three towns, paid on within hours; the holder's 'cousins' cannot say why."


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    _require_browser()
    from palermo.finance.desk import Desk
    from palermo.settings import Settings
    from palermo.web import create_app

    settings = Settings(data_dir=tmp_path_factory.mktemp("finance-browser"))
    app = create_app(settings)
    accounts = app.state.services.store.accounts
    accounts.add_agency("ae-fiu", "UAE Financial Intelligence Unit", "AE", "fiu")
    accounts.add_user(ANALYST[0], "ae-fiu", ["analyst", "investigator"], password=ANALYST[1],
                      display_name="Nadia Al Mansoori")
    desk = Desk(app.state.services.finance.ledger_path("ae-fiu"))
    desk.generate(20_000, seed=3)
    desk.monitor()
    desk.close()
    with in_thread(app) as base:
        yield base, app


@pytest.fixture(scope="module")
def page(server: tuple[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    base, _ = server
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        tab = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        tab.goto(base + "/login")
        tab.fill("input[name=username]", ANALYST[0])
        tab.fill("input[name=password]", ANALYST[1])
        tab.click("button[type=submit]")
        yield tab
        browser.close()


def shot(page: Any, name: str, element: str = "") -> None:
    """Keep a screenshot of the page (or of one element) when PALERMO_SCREENSHOTS names a folder."""
    folder = os.environ.get("PALERMO_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        path = str(Path(folder) / f"{name}.png")
        page.locator(element).screenshot(path=path) if element else page.screenshot(path=path, full_page=True)


def _set_schema(app: Any, xsd: Path | None, profile: Path | None = None) -> None:
    app.state.services.finance.options.update(goaml_xsd=xsd, goaml_profile=profile)


def test_without_a_schema_the_report_page_says_what_to_set_up_and_keeps_the_reason(server, page) -> None:  # type: ignore[no-untyped-def]
    base, app = server
    _set_schema(app, None)
    page.goto(base + "/finance?rule=funnel_account")
    page.click("#alerts a >> nth=0")
    alert_url = page.url
    assert "Reports cannot be made in this installation yet" in page.locator("#report-setup").inner_text()
    page.fill("#report-form textarea[name=reason]", REASON)
    page.click("#report-form button[type=submit]")
    assert page.url.endswith("/finance/report")
    shot(page, "report-no-schema")
    setup = page.locator("#setup").inner_text()
    assert "PALERMO_GOAML_XSD" in setup and "Restart Palermo" in setup
    assert "What you wrote is kept below" in page.locator("#refusal").inner_text()
    assert page.locator("#report-form textarea[name=reason]").input_value() == REASON
    assert page.locator("#report-alerts tr").count() == 2  # header + the alert
    page.click("#back")
    assert page.url == alert_url  # back to the alert, not to the jurisdictions

    page.goto(base + "/finance?rule=cycle")  # from the queue: two ticked alerts
    page.check("#alerts input[name=alert] >> nth=0")
    page.check("#alerts input[name=alert] >> nth=1")
    page.click("button[name=draft]")
    assert page.locator("#report-alerts tr").count() == 3
    assert page.locator("#back").get_attribute("href") == "/finance"


def test_with_the_uae_schema_the_report_downloads_valid_with_the_reason(  # type: ignore[no-untyped-def]
        server, page, shared_data: Callable[[str], Path]) -> None:
    from palermo.finance import goaml

    base, app = server
    xsd = shared_data("goaml_schema") / "goAMLSchema_v5.0.2_UAE.xsd"
    _set_schema(app, xsd, goaml.PACKAGED_PROFILES / "uae.yaml")
    page.goto(base + "/finance?rule=funnel_account")
    page.click("#alerts a >> nth=0")
    alert_url = page.url
    assert page.locator("#report-setup").count() == 0
    assert "goAMLSchema_v5.0.2_UAE.xsd" in page.locator("#report-form").inner_text()
    page.fill("#report-form input[name=reference]", "STR-AE-2026-14")
    page.fill("#report-form textarea[name=reason]", REASON)
    shot(page, "alert-with-schema")
    with page.expect_download() as download:
        page.click("#report-form button[type=submit]")
    assert download.value.suggested_filename == "STR-AE-2026-14.xml"
    xml = Path(download.value.path()).read_bytes()
    goaml.validate(xml, xsd, "ecmascript")
    assert b"the holder&apos;s" in xml or b"the holder's" in xml
    assert b"<report_code>STR</report_code>" in xml and b"<currency_code_local>AED" in xml
    page.goto(alert_url)
    assert "escalated" in page.locator("#review-state").inner_text()
    assert "STR-AE-2026-14" in page.locator("#review-state").inner_text()


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"] or
                a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


@pytest.mark.parametrize("rule", ["cycle", "scatter_gather", "funnel_account", "fan_in"])
def test_the_money_flow_drawing_can_be_read(server, page, rule: str) -> None:  # type: ignore[no-untyped-def]
    base, _ = server
    page.goto(base + f"/finance?rule={rule}&status=")
    page.click("#alerts a >> nth=0")
    shot(page, f"flows-{rule}", "#flows")
    box = page.locator("#flows").bounding_box()
    assert box["width"] >= 900  # as wide as the page allows, not a thumbnail
    rows = page.locator("#transactions tr").all_inner_texts()[1:]
    pairs = {(cells[2], cells[3], cells[4].split()[-1]) for cells in (r.split("\t") for r in rows)}
    labels = page.locator("#flows text.flow-label")
    assert labels.count() == page.locator("#flows path[marker-end]").count() >= 1
    for i in range(labels.count()):  # every arrow says how much, in which currency, and when
        said = labels.nth(i).text_content() or ""
        assert " EUR" in said and ("2025" in said or "2026" in said), said
    assert labels.count() == len(pairs)  # one arrow per payer, payee and currency: cash too
    marks = [page.locator("#flows circle, #flows rect").nth(i).bounding_box()
             for i in range(page.locator("#flows circle, #flows rect").count())]
    names = [page.locator("#flows text.node-label").nth(i).bounding_box()
             for i in range(page.locator("#flows text.node-label").count())]
    for name in names:  # each label beside its node, over no node
        assert not any(_overlap(name, mark) for mark in marks), (name, marks)
    for i, one in enumerate(names):
        assert not any(_overlap(one, other) for other in names[i + 1:])


def test_a_case_filed_from_an_alert_shows_who_paid_whom_how_much_and_when(server, page) -> None:  # type: ignore[no-untyped-def]
    base, _ = server
    page.goto(base + "/finance?rule=cycle&status=")
    page.click("#alerts a >> nth=0")
    holders = page.locator("#flows text.node-label").all_text_contents()
    page.locator("#file-form select[name=case]").select_option("")
    page.locator("#file-form button").click()
    assert "/cases/FIU-" in page.url
    page.goto(page.url + "?schema=Payment")
    shot(page, "case-payments")
    rows = [r for r in page.locator("#entity-table tr").all_inner_texts() if "Payment" in r]
    assert len(rows) >= 3
    for row in rows:
        label = row.split("\t")[0]
        assert "?" not in label and " → " in label and " EUR on 20" in label, label
        payer = label.split(" → ")[0]
        assert any(payer in h for h in holders), (payer, holders)  # the holder's name, not an account number
