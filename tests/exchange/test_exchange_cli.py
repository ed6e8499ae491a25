"""`palermo exchange` between two installations with a carried file: agreements held, cards swapped, a preview
approved and sealed to a file, imported at the other end; bad input exits 2, a refused bundle 5, nothing written."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.test_cli import run

from .helpers import AGREEMENTS, GB, MLA, RO


def within(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    monkeypatch.setenv("PALERMO_DATA_DIR", str(folder))


def setup(monkeypatch: pytest.MonkeyPatch, folder: Path, agency: str, state: str) -> None:
    within(monkeypatch, folder)
    assert run("db", "upgrade").returncode == 0
    assert run("agencies", "add", agency, "--name", agency, "--state", state, "--kind", "police").returncode == 0
    assert run("users", "add", "inv", "--agency", agency, "--roles", "investigator").returncode == 0
    assert run("users", "add", "boss", "--agency", agency, "--admin").returncode == 0
    done = run("exchange", "agreement-add", str(AGREEMENTS / "gb-ro-police-mla.yaml"), "--as", "boss")
    assert done.returncode == 0 and re.search(r"SHA-256 [0-9a-f]{64}", done.stdout), done.stderr
    assert run("exchange", "card", "--as", "inv", "--out", str(folder / "card.json")).returncode == 0


def partners(monkeypatch: pytest.MonkeyPatch, root: Path) -> tuple[Path, Path]:
    """A British and a Romanian deployment under ``root``, each holding the other's card; work goes on in the
    British one."""
    for name in ("PALERMO_DATABASE_URL", "PALERMO_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    gb, ro = root / "gb", root / "ro"
    setup(monkeypatch, gb, GB, "GB")
    setup(monkeypatch, ro, RO, "RO")
    assert run("exchange", "partner-add", str(gb / "card.json"), "--as", "boss").returncode == 0
    within(monkeypatch, gb)
    assert run("exchange", "partner-add", str(ro / "card.json"), "--as", "boss").returncode == 0
    return gb, ro


def test_a_bundle_carried_as_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gb, ro = partners(monkeypatch, tmp_path)
    assert run("cases", "create", "GB-OP-1", "--title", "Operation Loom", "--as", "inv").returncode == 0
    people = gb / "people.jsonl"
    people.write_text(json.dumps({"id": "p-suspect", "schema": "Person", "properties": {
        "name": ["Ion Popescu"], "religion": ["orthodox"]}}) + "\n" + json.dumps(
        {"id": "car-1", "schema": "Vehicle", "properties": {"name": ["white van"]}}) + "\n")
    assert run("cases", "import", "GB-OP-1", str(people), "--as", "inv").returncode == 0

    wrong = run("exchange", "preview", "GB-OP-1", "--agreement", MLA, "--to", RO, "--purpose", "intelligence",
                "--as", "inv")
    assert wrong.returncode == 4 and "purpose" in wrong.stderr  # outside the agreement: refused
    shown = run("exchange", "preview", "GB-OP-1", "--agreement", MLA, "--to", RO, "--purpose", "investigation",
                "--as", "inv", "--json")
    assert shown.returncode == 0, shown.stderr
    entry = json.loads(shown.stdout)
    assert [e["id"] for e in entry["entities"]] == ["p-suspect"]
    assert [(w["id"], w["rule"]) for w in entry["withheld"]] == [("car-1", "schema_not_permitted")]
    assert [(r["entity"], r["property"]) for r in entry["removed"]] == [("p-suspect", "religion")]
    assert run("exchange", "approve", entry["id"], "--as", "inv").returncode == 0
    bundle = tmp_path / "to-ro.palermo"
    sent = run("exchange", "send", entry["id"], "--as", "inv", "--out", str(bundle))
    assert sent.returncode == 0 and "sealed" in sent.stdout, sent.stderr

    within(monkeypatch, ro)
    broken = tmp_path / "broken.palermo"
    broken.write_bytes(bundle.read_bytes()[:-100])
    refused = run("exchange", "import", str(broken), "--as", "inv")
    assert refused.returncode == 5, refused.stderr
    assert run("exchange", "import", str(tmp_path / "missing"), "--as", "inv").returncode == 2
    got = run("exchange", "import", str(bundle), "--as", "inv")
    assert got.returncode == 0 and "1 entities, handling evidence/recipient/prior_consent" in got.stdout, got.stderr
    listed = run("exchange", "inbox", "--as", "inv", "--json")
    assert [(e["sender"], e["status"]) for e in json.loads(listed.stdout)] == [(GB, "imported")]
    assert run("exchange", "import", str(bundle), "--as", "inv").returncode == 5  # a replay
