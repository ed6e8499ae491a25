"""`palermo linkage` between two installations, the signed messages carried as files: start, join, receive,
confirm, reveal; each side lists only its own matched persons; an altered file exits 5."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import run

from ..exchange.helpers import RO
from ..exchange.test_exchange_cli import partners, within
from .test_runs import GB_PEOPLE, RO_PEOPLE


def persons(folder: Path, reference: str, rows: list[tuple[str, str, str, str]]) -> None:
    assert run("cases", "create", reference, "--title", "persons", "--as", "inv").returncode == 0
    lines = folder / f"{reference}.jsonl"
    lines.write_text("".join(json.dumps({"id": i, "schema": "Person", "properties": {
        "name": [n], "firstName": [n.split()[0]], "lastName": [n.split()[1]], "birthDate": [b], "gender": [s]}}) + "\n"
        for i, n, b, s in rows))
    assert run("cases", "import", reference, str(lines), "--as", "inv").returncode == 0


def test_linkage_with_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gb, ro = partners(monkeypatch, tmp_path)
    within(monkeypatch, ro)
    persons(ro, "RO-LINK", RO_PEOPLE)
    within(monkeypatch, gb)
    persons(gb, "GB-LINK", GB_PEOPLE)

    m = {n: tmp_path / f"m{n}.json" for n in range(1, 6)}
    started = run("linkage", "start", "GB-LINK", "--to", RO, "--out", str(m[1]), "--as", "inv", "--json")
    assert started.returncode == 0, started.stderr
    exchange = json.loads(started.stdout)["exchange"]
    within(monkeypatch, ro)
    altered = tmp_path / "altered.json"
    altered.write_text(m[1].read_text().replace('"threshold":0.7', '"threshold":0.6'))
    assert run("linkage", "join", "RO-LINK", str(altered), "--as", "inv").returncode == 5
    assert run("linkage", "join", "RO-LINK", str(m[1]), "--out", str(m[2]), "--as", "inv").returncode == 0
    within(monkeypatch, gb)
    matched = run("linkage", "receive", str(m[2]), "--out", str(m[3]), "--as", "inv")
    assert matched.returncode == 0 and "3 match(es) among 4 and 5 persons" in matched.stdout
    assert run("linkage", "answer", exchange, "--confirm", "--as", "inv").returncode == 0
    within(monkeypatch, ro)
    assert run("linkage", "receive", str(m[3]), "--as", "inv").returncode == 0
    assert run("linkage", "answer", exchange, "--confirm", "--out", str(m[4]), "--as", "inv").returncode == 0
    within(monkeypatch, gb)
    revealed = run("linkage", "receive", str(m[4]), "--out", str(m[5]), "--as", "inv")
    assert revealed.returncode == 0 and "Ion Marin" in revealed.stdout and "Elena" not in revealed.stdout
    within(monkeypatch, ro)
    theirs = run("linkage", "receive", str(m[5]), "--as", "inv")
    assert theirs.returncode == 0 and "Maria Ionesku" in theirs.stdout and "Peter" not in theirs.stdout
