"""`make run`'s first start (demo workspace, one-time password) and the documented role table."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from palermo.cases.policy import PERMISSIONS, Action, Role

ROOT = Path(__file__).resolve().parents[2]


def start(data_dir: Path) -> tuple[subprocess.Popen[str], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PALERMO_DATA_DIR": str(data_dir), "PALERMO_PORT": str(port), "COLUMNS": "300"}
    proc = subprocess.Popen([sys.executable, "-c", "from palermo.cli import main; main()", "serve"], env=env,
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(base + "/api/law/jurisdictions", timeout=1)
            return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("palermo serve did not start: " + (proc.stderr.read() if proc.stderr else ""))


def stop(proc: subprocess.Popen[str]) -> str:
    proc.terminate()
    _, err = proc.communicate(timeout=20)
    return err


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
               "consent override": Action.consent_override}
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
