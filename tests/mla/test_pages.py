"""The pages of requests abroad over the full application: the register (in the Cases menu, filtered by status,
overdue deadlines marked), drafting from a case's page (the example file uploaded; a broken file refused with its
line and field and the text kept), the request page (findings with citations, the completeness check), sending
refused while a field is missing (named on the page), status changes, the documents (HTML to print, DOCX that
python-docx opens, in English and French), replies with returned evidence; other agencies see nothing."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date
from html import unescape
from pathlib import Path

import docx
import pytest
from fastapi.testclient import TestClient

from palermo.cases import CaseStore, open_case_store
from palermo.law import Library
from palermo.mla import read_request
from palermo.model import CaseDraft
from palermo.settings import Settings
from palermo.web.requests import request_file
from tests.conftest import app_over

from ..cases.conftest import FAST_HASHER
from ..exchange.test_pages import refusal as refusal_html
from ..exchange.test_pages import sign_in as sign_in_at
from .helpers import extradition

ROOT = Path(__file__).resolve().parents[2]
FORT = (ROOT / "examples" / "requests" / "operation_fort_mla.yaml").read_text()
PURPOSE = "purpose: To obtain evidence for the trial of the suspects before the Crown Court.\n"
CONTACT = "  contact: Case officer (demo), +44 20 0000 0000, ijocd@example.org\n"
PASSWORD = "correct horse battery"


@pytest.fixture
def store(tmp_path: Path, database_url: str | None) -> Iterator[CaseStore]:
    cs = open_case_store(tmp_path, url=database_url, hasher=FAST_HASHER)
    cs.accounts.add_agency("GB-CPS", "Crown Prosecution Service", "GB", "prosecution")
    cs.accounts.add_agency("PL-PK", "Prokuratura Krajowa", "PL", "prosecution")
    for name, agency, roles in (("lawyer", "GB-CPS", "legal_officer"), ("inv", "GB-CPS", "investigator"),
                                ("analyst", "GB-CPS", "analyst"), ("pl", "PL-PK", "legal_officer")):
        cs.accounts.add_user(name, agency, roles, password=PASSWORD)
    cs.cases.create(cs.accounts.actor("inv"), CaseDraft(reference="GB-OP-1", title="Operation Fort",
                                                        jurisdictions=["GB", "PL"]))
    yield cs
    cs.dispose()


@pytest.fixture
def client(store: CaseStore, tmp_path: Path, database_url: str | None) -> Iterator[TestClient]:
    with TestClient(app_over(Settings(data_dir=tmp_path, database_url=database_url or ""), store)) as c:
        yield c


def drafted(client: TestClient, csrf: str, text: str = FORT) -> str:
    """Draft a request about GB-OP-1 by uploading ``text``; its page's URL."""
    made = client.post("/cases/GB-OP-1/requests", data={"csrf": csrf},
                       files={"file": ("operation_fort_mla.yaml", text.encode())}, follow_redirects=False)
    assert made.status_code == 303, made.text
    return str(made.headers["location"])


def sign_in(client: TestClient, username: str, page: str = "/requests") -> str:
    """Log in and return the session's CSRF token."""
    return sign_in_at(client, username, page)


def refusal(html: str) -> str:
    """The text of the refusal shown on a page, as a person reads it."""
    return unescape(refusal_html(html))


def section(html: str, name: str) -> str:
    """The text of one section of a page (tags removed)."""
    found = re.search(rf'<section[^>]* id="{name}">(.*?)</section>', html, re.S)
    assert found, f"no section {name}"
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))))


def test_draft_from_the_case_page_read_the_findings_and_the_check(client: TestClient) -> None:
    csrf = sign_in(client, "lawyer", "/cases/GB-OP-1")
    case = client.get("/cases/GB-OP-1").text
    assert 'href="/cases/GB-OP-1/requests/new"' in case and "Request assistance or extradition…" in case
    assert 'href="/requests">Requests abroad</a>' in case  # in the Cases menu

    form = client.get("/cases/GB-OP-1/requests/new").text
    assert 'id="request-form"' in form and "kind: mla" in form and "GB, PL" in form  # the template of the fields
    broken = FORT.replace("    details: A witness statement", "    detials: A witness statement")
    refused = client.post("/cases/GB-OP-1/requests", data={"csrf": csrf, "text": broken})
    assert refused.status_code == 422
    said = refusal(refused.text)
    assert "line 25" in said and "assistance[0].detials: unknown field (did you mean 'details'?)" in said
    assert "detials: A witness statement" in said  # the line itself is shown
    assert "detials: A witness statement on how the witness was recruited" in refused.text  # the text is kept
    assert client.get("/requests").text.count('href="/requests/') == 0  # nothing was drafted

    page = client.get(drafted(client, csrf)).text
    assert "Request for mutual legal assistance" in page and "CPS/IJOCD/2026/0042" in page
    assert 'id="check-ok"' in page and "Ready to send." in page  # the example is complete
    findings = section(page, "findings")
    assert "UNTOC established" in findings and "UNTOC, Art. 18(3)" in findings  # the legal basis, cited
    assert "UN Treaty Collection, chapter XVIII-12" in findings  # Poland's participation, from the UNTC table
    assert "Modern Slavery Act 2015 s.2" in findings and "Palermo Protocol, Art. 3(a)" in findings
    assert "No law profile for PL" in findings  # dual criminality cannot be computed without Poland's law
    assert "up to life" in findings and "UNTOC, Art. 2(b)" in findings  # serious crime
    assert "territoriality" in findings and "UNTOC, Art. 15(1)(a)" in findings  # jurisdiction
    assert "W-0007" in section(page, "content") and "Taking evidence or statements from persons" in page
    assert 'id="move-sent"' in page and 'id="move-withdrawn"' in page and 'id="move-executed"' not in page

    french = client.get("/requests?lang=fr").text
    assert "<h1>Demandes à l'étranger</h1>" in french and "brouillon" in french
    client.get("/requests?lang=en")


