"""Benchmark: an exchange of a 100,000-entity case between two installations through their case stores, under the
example GB-RO agreement: the preview (the case read, the agreement's rules applied, the preview sealed and stored),
sealing (the bundle built, signed, encrypted to the partner and kept) and receiving (opened, every check, written
into a new foreign-origin case in one transaction). The peer in the same run: the store's own FtM import of the
same entities into a case (`Transfer.import_entities`: validation, policy, audit, search index), the usual way a
case file arrives.

    .venv/bin/python benchmarks/exchange_store.py [--entities 100000] [--postgres URL]

The sender runs on SQLite and, when PostgreSQL is reachable, on PostgreSQL; the recipient on SQLite.
Prints a table and writes benchmarks/results/exchange_store.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from argon2 import PasswordHasher
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
from ftm_data import jsonl  # type: ignore[import-not-found]

from palermo.cases import CaseStore, open_case_store
from palermo.exchange import Partners
from palermo.model import CaseDraft

RESULTS = Path(__file__).parent / "results"
AGREEMENT = Path(__file__).parents[1] / "examples" / "agreements" / "gb-ro-police-mla.yaml"
HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
console = Console(stderr=True)


def installation(folder: Path, agency: str, state: str, url: str | None) -> tuple[CaseStore, Any]:
    cs = open_case_store(folder, url=url, hasher=HASHER)
    cs.accounts.add_agency(agency, agency, state, "police")
    cs.accounts.add_user("inv", agency, ["investigator", "admin"], password="benchmark password")
    actor = cs.accounts.actor("inv")
    cs.directory.add_agreement(actor, AGREEMENT.read_text(), AGREEMENT.name)
    return cs, actor


def fresh_postgres(admin_url: str, name: str) -> str | None:
    try:
        with psycopg.connect(admin_url.replace("+psycopg", ""), autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")
    except psycopg.OperationalError:
        return None
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def timed(label: str, fn: Callable[[], Any]) -> tuple[float, Any]:
    console.print(f"  {label} …")
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def run(backend: str, url: str | None, lines: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        gb, gb_inv = installation(Path(tmp) / "gb", "GB-NCA", "GB", url)
        ro, ro_inv = installation(Path(tmp) / "ro", "RO-IGPR-DCCO", "RO", None)
        gb.directory.add_partners(gb_inv, Partners([ro.directory.card(ro_inv)]).to_json(), "ro")
        ro.directory.add_partners(ro_inv, Partners([gb.directory.card(gb_inv)]).to_json(), "gb")
        gb.cases.create(gb_inv, CaseDraft(reference="BENCH-1", title="benchmark"))
        import_s, _ = timed(f"{backend}: FtM import of {len(lines):,} entities (peer)",
                            lambda: gb.transfer.import_entities(gb_inv, "BENCH-1", lines, source="bench.jsonl"))
        preview_s, entry = timed("preview", lambda: gb.outbox.preview(
            gb_inv, "BENCH-1", agreement="gb-ro-police-mla", recipient="RO-IGPR-DCCO", purpose="investigation"))
        gb.outbox.approve(gb_inv, entry.id)
        seal_s, (_, bundle) = timed("seal", lambda: gb.outbox.seal(gb_inv, entry.id))
        receive_s, got = timed("receive", lambda: ro.inbox.receive(ro_inv, bundle))
        travelled = got.counts["entities"]
        gb.dispose()
        ro.dispose()
    return {"sender_backend": backend, "entities": len(lines), "travelled": travelled,
            "withheld": entry.counts.get("withheld", 0), "bundle_bytes": len(bundle),
            "peer_import_s": round(import_s, 2), "peer_import_per_s": round(len(lines) / import_s),
            "preview_s": round(preview_s, 2), "preview_per_s": round(len(lines) / preview_s),
            "seal_s": round(seal_s, 2), "seal_per_s": round(travelled / seal_s),
            "receive_s": round(receive_s, 2), "receive_per_s": round(travelled / receive_s)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    lines = list(jsonl(args.entities))
    results = [run("sqlite", None, lines)]
    url = fresh_postgres(args.postgres, "palermo_bench_exchange")
    if url:
        results.append(run("postgresql", url, lines))
    table = Table("sender", "entities", "travel", "FtM import (peer)", "preview", "seal", "receive (recipient)")
    for r in results:
        table.add_row(r["sender_backend"], f"{r['entities']:,}", f"{r['travelled']:,}",
                      f"{r['peer_import_per_s']:,}/s", f"{r['preview_per_s']:,}/s", f"{r['seal_per_s']:,}/s",
                      f"{r['receive_per_s']:,}/s")
    Console().print(table)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "exchange_store.json").write_text(json.dumps({
        "when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": platform.platform(),
        "note": "one run: the peer is the store's FtM import of the same entities into the sender's case; preview "
                "= case read + agreement rules + preview sealed under the agency key; seal = bundle built, "
                "signed (Ed25519), encrypted (HPKE) and kept; receive = opened, every check, written into a new "
                "foreign-origin case in one transaction (recipient on SQLite). Entities not permitted by the "
                "agreement (Address) stay with the sender.",
        "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
