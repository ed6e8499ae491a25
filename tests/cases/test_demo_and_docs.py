"""`make run`'s first start (demo workspace, one-time password) and the documented role table."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from palermo.cases.policy import PERMISSIONS, Action, Role

from ..servers import start, stop

ROOT = Path(__file__).resolve().parents[2]


def test_first_start_prints_one_time_credentials_that_work(tmp_path: Path) -> None:
    proc, base = start(tmp_path)
    try:
        token = None
        login = None
        # The banner is printed before the server starts listening.
        banner = ""
        while "password" not in banner:
            line = proc.stderr.readline() if proc.stderr else ""
            assert line, "no credentials printed"
            banner += line
        match = re.search(r"as (\S+) with password (\S+)", banner)
        assert match, banner
        login = httpx.post(base + "/api/auth/token", json={"username": match.group(1), "password": match.group(2)})
        token = login.json()["token"]
        cases = httpx.get(base + "/api/cases", headers={"authorization": f"Bearer {token}"}).json()["items"]
        assert [c["reference"] for c in cases] == ["DEMO-FORT-2019"]
        entities = httpx.get(base + "/api/cases/DEMO-FORT-2019/entities?role=victim",
                             headers={"authorization": f"Bearer {token}"}).json()
        assert entities["total"] == 3 and all(e["protected"] and e["properties"] == {} for e in entities["items"])
    finally:
        stop(proc)
    assert (tmp_path / "palermo.db").exists() and (tmp_path / "secret.key").stat().st_mode & 0o077 == 0
    proc, _ = start(tmp_path)
    assert "password" not in stop(proc)  # shown once, never again


def test_security_doc_role_table_matches_the_policy() -> None:
    doc = (ROOT / "docs" / "security.md").read_text()
    columns = {"create case": Action.case_create, "read case": Action.case_read, "edit case": Action.case_edit,
               "share (owner agency)": Action.case_share, "entities": Action.entity_write,
               "notes": Action.note_write, "files": Action.attachment_write, "victim identity": Action.protected_read,
               "audit trail": Action.audit_read, "users": Action.users_manage,
               "financial intelligence": Action.finance, "statistics releases": Action.statistics,
               "evidence (exhibits, custody acts)": Action.evidence_write,
               "custody records out": Action.evidence_export, "signing keys": Action.keys_manage,
               "victim records": Action.victim_read, "victim records (write)": Action.victim_write,
               "victim identity (record)": Action.victim_reveal, "identity grants": Action.victim_grant,
               "consent override": Action.consent_override, "send abroad (owner agency)": Action.exchange_send,
               "receive from abroad": Action.exchange_receive, "agreements": Action.agreement_manage,
               "requests abroad": Action.request_write}
    lines = [ln for ln in doc.splitlines() if ln.startswith("| ")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    assert header[1:] == list(columns)
    rows = {}
    for line in lines[1:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells[0].replace(" ", "_") in Role.__members__:
            rows[Role(cells[0].replace(" ", "_"))] = {columns[h] for h, v in zip(header[1:], cells[1:], strict=True)
                                                      if v not in ("no", "by grant")}
    assert rows == dict(PERMISSIONS)
