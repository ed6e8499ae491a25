"""Two installations: A records custody and exports a bundle; B, which holds nothing of A but A's public keys
(compared out of band), verifies it offline in a process of its own, and refuses it after any single byte
changes."""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from palermo.custody.bundle import verify_bundle, write_bundle
from palermo.custody.keys import SigningKey, TrustStore

from .helpers import FILE, sample_case

VERIFY_AT_B = """
import json, sys
from pathlib import Path
from palermo.custody import TrustStore, verify_bundle
trust = TrustStore.from_json(Path(sys.argv[1]).read_bytes())
report = verify_bundle(sys.argv[2], trust)
print(json.dumps(report.model_dump()))
"""


def test_a_exports_b_verifies_offline_and_refuses_any_changed_byte(tmp_path: Path) -> None:
    a, b = tmp_path / "installation-a", tmp_path / "installation-b"
    a.mkdir()
    b.mkdir()
    # installation A: its agencies' keys (private keys kept wrapped by A's store), its log
    case = sample_case()
    (a / "police.key").write_bytes(case.police.private_bytes())
    exported_keys = a / "public-keys.json"
    exported_keys.write_bytes(TrustStore(case.records).to_json())
    bundle = a / "EX-2.custody.zip"
    write_bundle(bundle, events=case.events, heads=[case.heads[6], case.heads[-1]], keys=case.records,
                 signer=SigningKey.from_private_bytes((a / "police.key").read_bytes()), exhibits=["EX-2", "EX-2a"],
                 files={hashlib.sha256(FILE).hexdigest(): FILE}, created=datetime(2026, 3, 2, tzinfo=UTC))
    # what crosses the border: the bundle and the public keys, nothing else
    (b / "received.zip").write_bytes(bundle.read_bytes())
    (b / "trusted-keys.json").write_bytes(exported_keys.read_bytes())
    trust_b = TrustStore.from_json((b / "trusted-keys.json").read_bytes())
    assert all(r.key in trust_b for r in case.records) and not list(b.glob("*.key"))

    run = subprocess.run([sys.executable, "-c", VERIFY_AT_B, "trusted-keys.json", "received.zip"], cwd=b,
                         capture_output=True, text=True, check=True, timeout=120)
    report = json.loads(run.stdout)
    assert report["ok"] is True and report["events"] == 3 and report["size"] == 12, run.stdout

    data = (b / "received.zip").read_bytes()
    rng = random.Random(12)
    changed = b / "changed.zip"
    accepted = []
    for i in range(len(data)):
        mutated = bytearray(data)
        mutated[i] = (mutated[i] + rng.randrange(1, 256)) % 256
        changed.write_bytes(bytes(mutated))
        if verify_bundle(changed, trust_b).ok:
            accepted.append(i)
    assert accepted == [], f"{len(accepted)} of {len(data)} single-byte changes were accepted"


def test_the_verifier_needs_no_database_settings_web_or_cli() -> None:
    probe = ("import sys, palermo.custody; print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
             "('sqlalchemy', 'alembic', 'fastapi', 'starlette', 'typer', 'jinja2', 'duckdb', 'psycopg') or "
             "(m.startswith('palermo.') and not m.startswith(('palermo.custody', 'palermo.errors', 'palermo.model'))))))")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    assert run.stdout.strip() == ""
