"""Drafting and sending a request abroad in a real browser: a legal officer of the CPS opens the case, drafts a
request for mutual legal assistance to Poland from a request file without its purpose, reads the findings, is
refused sending (the missing field named on the page), drafts a corrected copy, sends it, and finds it in the
register under the Cases menu."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from palermo.model import CaseDraft

from ..exchange.test_browser_exchange import page  # noqa: F401 (the browser's page, a fixture)
from ..servers import start, stop
from ..test_browser import _require_browser

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
FORT = (ROOT / "examples" / "requests" / "operation_fort_mla.yaml").read_text()
PURPOSE = "purpose: To obtain evidence for the trial of the suspects before the Crown Court.\n"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`palermo serve` over an installation of the CPS with case GB-OP-1 and a legal officer."""
    _require_browser()
    from palermo.cases import open_case_store

    root = tmp_path_factory.mktemp("requests-browser")
    store = open_case_store(root)
    store.accounts.add_agency("GB-CPS", "Crown Prosecution Service", "GB", "prosecution")
    store.accounts.add_user("lawyer", "GB-CPS", ["legal_officer", "investigator"], password=PASSWORD)
    store.cases.create(store.accounts.actor("lawyer"), CaseDraft(reference="GB-OP-1", title="Operation Fort",
                                                                 jurisdictions=["GB", "PL"]))
    store.dispose()
    proc, base = start(root)
    yield base
    stop(proc)


def test_draft_refused_send_corrected_copy_and_send(server, page) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page.goto(server + "/login?next=/cases/GB-OP-1")
    page.fill("input[name=username]", "lawyer")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/cases/GB-OP-1")
    page.click("#request-abroad")
    page.wait_for_selector("#request-form")
    assert "kind: mla" in page.locator("#request-text").input_value()  # the form starts with the fields

    page.fill("#request-text", FORT.replace(PURPOSE, ""))
    page.click("#request-form button[type=submit]")
    page.wait_for_selector("#readiness")
    assert "/requests/" in page.url and "Not ready to send." in page.inner_text("#readiness")
    assert "purpose" in page.inner_text("#check-table")
    assert "established" in page.inner_text("#findings") and "UNTOC, Art. 18(3)" in page.inner_text("#findings")

    page.click("#move-sent")
    page.wait_for_selector("#refusal")
    assert "purpose: missing" in page.inner_text("#refusal")
    assert "draft" in page.inner_text("#status h2")

    page.click("#redraft")  # a corrected copy: the request's own text, to complete
    page.wait_for_selector("#request-form")
    text = page.locator("#request-text").input_value()
    assert "reference: CPS/IJOCD/2026/0042" in text and "purpose:" not in text
    page.fill("#request-text", text + PURPOSE)
    page.click("#request-form button[type=submit]")
    page.wait_for_selector("#check-ok")
    page.fill("#status-form textarea[name=note]", "by the central authority")
    page.click("#move-sent")
    page.wait_for_selector("#move-acknowledged")
    assert "sent" in page.inner_text("#status h2") and "by the central authority" in page.inner_text("#history")

    page.click("header details:has(summary:text-is('Cases')) summary")
    page.click("header a:text-is('Requests abroad')")
    page.wait_for_url(server + "/requests")
    rows = page.locator("#register tr", has_text="CPS/IJOCD/2026/0042")
    assert rows.count() == 2
    assert sorted(r.split("\t")[4].strip() for r in rows.all_inner_texts()) == ["draft", "sent"]
