"""Sending a case abroad in a real browser: an investigator of the NCA signs in, opens the case, prepares the
exchange to the Romanian police, reads the preview (what travels, what stays here and why), approves it, seals the
bundle and downloads it; the exchange page then lists it as sealed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ..servers import start, stop
from ..test_browser import ARGS, CHROMIUM, _require_browser
from .helpers import MLA, RO
from .installations import operation, pair

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`palermo serve` over the NCA's installation (case GB-OP-1, the agreement, the Romanian partner's card)."""
    _require_browser()
    root = tmp_path_factory.mktemp("exchange-browser")
    gb, ro = pair(root, None)
    operation(gb)
    gb.cs.dispose()
    ro.cs.dispose()
    proc, base = start(Path(root / "gb"))
    yield base
    stop(proc)


@pytest.fixture(scope="module")
def page(server: str):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield browser.new_page(viewport={"width": 1280, "height": 900})
        browser.close()


def test_preview_approve_and_seal_an_exchange(server, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(server + "/login?next=/cases/GB-OP-1")
    page.fill("input[name=username]", "gb_inv")
    page.fill("input[name=password]", "correct horse battery")
    page.click("main button[type=submit]")
    page.wait_for_url("**/cases/GB-OP-1")
    page.click("#send-abroad")
    page.wait_for_selector("#exchange-form")
    assert page.locator("#agreement").input_value() == MLA
    assert page.locator("#recipient").input_value() == RO
    assert not page.locator("#purposes input[value=intelligence]").count()  # not a purpose of the agreement
    page.check("#purposes input[value=investigation]")
    page.fill("input[name=reference]", "GB/MLA/2026/17")
    page.click("#exchange-form button[type=submit]")

    page.wait_for_selector("#approve")
    assert "/exchange/outbox/" in page.url
    travels = page.inner_text("#leaving")
    assert "Ion Popescu" in travels and "Protected person" in travels and "Ana M." not in page.inner_text("main")
    stays = page.inner_text("#withheld-table")
    assert "white van" in stays and "schema_not_permitted" in stays and "consent_withdrawn" in stays
    assert "religion" in page.inner_text("#removed-table")
    assert "evidence/recipient/prior_consent" in page.inner_text("#terms")
    assert "previewed" in page.inner_text("h1")

    page.click("#approve")
    page.wait_for_selector("#send")
    assert "approved" in page.inner_text("h1") and "Approved by gb_inv" in page.inner_text("#status")
    page.click("#send")
    page.wait_for_selector("#download")
    assert "sealed, to carry" in page.inner_text("h1")
    with page.expect_download() as download:
        page.click("#download")
    assert download.value.suggested_filename.endswith(".palermo")

    page.click("header details:has(summary:text-is('Cases')) summary")
    page.click("header a:text-is('Cross-border exchange')")
    page.wait_for_url(server + "/exchange")
    row = page.locator("#outbox-table tr", has_text="GB-OP-1").inner_text()
    assert "sealed, to carry" in row and RO in row and "investigation" in row
