"""Benchmark: appending signed custody events to case logs in the database, with concurrent appenders, next to
the raw cost of what every append must do (two Ed25519 signatures, the SHA-256 hashes) measured in the same run.

    .venv/bin/python benchmarks/custody_append.py [--events 2000] [--appenders 1 4 8] [--cases 1 8] [--postgres URL]

Each appender is a thread with its own connection acting as an investigator; with several cases, appenders
spread over them (each case's log is serialised by its row lock, different cases append in parallel). Writes
benchmarks/results/custody_append.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
from import_entities import fresh_postgres

from palermo.cases import CaseStore, open_case_store
from palermo.custody.keys import SigningKey
from palermo.custody.merkle import leaf_hash
from palermo.model import CaseDraft, CustodyAct, ExhibitDraft

RESULTS = Path(__file__).parent / "results"
console = Console(stderr=True)


def raw_limit(n: int = 2000) -> dict[str, float]:
    """Per second, on one core: the two signatures and the hashing an append needs, nothing else."""
    key = SigningKey.generate()
    event = b'{"event":' + b"x" * 600 + b"}"
    start = time.perf_counter()
    for _ in range(n):
        key.sign(event)
        key.sign(event[:200])
        leaf_hash(event)
    seconds = time.perf_counter() - start
    return {"appends_per_s_one_core": round(n / seconds)}


def setup(data_dir: Path, url: str | None, cases: int) -> tuple[CaseStore, object]:
    cs = open_case_store(data_dir, url=url, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    cs.accounts.add_agency("bench", "Benchmark agency", "GB", "police")
    cs.accounts.add_user("bench", "bench", "investigator", password="benchmark password")
    actor = cs.accounts.actor("bench")
    for c in range(cases):
        cs.cases.create(actor, CaseDraft(reference=f"BENCH-{c}", title="benchmark"))
    return cs, actor


def run(cs: CaseStore, actor: object, events: int, appenders: int, cases: int, batch: int = 1) -> float:
    """Seconds to append ``events`` examinations with ``appenders`` threads over ``cases`` case logs, ``batch``
    acts per call (one transaction and one signed tree head per call)."""
    exhibits = []
    for a in range(appenders):
        ref = f"BENCH-{a % cases}"
        label = f"X-{a}-{time.monotonic_ns()}"
        cs.evidence.register(actor, ref, ExhibitDraft(  # type: ignore[arg-type]
            label=label, description="phone", kind="physical", legal_basis="warrant", seized_in="GB",
            seized_at=datetime(2019, 3, 1, tzinfo=UTC), place="Walsall", holder="DC Doe"))
        exhibits.append((ref, label))
    act = CustodyAct(kind="examination", occurred=datetime(2019, 3, 2, tzinfo=UTC), place="lab", purpose="bench",
                     details={"method": "photographed"})
    per = events // appenders
    errors: list[Exception] = []

    def work(ref: str, label: str) -> None:
        try:
            for _ in range(per // batch):
                cs.evidence.acts(actor, ref, [(label, act)] * batch)  # type: ignore[arg-type]
        except Exception as exc:  # reported after the run
            errors.append(exc)

    threads = [threading.Thread(target=work, args=x) for x in exhibits]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    if errors:
        raise errors[0]
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--appenders", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--cases", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 100])
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    limit = raw_limit()
    results = []
    for backend in ("postgresql", "sqlite"):
        for cases in args.cases:
            for appenders in args.appenders:
                for batch in args.batches:
                    with tempfile.TemporaryDirectory() as tmp:
                        url = None if backend == "sqlite" else fresh_postgres(args.postgres, "palermo_bench_custody")
                        cs, actor = setup(Path(tmp), url, cases)
                        console.print(f"{backend}: {args.events} appends, {appenders} appenders, {cases} case(s), "
                                      f"{batch} per call")
                        seconds = run(cs, actor, args.events, appenders, cases, batch)
                        done = (args.events // appenders // batch) * batch * appenders
                        assert all(cs.evidence.verify(actor, f"BENCH-{c}").ok  # type: ignore[arg-type]
                                   for c in range(cases))
                        cs.store.dispose()
                    results.append({"backend": backend, "cases": cases, "appenders": appenders, "batch": batch,
                                    "events": done, "seconds": round(seconds, 2),
                                    "appends_per_s": round(done / seconds)})
    table = Table("backend", "case logs", "appenders", "acts per call", "events", "seconds", "appends/s",
                  "vs raw (1 core)")
    for r in results:
        table.add_row(r["backend"], str(r["cases"]), str(r["appenders"]), str(r["batch"]), f"{r['events']:,}",
                      f"{r['seconds']:.2f}", f"{r['appends_per_s']:,}",
                      f"{r['appends_per_s'] / limit['appends_per_s_one_core']:.2f}")
    Console().print(table)
    Console().print(f"raw limit: {limit['appends_per_s_one_core']:,} appends/s on one core (2 signatures + hash)")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "custody_append.json").write_text(json.dumps({
        "when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": platform.platform(),
        "cpus": os.cpu_count(), "raw": limit, "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
