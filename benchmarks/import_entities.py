"""Benchmark: import 100,000 FtM entities into one case, on SQLite and PostgreSQL, next to a plain SQLAlchemy Core
bulk insert of the same entity and search rows (no validation, no policy, no audit) as the reference.

    .venv/bin/python benchmarks/import_entities.py [--entities 100000] [--postgres URL]

Prints a table and writes benchmarks/results/import_entities.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from argon2 import PasswordHasher
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).parent))
from ftm_data import jsonl  # type: ignore[import-not-found]

from palermo import ftm
from palermo.cases import CaseStore, open_case_store
from palermo.cases import tables as t
from palermo.model import CaseDraft

RESULTS = Path(__file__).parent / "results"
console = Console(stderr=True)


def fresh_postgres(admin_url: str, name: str) -> str:
    with psycopg.connect(admin_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def setup(data_dir: Path, url: str | None) -> tuple[CaseStore, object]:
    cs = open_case_store(data_dir, url=url, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    cs.accounts.add_agency("bench", "Benchmark agency", "GB", "police")
    cs.accounts.add_user("bench", "bench", "investigator", password="benchmark password")
    actor = cs.accounts.actor("bench")
    cs.cases.create(actor, CaseDraft(reference="BENCH-1", title="benchmark"))
    return cs, actor


def palermo_import(cs: CaseStore, actor: object, lines: list[str]) -> tuple[float, float]:
    """Seconds for the whole import, and of them the seconds until every line was validated."""
    columns = (TextColumn("{task.description:>22}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    validated = 0.0

    def advance(phase: str, n: int) -> None:
        nonlocal validated
        bar.advance(tasks[phase], n)
        if phase == "validated":
            validated = time.perf_counter()

    with Progress(*columns, console=console) as bar:
        tasks = {p: bar.add_task(f"{cs.store.engine.dialect.name} {p}", total=len(lines))
                 for p in ("validated", "written")}
        start = time.perf_counter()
        report = cs.transfer.import_entities(actor, "BENCH-1", lines, source="bench.jsonl",  # type: ignore[arg-type]
                                              progress=advance)
        elapsed = time.perf_counter() - start
    assert report.created == len(lines), report
    return elapsed, validated - start


def core_rows(lines: list[str], case_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The same rows the import writes, prepared outside the timing."""
    stamp = datetime.now(UTC)
    rows, docs = [], []
    for _, proxy in ftm.parse_lines(lines, "bench.jsonl"):
        rows.append({"case_id": case_id, "id": proxy.id, "schema": proxy.schema.name, "caption": ftm.caption(proxy),
                     "properties": proxy.to_dict()["properties"], "countries": ftm.countries(proxy), "sealed": None,
                     "source": "bench.jsonl", "version": 1, "created_by": "bench", "created_at": stamp,
                     "updated_by": "bench", "updated_at": stamp})
        docs.append({"case_id": case_id, "kind": "entity", "ref": proxy.id, "body": ftm.search_text(proxy)})
    return rows, docs


def core_insert(cs: CaseStore, rows: list[dict[str, Any]], docs: list[dict[str, Any]]) -> float:
    """The reference's seconds. The rows it is handed are frozen out of the garbage collector's passes first, as
    Palermo holds its validated entities in a form the collector does not track: the same chance for both."""
    gc.collect()
    gc.freeze()
    try:
        start = time.perf_counter()
        with cs.store.engine.begin() as conn:  # the login role: no row-level security, no audit, one transaction
            for i in range(0, len(rows), 2000):
                conn.execute(insert(t.entity), rows[i:i + 2000])
                conn.execute(insert(t.search_doc), docs[i:i + 2000])
        return time.perf_counter() - start
    finally:
        gc.unfreeze()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    lines = jsonl(args.entities)
    results: list[dict[str, Any]] = []
    for backend in ("sqlite", "postgresql"):
        for variant in ("palermo import", "SQLAlchemy Core bulk insert"):
            with tempfile.TemporaryDirectory() as tmp:
                url = None if backend == "sqlite" else fresh_postgres(args.postgres, "palermo_bench_import")
                cs, actor = setup(Path(tmp), url)
                phases: dict[str, float] = {}
                if variant == "palermo import":
                    seconds, validating = palermo_import(cs, actor, lines)
                    phases = {"validating_s": round(validating, 2), "writing_s": round(seconds - validating, 2)}
                else:
                    case_id = cs.cases.get(actor, "BENCH-1").id  # type: ignore[arg-type]
                    rows, docs = core_rows(lines, case_id)
                    seconds = core_insert(cs, rows, docs)
                with cs.store.engine.connect() as conn:
                    count = conn.exec_driver_sql("SELECT count(*) FROM entity").scalar()
                assert count == len(lines), count
                cs.store.dispose()
            results.append({"backend": backend, "variant": variant, "entities": len(lines),
                            "seconds": round(seconds, 2), "entities_per_s": round(len(lines) / seconds), **phases})
    table = Table("backend", "variant", "entities", "seconds", "of which validating", "entities/s", "palermo / core")
    for r in results:
        core = next(x for x in results if x["backend"] == r["backend"] and x["variant"] != "palermo import")
        ratio = f"{r['entities_per_s'] / core['entities_per_s']:.2f}" if r["variant"] == "palermo import" else ""
        table.add_row(r["backend"], r["variant"], f"{r['entities']:,}", f"{r['seconds']:.2f}",
                      f"{r['validating_s']:.2f}" if "validating_s" in r else "", f"{r['entities_per_s']:,}", ratio)
    Console(width=130).print(table)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "import_entities.json").write_text(json.dumps({
        "when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": platform.platform(),
        "cpus": __import__("os").cpu_count(), "note": "palermo import = every line validated with followthemoney "
        "(values cleaned once per file) + merge of fragments + policy + audit + search index, one transaction "
        "(validating_s: until the last line is validated; writing_s: the rest, rows written by Palermo's own bulk "
        "path); Core = the same prepared rows (validated outside the timing, frozen out of the garbage collector), "
        "SQLAlchemy Core insert() executemany, one transaction, no row-level security; both in this one run",
        "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