def test_sending_is_refused_while_a_field_is_missing_then_the_status_moves(client: TestClient) -> None:
    csrf = sign_in(client, "lawyer")
    incomplete = drafted(client, csrf, FORT.replace(PURPOSE, "").replace(CONTACT, "").replace("/0042", "/0041"))
    page = client.get(incomplete).text
    check = section(page, "check")
    assert "Not ready to send." in page and "State the purpose for which the evidence" in check
    assert "UNTOC, Art. 18(15)(f)" in check and "requesting.contact" in check
    assert "UNODC MLA Request Writer Tool unverified" in check  # a provision not read is flagged
    rid = incomplete.rsplit("/", 1)[1]

    refused = client.post(f"/requests/{rid}/status", data={"csrf": csrf, "status": "sent", "note": "by courier"})
    assert refused.status_code == 422
    said = refusal(refused.text)
    assert "cannot be sent" in said and "purpose: missing" in said and "requesting.contact: missing" in said
    assert "by courier" in refused.text  # the note typed is kept
    assert "draft" in section(client.get(incomplete).text, "status")

    # the corrected copy opens with the request's text; completed, it drafts and sends
    copy = client.get(f"/cases/GB-OP-1/requests/new?from={rid}").text
    assert "reference: CPS/IJOCD/2026/0041" in copy and "purpose:" not in copy and "A copy of request" in copy
    complete = drafted(client, csrf)
    rid = complete.rsplit("/", 1)[1]
    sent = client.post(f"/requests/{rid}/status", data={"csrf": csrf, "status": "sent", "on": "2026-03-03",
                                                       "note": "by the central authority"}, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"] == f"/requests/{rid}#status"
    page = client.get(complete).text
    status = section(page, "status")
    assert "sent 2026-03-03 by the central authority" in status and "sent on 2026-03-03" in page
    assert 'id="move-acknowledged"' in page and 'id="move-sent"' not in page
    conflict = client.post(f"/requests/{rid}/status", data={"csrf": csrf, "status": "draft"})
    assert conflict.status_code == 409 and "cannot become draft" in refusal(conflict.text)
    early = client.post(f"/requests/{rid}/status", data={"csrf": csrf, "status": "acknowledged", "on": "2026-03-01"})
    assert early.status_code == 422 and "before the last change" in refusal(early.text)

    register = client.get("/requests").text
    row = re.search(r'<tr[^>]*>(?:(?!</tr>).)*CPS/IJOCD/2026/0042.*?</tr>', register, re.S)
    assert row and "2026-03-03" in row.group(0) and "2026-06-01" in row.group(0) and ">sent<" in row.group(0)
    overdue = date.today() > date(2026, 6, 1)
    assert ("OVERDUE" in row.group(0)) is overdue
    drafts = client.get("/requests?status=draft").text
    assert "CPS/IJOCD/2026/0041" in drafts and "CPS/IJOCD/2026/0042" not in drafts
    assert client.get("/requests?status=lost").status_code == 422

    # the start page: the request past its deadline, and the draft not yet sent
    card = re.search(r'<section class="card" id="requests-card">.*?</section>', client.get("/home").text, re.S)
    assert card and "1</span> draft(s) not yet sent" in card.group(0)
    assert ("CPS/IJOCD/2026/0042" in card.group(0)) is overdue


def test_an_extradition_request_with_dual_criminality_computed(client: TestClient, library: Library) -> None:
    csrf = sign_in(client, "lawyer")
    request = extradition(library)  # France to Germany, both profiled
    text = request_file(request)
    assert read_request(text, "copy.yaml", library) == request  # the corrected copy's text reads back the same
    page = client.get(drafted(client, csrf, text)).text
    assert "Request for extradition" in page and "Bundesamt für Justiz" in page and "Ready to send." in page
    dual = section(page, "findings")
    assert "Dual criminality established minimum penalty for extradition: 1 year" in dual
    assert "Code pénal art. 225-4-1" in dual and "StGB §232" in dual and "UNTOC, Art. 16" in dual
    content = section(page, "content")
    assert "S-0001 , for prosecution" in content and "provisional arrest asked" in content
    assert "Purpose" not in content  # an extradition request has no purpose of assistance


def test_documents_in_english_and_french(client: TestClient) -> None:
    csrf = sign_in(client, "lawyer")
    rid = drafted(client, csrf).rsplit("/", 1)[1]
    page = client.get(f"/requests/{rid}").text
    assert f'href="/requests/{rid}/document?format=docx&amp;language=fr"' in page
    printable = client.get(f"/requests/{rid}/document", params={"format": "html", "language": "en"})
    assert printable.status_code == 200 and printable.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in printable.headers["content-security-policy"]
    assert "CPS/IJOCD/2026/0042" in printable.text and "<script" not in printable.text
    word = client.get(f"/requests/{rid}/document", params={"format": "docx", "language": "fr"})
    assert word.status_code == 200 and "attachment" in word.headers["content-disposition"]
    assert word.headers["content-disposition"].endswith('.docx"')
    document = docx.Document(io.BytesIO(word.content))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    text = "\n".join([p.text for p in document.paragraphs] + cells)
    assert "CPS/IJOCD/2026/0042" in text and "Pologne" in text and "Demande d'entraide judiciaire" in text
    assert client.get(f"/requests/{rid}/document", params={"language": "de"}).status_code == 422


def test_a_reply_with_returned_evidence(client: TestClient) -> None:
    csrf = sign_in(client, "inv")
    rid = drafted(client, csrf).rsplit("/", 1)[1]
    assert 'id="reply-form"' not in client.get(f"/requests/{rid}").text  # a draft has no reply yet
    client.post(f"/requests/{rid}/status", data={"csrf": csrf, "status": "sent", "on": "2026-03-03"})
    page = client.get(f"/requests/{rid}").text
    assert 'id="reply-form"' in page and 'id="with-exhibit"' in page  # an investigator registers evidence
    assert 'name="seized_in" size="4" value="PL"' in page  # received from the requested state

    bad = {"csrf": csrf, "received_on": "2026-05-02", "summary": "Bank records", "with_exhibit": "yes",
           "label": "PL/1", "description": "", "kind": "physical", "legal_basis": "MLA request",
           "seized_in": "PL", "place": "Ministry of Justice, Warsaw", "holder": "CPS exhibits officer"}
    refused = client.post(f"/requests/{rid}/replies", data=bad)
    assert refused.status_code == 422 and "exhibit.description" in refusal(refused.text).lower()
    assert "Ministry of Justice, Warsaw" in refused.text  # the form keeps what was typed

    answered = client.post(f"/requests/{rid}/replies", data={**bad, "description": "certified bank statements"},
                           follow_redirects=False)
    assert answered.status_code == 303 and answered.headers["location"].endswith("#replies")
    replies = section(client.get(f"/requests/{rid}").text, "replies")
    assert "2026-05-02 Bank records" in replies and "Returned evidence, registered as an exhibit" in replies
    exhibit = re.search(r'href="(/cases/GB-OP-1/exhibits/[^"]+)"', client.get(f"/requests/{rid}").text)
    assert exhibit and "certified bank statements" in client.get(exhibit.group(1)).text

    csrf = sign_in(client, "lawyer")  # a legal officer records replies, but registers no evidence
    page = client.get(f"/requests/{rid}").text
    assert 'id="reply-form"' in page and 'id="with-exhibit"' not in page
    assert client.post(f"/requests/{rid}/replies", data={"csrf": csrf, "received_on": "2026-05-03",
                                                         "summary": "Statement of W-0007"},
                       follow_redirects=False).status_code == 303
    assert client.post(f"/requests/{rid}/replies", data={"csrf": csrf, "received_on": "2026-05-03",
                                                         "summary": " "}).status_code == 422


def test_other_agencies_and_readers(client: TestClient) -> None:
    csrf = sign_in(client, "lawyer")
    url = drafted(client, csrf)
    rid = url.rsplit("/", 1)[1]

    sign_in(client, "pl")
    assert client.get(url).status_code == 404
    assert client.get(f"/requests/{rid}/document", params={"format": "docx"}).status_code == 404
    assert client.get("/cases/GB-OP-1/requests/new").status_code == 404
    assert "CPS/IJOCD" not in client.get("/requests").text

    csrf = sign_in(client, "analyst")  # reads the case, may not write requests
    page = client.get(url).text
    assert "Request for mutual legal assistance" in page and 'id="status-form"' not in page
    assert "Request assistance or extradition" not in client.get("/cases/GB-OP-1").text
    assert 'id="request-form"' not in client.get("/cases/GB-OP-1/requests/new").text
    assert client.post(f"/requests/{rid}/status", data={"csrf": csrf, "status": "withdrawn"}).status_code == 403
    assert client.post(f"/requests/{rid}/status", data={"status": "withdrawn"}).status_code == 403  # no token
