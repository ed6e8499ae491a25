"""The register of requests in the case store (SQLite and PostgreSQL): a request drafted from a request file about
a case with its computed findings, checked, sent (refused while incomplete, naming the field), tracked through its
statuses, printed and edited as documents, its reply recorded and the returned evidence registered with custody."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import docx
import pytest

from palermo.errors import Conflict, InvalidInput, NotFound, NotPermitted
from palermo.model import CaseDraft, ExhibitDraft
from palermo.services import Services, open_services

from ..cases.conftest import FAST_HASHER

ROOT = Path(__file__).resolve().parents[2]
FORT = (ROOT / "examples" / "requests" / "operation_fort_mla.yaml").read_text()
EXHIBIT = ExhibitDraft(label="PL/1", description="bank statements 2012-2017 (certified copies)", kind="physical",
                       legal_basis="MLA request CPS/IJOCD/2026/0042", seized_in="PL",
                       seized_at=datetime(2026, 5, 2, 9, tzinfo=UTC),
                       place="received from the Polish Ministry of Justice", holder="CPS exhibits officer")


@pytest.fixture
def svc(tmp_path: Path, database_url: str | None) -> Iterator[Services]:
    from palermo.cases import open_case_store

    store = open_case_store(tmp_path, url=database_url, hasher=FAST_HASHER)
    services = open_services(tmp_path, case_store=store)
    store.accounts.add_agency("GB-CPS", "Crown Prosecution Service", "GB", "prosecution")
    store.accounts.add_agency("PL-PK", "Prokuratura Krajowa", "PL", "prosecution")
    for name, agency, roles in (("lawyer", "GB-CPS", "legal_officer"), ("analyst", "GB-CPS", "analyst"),
                                ("pl", "PL-PK", "legal_officer")):
        store.accounts.add_user(name, agency, roles, password="correct horse battery")
    store.accounts.add_user("inv", "GB-CPS", "investigator", password="correct horse battery")
    store.cases.create(store.accounts.actor("inv"), CaseDraft(reference="GB-OP-1", title="Operation Fort"))
    yield services
    services.close()


def test_a_request_drafted_checked_sent_tracked_and_answered(svc: Services) -> None:
    lawyer = svc.accounts.actor("lawyer")
    filed = svc.requests.draft(lawyer, "GB-OP-1", FORT, "operation_fort_mla.yaml")
    request = filed.request
    assert (request.kind, request.status, request.requesting.state, request.requested.state) == ("mla", "draft",
                                                                                                  "GB", "PL")
    assert request.findings.requesting.startswith("GB") and request.offences  # computed by the law engine, with citations
    assert svc.requests.check(lawyer, filed.id) == []
    with pytest.raises(Conflict, match="cannot become executed"):
        svc.requests.move(lawyer, filed.id, "executed")
    sent = svc.requests.move(lawyer, filed.id, "sent", on=date(2026, 3, 3), note="by the central authority")
    assert sent.request.status == "sent" and sent.version == 2
    listed = svc.requests.register(lawyer)
    assert [(r["id"], r["status"], r["sent_on"], r["overdue"]) for r in listed] == [
        (filed.id, "sent", "2026-03-03", datetime.now(UTC).date() > date(2026, 6, 1))]

    html = svc.requests.document(lawyer, filed.id, "html").decode()
    assert "CPS/IJOCD/2026/0042" in html and "<script" not in html
    word = docx.Document(io.BytesIO(svc.requests.document(lawyer, filed.id, "docx", "fr")))
    assert any("Pologne" in p.text or "PL" in p.text for p in word.paragraphs)

    acknowledged = svc.requests.move(lawyer, filed.id, "acknowledged", on=date(2026, 3, 20))
    with pytest.raises(NotPermitted, match="may not evidence write"):  # evidence is registered by investigators
        svc.requests.reply(lawyer, filed.id, date(2026, 5, 2), "bank records", EXHIBIT)
    answered = svc.requests.reply(svc.accounts.actor("inv"), filed.id, date(2026, 5, 2),
                                  "Statement of W-0007 and bank records", EXHIBIT)
    assert acknowledged.request.status == "acknowledged" and answered.replies[0]["exhibit"]

    exhibits = svc.evidence.exhibits(svc.accounts.actor("inv"), "GB-OP-1")
    assert [x.label for x in exhibits] == ["PL/1"] and exhibits[0].events >= 1  # its chain of custody opened


def test_an_incomplete_request_cannot_be_sent_and_others_cannot_see_it(svc: Services) -> None:
    lawyer = svc.accounts.actor("lawyer")
    incomplete = FORT.replace("purpose: To obtain evidence for the trial of the suspects before the Crown Court.\n",
                              "")
    filed = svc.requests.draft(lawyer, "GB-OP-1", incomplete, "r.yaml")
    assert "purpose" in [m.field for m in svc.requests.check(lawyer, filed.id)]
    with pytest.raises(InvalidInput, match="purpose"):
        svc.requests.move(lawyer, filed.id, "sent")
    with pytest.raises(InvalidInput, match=r"r\.yaml:"):
        svc.requests.draft(lawyer, "GB-OP-1", FORT.replace("kind: mla", "kind: letter"), "r.yaml")
    with pytest.raises(NotFound):
        svc.requests.get(svc.accounts.actor("pl"), filed.id)
    assert svc.requests.register(svc.accounts.actor("pl")) == []
    svc.accounts.add_user("aud", "GB-CPS", "auditor", password="correct horse battery")
    assert svc.requests.register(svc.accounts.actor("aud")) == []  # auditors read the trail, not the requests
    with pytest.raises(NotPermitted, match="may not request write"):
        svc.requests.move(svc.accounts.actor("analyst"), filed.id, "withdrawn")
