"""`palermo victims` end to end in one data folder: a record opened from an identity file (never from the command
line), consent and a referral, a screening from an answers file, the rights checklist, and the de-identified export
into the statistics store; a mistake in a file is named by line and field (exit 2) and nothing is stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import deployment, run


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return deployment(tmp_path, monkeypatch, "ngo", "FR", "ngo", {"ana": "victim_support"})


def test_record_consent_referral_screening_rights_and_export(folder: Path) -> None:
    identity = folder / "person.yaml"
    identity.write_text("names: [Mirela Dragomir]\nbirth_date: 1999-05-01\ndocuments: [passport RO 77]\n")
    opened = run("victims", "open", "--identity", str(identity), "--jurisdiction", "FR", "--language", "ro",
                 "--sex", "female", "--citizenship", "RO", "--as", "ana", "--json")
    assert opened.returncode == 0, opened.stderr
    record = json.loads(opened.stdout)
    assert "Mirela" not in opened.stdout and record["pseudonym"].startswith("Person ")
    refused = run("victims", "refer", record["id"], "shelter", "--to-name", "Foyer", "--to-state", "FR",
                  "--as", "ana")
    assert refused.returncode == 4 and "consent: services" in refused.stderr
    assert run("victims", "consent", record["id"], "services", "--informed-in", "ro", "--as", "ana").returncode == 0
    sent = run("victims", "refer", record["id"], "shelter", "--to-name", "Foyer", "--to-state", "FR", "--due",
               "2030-01-31", "--as", "ana")
    assert sent.returncode == 0 and "sent" in sent.stdout
    answers = folder / "answers.yaml"
    answers.write_text("indicator_set: ilo_forced_labour_2012\nanswers:\n  debt_bondage: yes\n"
                       "  retention_of_identity_documents: yes\nage: 25\n")
    screened = run("victims", "screen", str(answers), "--victim", record["id"], "--as", "ana", "--json")
    assert screened.returncode == 0, screened.stderr
    assert json.loads(screened.stdout)["result"]["recommendation"] == "interview"
    rights = run("victims", "rights", record["id"], "--as", "ana", "--json")
    kinds = {r["kind"]: r for r in json.loads(rights.stdout)["items"]}
    assert kinds["reflection_period"]["citations"] and kinds["compensation"]["citations"]
    exported = run("victims", "export-ctdc", "screened", "--as", "ana")
    assert exported.returncode == 0 and "1 persons" in exported.stdout


def test_a_mistake_in_a_file_is_named_and_nothing_is_stored(folder: Path) -> None:
    identity = folder / "person.yaml"
    identity.write_text("names: [Mirela]\nbirth_date: 1999-13-45\n")
    bad = run("victims", "open", "--identity", str(identity), "--jurisdiction", "FR", "--as", "ana")
    assert bad.returncode == 2 and "person.yaml:2" in bad.stderr and "birth_date" in bad.stderr
    answers = folder / "answers.yaml"
    answers.write_text("indicator_set: ilo_forced_labour_2012\nanswers:\n  debt_bondge: yes\n")
    wrong = run("victims", "screen", str(answers), "--as", "ana")
    assert wrong.returncode == 2 and "debt_bondage" in wrong.stderr
    listed = run("victims", "list", "--as", "ana", "--json")
    assert json.loads(listed.stdout) == []
