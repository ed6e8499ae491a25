"""The goAML report on the pages: what to set up when no schema is configured, the analyst's text kept on every
refusal, the way back to the alert, and the download once a schema is set up."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from palermo.cases import open_case_store
from palermo.finance.desk import Desk
from palermo.finance.generator import generate
from palermo.settings import Settings
from tests.conftest import app_over

from ..cases.conftest import FAST_HASHER

PASSWORD = "correct horse battery"
REASON = "The customer's 'cousins' deposit cash at night in three towns & nobody explains it."


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    cs = open_case_store(tmp_path, hasher=FAST_HASHER)
    cs.accounts.add_agency("fr-fiu", "TRACFIN", "FR", "fiu")
    cs.accounts.add_user("ana", "fr-fiu", ["analyst"], password=PASSWORD)
    app = app_over(Settings(data_dir=tmp_path), cs)
    desk = Desk(app.state.services.finance.ledger_path("fr-fiu"))
    generate(desk.ledger, 5000, seed=8, per_typology=1)
    desk.monitor()
    desk.close()
    with TestClient(app) as c:
        assert c.post("/login", data={"username": "ana", "password": PASSWORD},
                      follow_redirects=False).status_code == 303
        yield c
    cs.store.dispose()


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _text(html: str, element_id: str) -> str:
    tag = re.search(rf'<(\w+)[^>]*id="{element_id}"', html)
    assert tag, element_id
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</{tag.group(1)}>', html, re.S)
    assert found, element_id
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1)))


def test_without_a_schema_the_page_says_what_to_set_up_and_keeps_the_text(client: TestClient) -> None:
    page = client.get("/finance")
    alert = re.findall(r'href="/finance/alerts/(alr-[0-9a-f]+)"', page.text)[0]
    detail = client.get(f"/finance/alerts/{alert}")
    assert "Reports cannot be made in this installation yet" in detail.text
    refused = client.post("/finance/report", data={"csrf": _csrf(detail.text), "alert": alert, "reference": "STR 7",
                                                   "reason": REASON, "action": "account frozen"})
    assert refused.status_code == 422 and refused.headers["content-type"].startswith("text/html")
    setup = _text(refused.text, "setup")
    assert "PALERMO_GOAML_XSD" in setup and "goAMLSchema.xsd" in setup and "Restart Palermo" in setup
    assert "--xsd" not in refused.text  # the command line's words are not the page's
    assert "Reports can be made once the schema is set up" in _text(refused.text, "refusal")
    assert "The customer&#39;s &#39;cousins&#39; deposit cash at night in three towns &amp; nobody explains it." \
        in refused.text  # the analyst's words, as typed (escaped once)
    assert 'value="STR 7"' in refused.text and ">account frozen</textarea>" in refused.text
    assert 'id="back">Back to the alert' in refused.text and f'href="/finance/alerts/{alert}" id="back"' in refused.text
    assert "escalated" not in client.get(f"/finance/alerts/{alert}").text.split('id="review-state"')[1][:80]


def test_with_a_schema_the_report_downloads_and_a_refusal_keeps_the_text(
        client: TestClient, shared_data: Callable[[str], Path]) -> None:
    xsd = shared_data("goaml_schema") / "goAMLSchema_v5.0.1.xsd"
    client.app.state.services.finance.options["goaml_xsd"] = xsd  # type: ignore[attr-defined]
    queue = client.get("/finance")
    ticked = re.findall(r'href="/finance/alerts/(alr-[0-9a-f]+)"', queue.text)[:2]
    form = client.post("/finance/report", data={"csrf": _csrf(queue.text), "alert": ticked, "draft": "1"})
    assert form.status_code == 200 and "2 alerts in this report" in form.text
    assert "goAMLSchema_v5.0.1.xsd" in _text(form.text, "setup") and 'href="/finance" id="back"' in form.text
    empty = client.post("/finance/report", data={"csrf": _csrf(form.text), "alert": ticked, "reference": "",
                                                 "reason": REASON})
    assert empty.status_code == 422 and "Reference: give your reference" in _text(empty.text, "refusal")
    assert "nobody explains it.</textarea>" in empty.text
    gone = client.post("/finance/report", data={"csrf": _csrf(form.text), "alert": [*ticked, "alr-nope"],
                                                "reference": "STR-9", "reason": REASON})
    assert gone.status_code == 404 and "No alert &#39;alr-nope&#39;" in _text(gone.text, "refusal")
    assert "nobody explains it." in gone.text and "2 alerts in this report" in gone.text  # the others stay
    done = client.post("/finance/report", data={"csrf": _csrf(form.text), "alert": ticked, "reference": "STR-9",
                                                "reason": REASON})
    assert done.status_code == 200 and done.headers["content-type"] == "application/xml"
    assert b"nobody explains it." in done.content and 'filename="STR-9.xml"' in done.headers["content-disposition"]
    assert "Status: <strong>escalated</strong>" in client.get(f"/finance/alerts/{ticked[0]}").text
