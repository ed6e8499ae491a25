"""`palermo requests` in one data folder: draft from the example request file, check, send, write the DOCX, record
a reply, list the register; bad input exits 2, an incomplete request cannot be sent (exit 2), naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import pytest
import yaml

from tests.test_cli import deployment, run

ROOT = Path(__file__).resolve().parents[2]
FORT = ROOT / "examples" / "requests" / "operation_fort_mla.yaml"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    deployment(tmp_path, monkeypatch, "GB-CPS", "GB", "prosecution", {"lawyer": "legal_officer,investigator"})
    assert run("cases", "create", "GB-OP-1", "--title", "Operation Fort", "--as", "lawyer").returncode == 0
    return tmp_path


def test_draft_check_send_document_reply_and_list(folder: Path) -> None:
    drafted = run("requests", "draft", "GB-OP-1", str(FORT), "--as", "lawyer", "--json")
    assert drafted.returncode == 0, drafted.stderr
    rid = json.loads(drafted.stdout)["id"]
    assert run("requests", "check", rid, "--as", "lawyer").stdout.strip() == "complete: it can be sent"
    sent = run("requests", "status", rid, "sent", "--on", "2026-03-03", "--as", "lawyer")
    assert sent.returncode == 0 and "is now sent" in sent.stdout
    out = folder / "request.docx"
    assert run("requests", "document", rid, "--format", "docx", "--language", "fr", "--out", str(out),
               "--as", "lawyer").returncode == 0
    assert any(p.text for p in docx.Document(str(out)).paragraphs)
    assert run("requests", "reply", rid, "--summary", "received", "--received", "2026-04-01",
               "--as", "lawyer").returncode == 0
    listed = json.loads(run("requests", "list", "--as", "lawyer", "--json").stdout)
    assert [(r["id"], r["status"]) for r in listed] == [(rid, "sent")]


def test_an_incomplete_request_is_not_sent_and_bad_input_exits_2(folder: Path) -> None:
    incomplete = folder / "r.yaml"
    incomplete.write_text(FORT.read_text().replace(
        "purpose: To obtain evidence for the trial of the suspects before the Crown Court.\n", ""))
    rid = json.loads(run("requests", "draft", "GB-OP-1", str(incomplete), "--as", "lawyer", "--json").stdout)["id"]
    checked = run("requests", "check", rid, "--as", "lawyer")
    assert checked.returncode == 1 and "purpose" in checked.stdout
    refused = run("requests", "status", rid, "sent", "--as", "lawyer")
    assert refused.returncode == 2 and "purpose" in refused.stderr
    broken = folder / "b.yaml"
    broken.write_text(FORT.read_text().replace("kind: mla", "kind: letter"))
    bad = run("requests", "draft", "GB-OP-1", str(broken), "--as", "lawyer")
    assert bad.returncode == 2 and "b.yaml:" in bad.stderr
    assert run("requests", "status", rid, "sent", "--on", "yesterday", "--as", "lawyer").returncode == 2


def test_the_starting_file_is_filled_from_the_case(folder: Path) -> None:
    from palermo.cases import open_case_store

    from ..cases.conftest import FAST_HASHER

    cs = open_case_store(folder / "data", hasher=FAST_HASHER)  # where the deployment keeps its store
    cs.entities.add(cs.accounts.actor("lawyer"), "GB-OP-1", {"id": "sus-1", "schema": "Person", "properties": {
        "name": ["Adam Nowak"], "nationality": ["pl"]}}, role="suspect")
    cs.dispose()
    target = folder / "request.yaml"
    written = run("requests", "template", "GB-OP-1", "--as", "lawyer", "--out", str(target))
    assert written.returncode == 0, written.stderr
    text = target.read_text()
    assert "from the case: its entities in the role of suspect" in text and "&#39;" not in text  # plain text
    started = yaml.safe_load(text)
    assert started["conduct"]["offenders"] == [{"nationality": "PL"}]
    assert started["persons"] == [{"ref": "sus-1", "role": "suspect", "nationality": "PL"}]
    refused = run("requests", "template", "GB-OP-1", "--as", "lawyer", "--linkage", "nope")
    assert refused.returncode == 3 and "no linkage 'nope'" in refused.stderr  # not found
