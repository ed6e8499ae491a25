"""`palermo db | agencies | users | cases | audit` on the embedded SQLite store: bootstrap, import with progress,
bad lines with their number, export, audit export."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PALERMO_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-c", "from palermo.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=120, env=env)


def test_bootstrap_import_export_and_audit(tmp_path: Path) -> None:
    assert run(tmp_path, "db", "upgrade").stdout.startswith("database at revision 0007 (sqlite)")
    assert run(tmp_path, "agencies", "add", "nca", "--name", "National Crime Agency", "--state", "GB",
               "--kind", "police").returncode == 0
    bad_kind = run(tmp_path, "agencies", "add", "x1", "--name", "X", "--state", "GB", "--kind", "bank")
    assert bad_kind.returncode == 2 and "kind: unknown agency kind 'bank'" in bad_kind.stderr
    admin = run(tmp_path, "users", "add", "root-admin", "--agency", "nca", "--admin", "--roles", "investigator")
    assert admin.returncode == 0 and "password (shown once):" in admin.stdout
    assert run(tmp_path, "users", "add", "aud", "--agency", "nca", "--roles", "auditor").returncode == 0
    dup = run(tmp_path, "users", "add", "aud", "--agency", "nca", "--roles", "auditor")
    assert dup.returncode == 2 and "username: 'aud' is taken" in dup.stderr
    assert run(tmp_path, "cases", "create", "NCA-7", "--title", "Car wash", "--as", "root-admin").returncode == 0

    good = tmp_path / "good.jsonl"
    good.write_text("".join(json.dumps({"id": f"p{i}", "schema": "Person", "properties": {"name": [f"P {i}"]}}) + "\n"
                            for i in range(2500)))
    imported = run(tmp_path, "cases", "import", "NCA-7", str(good), "--as", "root-admin")
    assert imported.returncode == 0, imported.stderr
    assert "2500 lines read: 2500 entities created, 0 merged" in imported.stdout
    assert "validated" in imported.stderr and "2500/2500" in imported.stderr  # the progress bar

    bad = tmp_path / "bad.jsonl"
    bad.write_text(good.read_text().splitlines()[0] + "\n" + '{"id": "q", "schema": "Persn"}\n')
    refused = run(tmp_path, "cases", "import", "NCA-7", str(bad), "--as", "root-admin")
    assert refused.returncode == 2 and "bad.jsonl:2: schema: unknown FtM schema 'Persn'" in refused.stderr

    out = tmp_path / "out.jsonl"
    assert run(tmp_path, "cases", "export", "NCA-7", "--as", "root-admin", "-o", str(out)).returncode == 0
    assert len(out.read_text().splitlines()) == 2500

    denied = run(tmp_path, "audit", "export", "--as", "root-admin")
    assert denied.returncode == 4 and "may not audit read" in denied.stderr
    trail = run(tmp_path, "audit", "export", "--as", "aud", "--format", "json")
    actions = [r["action"] for r in json.loads(trail.stdout)]
    assert {"case_create", "entity_import", "entity_export"} <= set(actions)
    missing = run(tmp_path, "cases", "export", "NOPE", "--as", "root-admin")
    assert missing.returncode == 3 and "no case 'NOPE'" in missing.stderr
