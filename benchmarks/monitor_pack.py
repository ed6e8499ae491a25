"""Benchmark: the trafficking red-flag pack on generated transactions (default 10 million), on DuckDB and Spark.

Measures, in one run on one machine: generation; ingest of the same transactions from Parquet and from CSV (full
validation + insert); the whole pack on DuckDB; the learned layer's per-account features on DuckDB; one plain DuckDB scan of the same table (the practical limit:
every column read once) and the pack's ratio to it; recall and precision per typology; the same pack on Spark in
local mode over the same data, with a check that Spark's alerts equal DuckDB's.

    .venv/bin/python benchmarks/monitor_pack.py [--transactions 10000000] [--no-spark] [--no-csv]

Prints a table and writes benchmarks/results/monitor_pack.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from palermo.finance.evaluate import evaluate
from palermo.finance.features import account_features
from palermo.finance.generator import generate
from palermo.finance.ingest import ingest_file
from palermo.finance.ledger import Ledger
from palermo.finance.monitor import monitor
from palermo.finance.rules import load_pack

RESULTS = Path(__file__).parent / "results"
console = Console(stderr=True)
SCAN = """SELECT COUNT(*), SUM(amount), MIN(ts), MAX(ts), COUNT(DISTINCT source), COUNT(target), COUNT(channel),
                 COUNT(category), COUNT(location), COUNT(memo), COUNT(tx_id) FROM transactions"""


def timed(label: str, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    console.print(f"[bold]{label}[/] ...")
    started = time.perf_counter()
    value = fn(*args, **kwargs)
    seconds = time.perf_counter() - started
    console.print(f"  {label}: {seconds:.1f} s")
    return value, seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--transactions", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument("--no-csv", action="store_true")
    args = parser.parse_args()
    n = args.transactions
    tmp = Path(tempfile.mkdtemp(prefix="palermo-bench-"))
    result: dict[str, object] = {
        "benchmark": "monitor_pack", "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "transactions_requested": n, "seed": args.seed,
    }
    source = Ledger(tmp / "generated.duckdb")
    labels, result["generate_s"] = timed("generate", generate, source, n, seed=args.seed)
    rows = source.count("transactions")
    result["transactions"] = rows
    result["planted_instances"] = len(labels)
    parquet = tmp / "transactions.parquet"
    source.con.execute(f"COPY transactions TO '{parquet}' (FORMAT parquet)").fetchall()
    exported = {"parquet": parquet}
    if not args.no_csv:
        csv = tmp / "transactions.csv"
        source.con.execute(f"COPY transactions TO '{csv}' (HEADER)").fetchall()
        exported["csv"] = csv
    parties = tmp / "parties.parquet"
    source.con.execute(f"COPY parties TO '{parties}' (FORMAT parquet)").fetchall()
    source.close()

    ingest: dict[str, float] = {}
    for fmt, path in exported.items():
        target = Ledger(tmp / f"ingest-{fmt}.duckdb")
        report, seconds = timed(f"ingest {fmt}", ingest_file, target, path)
        assert report.rows == rows
        ingest[fmt] = round(seconds, 2)
        if fmt != "parquet":
            target.close()
            (tmp / f"ingest-{fmt}.duckdb").unlink()
    result["ingest_s"] = ingest
    ledger = Ledger(tmp / "ingest-parquet.duckdb")
    ledger.con.execute(f"INSERT INTO parties SELECT * FROM read_parquet('{parties}')").fetchall()

    pack = load_pack()
    ledger.rows(SCAN)  # warm: the scan and the pack both read a warm table
    _, scan_s = timed("plain DuckDB scan", ledger.rows, SCAN)
    duck, pack_s = timed("pack on DuckDB", monitor, ledger, pack)
    features, features_s = timed("learned layer's features on DuckDB", account_features, ledger)
    result["duckdb"] = {
        "scan_s": round(scan_s, 3), "pack_s": round(pack_s, 2), "transactions_per_s": round(rows / pack_s),
        "ratio_pack_to_scan": round(pack_s / scan_s, 1), "alerts": len(duck.alerts), "rule_s": duck.seconds,
        "threads": ledger.rows("SELECT current_setting('threads')")[0][0],
        "features_s": round(features_s, 2), "feature_accounts": len(features),
    }
    quality = evaluate(duck.alerts, labels)
    result["quality"] = {q.typology: {"planted": q.planted, "found": q.found, "recall": round(q.recall, 3),
                                      "alerts": q.alerts, "precision": round(q.precision, 3)} for q in quality}
    true = sum(q.true_alerts for q in quality)
    result["precision_all"] = round(true / max(1, len(duck.alerts)), 3)
    ledger.export_parquet(tmp / "spark")
    ledger.close()

    if not args.no_spark:
        from palermo.finance.spark import SparkEngine

        spark, start_s = timed("start Spark local[*]", SparkEngine,
                               {"transactions": tmp / "spark" / "transactions.parquet",
                                "parties": tmp / "spark" / "parties.parquet"},
                               master="local[*]", config={"spark.driver.memory": "12g"})
        on_spark, spark_s = timed("pack on Spark", monitor, spark, pack)
        spark.stop()
        same = [a.model_dump() for a in on_spark.alerts] == [a.model_dump() for a in duck.alerts]
        result["spark"] = {"master": "local[*]", "start_s": round(start_s, 1), "pack_s": round(spark_s, 1),
                           "transactions_per_s": round(rows / spark_s), "alerts": len(on_spark.alerts),
                           "identical_to_duckdb": same, "rule_s": on_spark.seconds,
                           "ratio_to_duckdb": round(spark_s / pack_s, 1)}

    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "monitor_pack.json"
    out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    table = Table(title=f"Trafficking pack on {rows:,} transactions ({os.cpu_count()} cores)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("generate", f"{result['generate_s']:.1f} s")
    for fmt, s in ingest.items():
        table.add_row(f"ingest {fmt} (validate + insert)", f"{s:.1f} s ({rows / s:,.0f} rows/s)")
    d = result["duckdb"]
    assert isinstance(d, dict)
    table.add_row("plain DuckDB scan", f"{d['scan_s']:.2f} s")
    table.add_row(f"pack on DuckDB ({len(pack.rules)} rules)", f"{d['pack_s']:.1f} s ({d['transactions_per_s']:,} tx/s)")
    table.add_row("pack / plain scan", f"{d['ratio_pack_to_scan']}x")
    table.add_row("learned layer's features", f"{d['features_s']:.1f} s ({d['feature_accounts']:,} accounts)")
    table.add_row("alerts, precision", f"{d['alerts']:,}, {result['precision_all']}")
    if "spark" in result:
        s = result["spark"]
        assert isinstance(s, dict)
        table.add_row("pack on Spark local[*]", f"{s['pack_s']:.1f} s (identical alerts: {s['identical_to_duckdb']})")
    console.print(table)
    console.print(f"wrote {out}")


if __name__ == "__main__":
    main()
