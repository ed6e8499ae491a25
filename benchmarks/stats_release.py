"""Benchmark: victim-safe releases on the CTDC subset (48,773 records): import, k-anonymous tables, and
differentially private tables at epsilon = 1 with OpenDP, next to plain numpy Laplace noise on the exact counts
(same epsilon, no OpenDP: the reference for time and utility).

    .venv/bin/python benchmarks/stats_release.py      # reads ../shared/data/ctdc (not shipped)

Utility = median relative error on cells with at least 100 victims. Writes benchmarks/results/stats_release.json.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from palermo.stats.release import UNKNOWN, _categories, differentially_private, k_anonymous
from palermo.stats.store import StatsStore
from palermo.stats.victims import parse_ctdc

HERE = Path(__file__).parent
CANDIDATES = [Path(os.environ.get("PALERMO_SHARED_DATA", "")), HERE.parent.parent / "shared" / "data",
              Path("/work/shared/data")]
TABLES = [["gender"], ["gender", "ageBroad"], ["citizenship"], ["CountryOfExploitation"],
          ["yearOfRegistration", "gender"], ["isForcedLabour", "isSexualExploit", "gender"],
          ["citizenship", "CountryOfExploitation"]]
console = Console(stderr=True)


def main() -> None:
    source = next(p / "ctdc" / "ctdc_global_dataset_2020-04-14_subset.csv" for p in CANDIDATES
                  if (p / "ctdc" / "ctdc_global_dataset_2020-04-14_subset.csv").is_file())
    now = datetime.now(UTC).replace(tzinfo=None)
    started = time.perf_counter()
    parsed = parse_ctdc(source)
    store = StatsStore()
    store.add_dataset("ctdc", parsed, epsilon_budget=len(TABLES) * 1.0, delta_budget=1e-6, at=now)
    import_s = time.perf_counter() - started
    rng = np.random.default_rng(1)
    rows = []
    for by in TABLES:
        t0 = time.perf_counter()
        kanon = k_anonymous(store, "ctdc", by, k=11, released_by="bench", at=now)
        k_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        dp = differentially_private(store, "ctdc", by, epsilon=1.0, years=(2002, 2018), released_by="bench", at=now)
        dp_s = time.perf_counter() - t0
        exact = store.counts("ctdc", by)
        keys = _categories(by, (2002, 2018))
        truth = np.array([exact.get(tuple(None if v == UNKNOWN else v for v in k), 0) for k in keys], dtype=float)
        t0 = time.perf_counter()
        plain = np.maximum(0, np.round(truth + rng.laplace(0, 1.0, len(truth))))
        plain_s = time.perf_counter() - t0 + 0.0
        large = truth >= 100
        plain_rel = float(np.median(np.abs(plain[large] - truth[large]) / truth[large])) if large.any() else None
        rows.append({"by": by, "cells": len(keys), "cells_at_least_100": int(large.sum()),
                     "k_anonymous_s": round(k_s, 3), "k_suppressed_cells": kanon.utility["suppressed_cells"],
                     "dp_s": round(dp_s, 3), "dp_epsilon": dp.epsilon,
                     "dp_median_rel_error_cells_at_least_100": dp.utility["median_rel_error_cells_at_least_100"],
                     "dp_median_abs_error": dp.utility["median_abs_error"],
                     "numpy_laplace_s": round(plain_s, 5), "numpy_median_rel_error_cells_at_least_100":
                         round(plain_rel, 6) if plain_rel is not None else None})
    result = {"benchmark": "stats_release", "when": now.isoformat(timespec="seconds"),
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
              "records": len(parsed.rows), "import_s": round(import_s, 2), "tables": rows,
              "ledger_epsilon_spent": store.spent("ctdc")[0],
              "median_of_medians_dp": statistics.median(r["dp_median_rel_error_cells_at_least_100"]
                                                        for r in rows if r["dp_median_rel_error_cells_at_least_100"]
                                                        is not None)}
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "stats_release.json").write_text(json.dumps(result, indent=2) + "\n")
    table = Table(title=f"CTDC subset, {len(parsed.rows):,} records: import {import_s:.2f} s; epsilon = 1 per table")
    for col in ("table", "cells", "≥100", "k=11 s", "OpenDP s", "OpenDP rel. err.", "numpy s", "numpy rel. err."):
        table.add_column(col)
    for r in rows:
        table.add_row(" × ".join(r["by"]), f"{r['cells']:,}", str(r["cells_at_least_100"]), f"{r['k_anonymous_s']:.3f}",
                      f"{r['dp_s']:.2f}", str(r["dp_median_rel_error_cells_at_least_100"]),
                      f"{r['numpy_laplace_s']:.4f}", str(r["numpy_median_rel_error_cells_at_least_100"]))
    console.print(table)


if __name__ == "__main__":
    main()
