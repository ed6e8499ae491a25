"""`palermo evidence` end to end in one data folder: register, record, import a register, export a custody record,
and verify it offline against the keys one chose to trust (exit 0), or any tampering (exit 5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import deployment, run


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    deployment(tmp_path, monkeypatch, "nca", "GB", "police", {"jo": "investigator"})
    assert run("cases", "create", "NCA-1", "--title", "Car wash", "--as", "jo").returncode == 0
    return tmp_path


def test_register_record_export_and_verify_offline(folder: Path) -> None:
    done = run("evidence", "register", "NCA-1", "--label", "JD-1", "--description", "phone", "--legal-basis",
               "warrant 7", "--seized-in", "GB", "--place", "Walsall", "--holder", "DC Doe", "--seal", "S-1",
               "--seized-at", "2019-03-01T06:05+00:00", "--as", "jo")
    assert done.returncode == 0, done.stderr
    moved = run("evidence", "act", "NCA-1", "JD-1", "--kind", "transfer", "--place", "station", "--purpose",
                "to store", "-d", "to_holder=Store B", "--occurred", "2019-03-01T09:00+00:00", "--as", "jo")
    assert moved.returncode == 0 and "event 1 recorded: transfer" in moved.stdout
    register = folder / "acts.jsonl"
    register.write_text("\n".join(json.dumps({"exhibit": "JD-1", "kind": "examination", "occurred":
                                              f"2019-03-0{d}T10:00+00:00", "place": "lab", "purpose": "look"})
                                  for d in (2, 3)) + "\n")
    imported = run("evidence", "import", "NCA-1", str(register), "--as", "jo")
    assert imported.returncode == 0 and "2 acts recorded (events 2 to 3)" in imported.stdout
    bad = folder / "bad.jsonl"
    bad.write_text('{"exhibit": "JD-1", "kind": "examination", "occurred": "soon", "place": "x", "purpose": "y"}\n')
    refused = run("evidence", "import", "NCA-1", str(bad), "--as", "jo")
    assert refused.returncode == 2 and "bad.jsonl:1: occurred" in refused.stderr
    assert run("evidence", "verify", "NCA-1", "--as", "jo").returncode == 0
    keys, record = folder / "keys.json", folder / "record.zip"
    assert run("evidence", "keys", "--as", "jo", "-o", str(keys)).returncode == 0
    assert run("evidence", "export", "NCA-1", "JD-1", "--as", "jo", "-o", str(record)).returncode == 0
    checked = run("evidence", "verify", str(record), "--trust", str(keys))
    assert checked.returncode == 0 and "verified" in checked.stdout
    report = folder / "report.html"
    assert run("evidence", "report", str(record), "--trust", str(keys), "-o", str(report)).returncode == 0
    assert "Store B" in report.read_text()
    data = bytearray(record.read_bytes())
    data[len(data) // 2] ^= 0x20
    record.write_bytes(bytes(data))
    tampered = run("evidence", "verify", str(record), "--trust", str(keys))
    assert tampered.returncode == 5 and "problem" in tampered.stderr
    untrusted = run("evidence", "verify", str(record))
    assert untrusted.returncode == 2 and "--trust" in untrusted.stderr
