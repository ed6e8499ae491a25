"""Benchmark: API read throughput of a case's entity pages (50 entities per page) under 50 concurrent clients,
next to a bare FastAPI endpoint serving a page of the same size, in the same run on the same machine.

    .venv/bin/python benchmarks/api_read.py [--entities 10000] [--seconds 15] [--workers 1 2] [--postgres URL]

Load generator: wrk (Debian package `wrk`), 2 threads, 50 connections, on loopback, after a 3 s warm-up. Palermo
and the bare page run with the same number of worker processes, started the same way (`palermo.cli.server`:
one SO_REUSEPORT socket per process). Deep pages are read two ways: `offset=5000`, and
the keyset cursor a client following `next` would send for the same rows. Writes benchmarks/results/api_read.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
from ftm_data import jsonl
from import_entities import fresh_postgres, setup

HERE = Path(__file__).parent
RESULTS = HERE / "results"
console = Console(stderr=True)
PATH = "/api/cases/BENCH-1/entities?limit=50&{window}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(app: str, env: dict[str, str], workers: int) -> tuple[subprocess.Popen[bytes], str]:
    """Start a server the way `palermo serve --workers N` does (one SO_REUSEPORT socket per process), for Palermo
    and the bare page alike."""
    port = free_port()
    code = (f"from palermo.cli.server import serve; serve({app!r}, host='127.0.0.1', port={port}, "
            f"workers={workers}, factory={app.endswith('create_app')})")
    proc = subprocess.Popen([sys.executable, "-c", code], env={**os.environ, **env}, cwd=HERE)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(base + "/docs", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        proc.kill()
        raise RuntimeError(f"{app} did not start")
    time.sleep(1)  # every worker up, not only the first to answer
    return proc, base


def load(url: str, token: str, seconds: int) -> dict[str, float]:
    """Run wrk against one URL (after a 3 s warm-up run that is not counted); requests/s and latency in ms."""
    if shutil.which("wrk") is None:
        raise SystemExit("install Debian's wrk: apt-get install wrk")
    subprocess.run(["wrk", "-t2", "-c50", "-d3s", "-H", f"Authorization: Bearer {token}", url], capture_output=True,
                   check=True)
    out = subprocess.run(["wrk", "-t2", "-c50", f"-d{seconds}s", "--timeout", "10s", "--latency", "-H", f"Authorization: Bearer {token}",
                          url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    timeouts = re.search(r"timeout (\d+)", out)
    pct = {p: _ms(re.search(rf"\s{p}%\s+([\d.]+\w+)", out).group(1)) for p in ("50", "99")}  # type: ignore[union-attr]
    return {"requests_per_s": rps, "p50_ms": pct["50"], "p99_ms": pct["99"],
            "non_2xx": int(errors.group(1)) if errors else 0, "timeouts_10s": int(timeouts.group(1)) if timeouts else 0}


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return round(float(number) * {"us": 0.001, "ms": 1, "s": 1000}[unit], 2)


def cursor_at(base: str, token: str, offset: int) -> str:
    """The `after` cursor a client following `next` holds when it reaches this offset."""
    page = httpx.get(base + PATH.format(window=f"offset={offset - 50}"), headers={"authorization": f"Bearer {token}"})
    return str(page.json()["next"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entities", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    results = []
    lines = jsonl(args.entities)
    deep = args.entities // 2
    for backend in ("sqlite", "postgresql"):
        with tempfile.TemporaryDirectory() as tmp:
            url = None if backend == "sqlite" else fresh_postgres(args.postgres, "palermo_bench_api")
            cs, actor = setup(Path(tmp), url)
            cs.transfer.import_entities(actor, "BENCH-1", lines, source="bench.jsonl")  # type: ignore[arg-type]
            token = cs.accounts.issue_token(actor, "bench")  # type: ignore[arg-type]
            if url:  # what autovacuum does within a minute of a bulk import in steady state
                with cs.store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.exec_driver_sql("VACUUM ANALYZE")
            cs.store.dispose()
            env = {"PALERMO_DATA_DIR": tmp, "PALERMO_DATABASE_URL": url or ""}
            for workers in args.workers:
                proc, base = serve("palermo.web:create_app", env, workers)
                try:
                    windows = {"offset 0": "offset=0", f"offset {deep}": f"offset={deep}",
                               f"cursor at {deep}": "after=" + cursor_at(base, token, deep)}
                    for label, window in windows.items():
                        page = httpx.get(base + PATH.format(window=window),
                                         headers={"authorization": f"Bearer {token}"})
                        assert page.status_code == 200 and len(page.json()["items"]) == 50, page.text[:200]
                        console.print(f"{backend}, {workers} worker(s): loading {label} for {args.seconds}s")
                        results.append({"server": f"palermo ({backend})", "workers": workers, "page": label,
                                        "bytes": len(page.content),
                                        **load(base + PATH.format(window=window), token, args.seconds)})
                    sample = Path(tmp) / "page.json"
                    sample.write_bytes(httpx.get(base + PATH.format(window="offset=0"),
                                                 headers={"authorization": f"Bearer {token}"}).content)
                finally:
                    proc.terminate()
                    proc.wait(10)
                if backend == "sqlite":
                    proc, base = serve("bare_app:app", {"BARE_PAGE": str(sample)}, workers)
                    try:
                        console.print(f"bare FastAPI, {workers} worker(s): loading for {args.seconds}s")
                        results.append({"server": "bare FastAPI (same page, no auth/DB)", "workers": workers,
                                        "page": "offset 0",
                                        "bytes": len(httpx.get(base + PATH.format(window="offset=0")).content),
                                        **load(base + PATH.format(window="offset=0"), "none", args.seconds)})
                    finally:
                        proc.terminate()
                        proc.wait(10)
    table = Table("server", "workers", "page", "bytes", "requests/s", "p50 ms", "p99 ms", "non-2xx", "timeouts",
                  "vs bare")
    for r in results:
        bare = next(b for b in results if b["server"].startswith("bare") and b["workers"] == r["workers"])
        r["vs_bare"] = round(r["requests_per_s"] / bare["requests_per_s"], 3)
        table.add_row(r["server"], str(r["workers"]), r["page"], f"{r['bytes']:,}", f"{r['requests_per_s']:,.0f}",
                      str(r["p50_ms"]), str(r["p99_ms"]), str(r["non_2xx"]), str(r["timeouts_10s"]),
                      f"{r['vs_bare']:.2f}")
    Console().print(table)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "api_read.json").write_text(json.dumps({
        "when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": platform.platform(),
        "cpus": os.cpu_count(), "load": "wrk -t2 -c50 --timeout 10s --latency, loopback, same machine as the server",
        "threads_per_worker": int(os.environ.get("PALERMO_THREADS", "4")),
        "entities_in_case": args.entities, "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
