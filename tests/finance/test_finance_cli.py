from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from palermo.cli import main; main()", *args],
                          capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def test_generate_monitor_alerts_report(tmp_path: Path, shared_data: Callable[[str], Path]) -> None:
    ledger = str(tmp_path / "l.duckdb")
    done = run("finance", "generate", "--transactions", "20000", "--ledger", ledger, "--labels", "labels.jsonl",
               cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "labels.jsonl").read_text().count("\n") > 100
    done = run("finance", "monitor", "--ledger", ledger, "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["engine"] == "duckdb" and found["new"] == len(found["alerts"]) > 0
    listed = json.loads(run("finance", "alerts", "--ledger", ledger, "--rule", "cycle", "--json", cwd=tmp_path).stdout)
    assert listed and all(a["rule"] == "cycle" for a in listed)
    xsd = shared_data("goaml_schema") / "goAMLSchema_v5.0.1.xsd"
    done = run("finance", "report", listed[0]["id"], "--reference", "STR-1", "--out", "str.xml", "--xsd", str(xsd),
               "--ledger", ledger, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "str.xml").read_text().startswith("<?xml")
    done = run("finance", "report", "alr-nope", "--reference", "X", "--out", "x.xml", "--xsd", str(xsd),
               "--ledger", ledger, cwd=tmp_path)
    assert done.returncode == 3 and "no alert 'alr-nope'" in done.stderr and not (tmp_path / "x.xml").exists()


def test_bad_input_exits_2(tmp_path: Path) -> None:
    (tmp_path / "tx.csv").write_text("tx_id,ts,source,target,amount,currency,channel\n"
                                     "1,2025-01-01 10:00:00,A,B,10,EUR,transfer\n"
                                     "2,yesterday,A,B,10,EUR,transfer\n")
    done = run("finance", "ingest", "tx.csv", "--ledger", "l.duckdb", cwd=tmp_path)
    assert done.returncode == 2
    assert "tx.csv:3: ts: not a date and time: yesterday; nothing was loaded" in done.stderr
    (tmp_path / "rules.yaml").write_text("version: 1\npack: x\npack_version: '1'\nrules:\n  - id: r\n")
    done = run("finance", "rules", "--typologies", "rules.yaml", cwd=tmp_path)
    assert done.returncode == 2 and "rules.yaml:5" in done.stderr


def test_each_agency_has_its_own_ledger_and_reading_creates_none(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_cli import deployment
    from tests.test_cli import run as palermo

    deployment(tmp_path, monkeypatch, "fr-fiu", "FR", "fiu", {"ana": "analyst"})
    monkeypatch.setenv("PALERMO_LEDGER", str(tmp_path / "ledgers"))
    assert palermo("finance", "rules").returncode == 0 and palermo("finance", "alerts").returncode == 0
    assert palermo("finance", "hits").returncode == 0 and palermo("finance", "decisions").returncode == 0
    assert not (tmp_path / "ledgers").exists() and not (tmp_path / "data" / "finance.duckdb").exists()
    assert palermo("agencies", "add", "ro-police", "--name", "IGPR", "--state", "RO", "--kind", "police").returncode == 0
    which = palermo("finance", "generate", "--transactions", "2000")
    assert which.returncode == 2 and "which agency's ledger" in which.stderr and "fr-fiu, ro-police" in which.stderr
    unknown = palermo("finance", "--agency", "de-bka", "alerts")
    assert unknown.returncode == 2 and "no agency 'de-bka'" in unknown.stderr
    made = palermo("finance", "--agency", "fr-fiu", "generate", "--transactions", "2000")
    assert made.returncode == 0, made.stderr
    assert sorted(p.name for p in (tmp_path / "ledgers").iterdir()) == ["fr-fiu.duckdb"]
    assert palermo("finance", "--agency", "fr-fiu", "monitor").returncode == 0
    fiu = json.loads(palermo("finance", "--agency", "fr-fiu", "alerts", "--json").stdout)
    police = json.loads(palermo("finance", "--agency", "ro-police", "alerts", "--json").stdout)
    assert fiu and police == []
    assert sorted(p.name for p in (tmp_path / "ledgers").iterdir()) == ["fr-fiu.duckdb"]


def test_a_report_for_the_uae_fiu_from_the_command_line(tmp_path: Path, shared_data: Callable[[str], Path]) -> None:
    ledger = str(tmp_path / "l.duckdb")
    assert run("finance", "generate", "--transactions", "5000", "--ledger", ledger, cwd=tmp_path).returncode == 0
    assert run("finance", "monitor", "--ledger", ledger, cwd=tmp_path).returncode == 0
    listed = json.loads(run("finance", "alerts", "--ledger", ledger, "--json", cwd=tmp_path).stdout)
    xsd = shared_data("goaml_schema") / "goAMLSchema_v5.0.2_UAE.xsd"
    done = run("finance", "report", listed[0]["id"], "--reference", "STR-AE-1", "--out", "str.xml", "--xsd", str(xsd),
               "--profile", "uae", "--ledger", ledger, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "<currency_code_local>AED</currency_code_local>" in (tmp_path / "str.xml").read_text()
    unknown = run("finance", "report", listed[0]["id"], "--reference", "R", "--out", "x.xml", "--xsd", str(xsd),
                  "--profile", "atlantis", "--ledger", ledger, cwd=tmp_path)
    assert unknown.returncode == 2 and "no packaged goAML profile 'atlantis'" in unknown.stderr
    assert "generic, uae" in unknown.stderr and not (tmp_path / "x.xml").exists()


def test_an_older_single_ledger_is_pointed_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_cli import deployment
    from tests.test_cli import run as palermo

    deployment(tmp_path, monkeypatch, "fr-fiu", "FR", "fiu", {})
    monkeypatch.delenv("PALERMO_LEDGER", raising=False)
    (tmp_path / "data" / "finance.duckdb").write_bytes(b"")
    said = palermo("finance", "alerts")
    assert said.returncode == 0 and "finance.duckdb is the single ledger of an older Palermo" in said.stderr
    assert "finance/AGENCY.duckdb" in said.stderr
