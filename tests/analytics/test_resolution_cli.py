"""`palermo resolve` on the embedded store: a run over two cases (with its progress), the queue with each pair's
weights, a judgement, the identities; bad input exits 2 naming what is wrong; another agency's user sees nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import deployment, run

PEOPLE = [("GB-1", "p1", "Ana", "Ionescu", "1990-02-03", "RO123456"), ("GB-1", "p2", "Mihai", "Popa", "1985-07-09", None),
          ("GB-1", "p3", "Elena", "Dumitru", "1979-11-30", None),
          ("GB-2", "q1", "Anna", "Ionescu", "1990-02-03", "RO123456"), ("GB-2", "q2", "Mihai", "Popa", "1985-07-09", None),
          ("GB-2", "q3", "Radu", "Stan", "1991-01-01", None)]


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    deployment(tmp_path, monkeypatch, "nca", "GB", "police", {"ana": "analyst,investigator", "lo": "legal_officer"})
    for ref in ("GB-1", "GB-2"):
        assert run("cases", "create", ref, "--title", ref, "--as", "ana").returncode == 0
        lines = [json.dumps({"id": pid, "schema": "Person", "properties": {
            "firstName": [given], "lastName": [family], "name": [f"{given} {family}"], "birthDate": [born],
            **({"idNumber": [ident]} if ident else {})}}) for case, pid, given, family, born, ident in PEOPLE
            if case == ref]
        (tmp_path / f"{ref}.jsonl").write_text("\n".join(lines) + "\n")
        assert run("cases", "import", ref, str(tmp_path / f"{ref}.jsonl"), "--as", "ana").returncode == 0
    return tmp_path


def test_run_queue_judge_clusters(store: Path) -> None:
    done = run("resolve", "run", "GB-1", "GB-2", "--as", "ana", "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["dataset"] == "GB-1+GB-2" and summary["records"] == 6 and summary["trained"] is True
    shown = run("resolve", "run", "GB-1", "GB-2", "--as", "ana")
    assert shown.returncode == 0 and "model reused" in shown.stdout
    queue = run("resolve", "queue", "GB-1+GB-2", "--as", "ana", "--json", "--limit", "50")
    assert queue.returncode == 0, queue.stderr
    pairs = json.loads(queue.stdout)
    assert all(p["reasons"] and {"feature", "weight", "level"} <= set(p["reasons"][0]) for p in pairs)
    clusters = json.loads(run("resolve", "clusters", "GB-1+GB-2", "--as", "ana", "--json").stdout)
    records = {r["entity"]: r["record"] for c in clusters for r in c["records"]} | {
        r.split(":")[1]: r for p in pairs for r in (p["left"], p["right"])}
    judged = run("resolve", "judge", records["p1"], records["q1"], "different", "--as", "ana")
    assert judged.returncode == 0, judged.stderr
    after = json.loads(run("resolve", "clusters", "GB-1+GB-2", "--as", "ana", "--json").stdout)
    assert not any({"p1", "q1"} <= {r["entity"] for r in c["records"]} for c in after)
    table = run("resolve", "queue", "GB-1+GB-2", "--as", "ana", "--why")
    assert table.returncode == 0 and "open pair" in table.stdout


def test_bad_input_and_roles(store: Path) -> None:
    bad = run("resolve", "run", "GB-1", "--as", "ana", "--dataset", "no spaces")
    assert bad.returncode == 2 and "dataset 'no spaces'" in bad.stderr
    kind = run("resolve", "run", "GB-1", "--as", "ana", "--kind", "vehicle")
    assert kind.returncode == 2 and "kind 'vehicle'" in kind.stderr
    assert run("resolve", "run", "NOPE", "--as", "ana").returncode == 3
    engine = run("resolve", "run", "GB-1", "--as", "ana", "--engine", "oracle")
    assert engine.returncode == 2 and "engine 'oracle'" in engine.stderr
    assert run("resolve", "run", "GB-1", "GB-2", "--as", "ana").returncode == 0
    verdict = run("resolve", "judge", "a:p1", "b:q1", "perhaps", "--as", "ana")
    assert verdict.returncode == 2 and "verdict 'perhaps'" in verdict.stderr
    # a legal officer reads the queue but may not judge (no entity_write)
    pairs = json.loads(run("resolve", "queue", "GB-1+GB-2", "--as", "lo", "--json").stdout)
    assert pairs
    refused = run("resolve", "judge", pairs[0]["left"], pairs[0]["right"], "same", "--as", "lo")
    assert refused.returncode == 4 and "may not entity write" in refused.stderr
