"""Benchmark: watchlist screening quality and speed, Palermo next to plain rapidfuzz and nomenklatura's logic-v2.

Quality: a labelled set of name pairs built from real-world variation (benchmarks/data/name_variants.yaml: the
same person or organisation across scripts and transliteration systems; and, on those names and the real German
donor names of ../shared/data/ftm_samples, word order, initials, typos, umlaut spellings), with hard negatives
(different people sharing a word of their names). Precision, recall and F1 of each method at its default
threshold, and recall per kind of variation.

Speed: names screened per second against a 100,000-entity list (the labelled names plus seeded synthetic ones);
rapidfuzz scans every listed name (C++), Palermo and logic-v2 score the candidates of Palermo's word/sound index.

    .venv/bin/python benchmarks/screening.py      # needs `pip install nomenklatura` (the peer)

Writes benchmarks/results/screening.json.
"""

from __future__ import annotations

import json
import os
import platform
import random
import re
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import yaml
from followthemoney import model
from nomenklatura.matching import LogicV2, ScoringConfig
from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process
from rich.console import Console
from rich.table import Table

from palermo.finance.screening import ListEntity, Query, WatchList, score_candidate, screen

HERE = Path(__file__).parent
RESULTS = HERE / "results"
DONATIONS = [Path(p) / "ftm_samples" / "nomenklatura_donations.ftm.json"
             for p in (os.environ.get("PALERMO_SHARED_DATA", ""), HERE.parent.parent / "shared" / "data",
                       "/work/shared/data") if p]
console = Console(stderr=True)
THRESHOLDS = {"palermo": 0.8, "rapidfuzz_wratio": 85.0, "nomenklatura_logic_v2": 0.7}
TITLES = re.compile(r"\b(Herr|Frau|Dr\.?-?Ing\.?|Dr\.|Prof\.|E\. h\.)\s*")
LATIN = re.compile(r"^[A-Za-zÀ-ÿĀ-žƏəİı .'\-]+$")


def _donor_names() -> list[str]:
    for path in DONATIONS:
        if path.is_file():
            names = []
            for line in path.read_text().splitlines():
                e = json.loads(line)
                if e["schema"] == "Person":
                    names += [TITLES.sub("", n).strip() for n in e["properties"].get("name", [])]
            return sorted({n for n in names if len(n.split()) >= 2})
    console.print("[yellow]../shared/data/ftm_samples not found: donor names left out[/]")
    return []


def _typo(name: str, rng: random.Random) -> str:
    chars = list(name)
    letters = [i for i, c in enumerate(chars) if c.isalpha()]
    i = rng.choice(letters[1:-1] or letters)
    kind = rng.choice(["swap", "drop", "sub"])
    if kind == "swap" and i + 1 < len(chars) and chars[i + 1].isalpha():
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    elif kind == "drop":
        del chars[i]
    else:
        chars[i] = rng.choice("aeiouy" if chars[i].lower() in "aeiouy" else "bcdfghklmnprstvz")
    return "".join(chars)


def labelled_pairs(seed: int = 1) -> list[tuple[str, str, bool, str, str]]:
    """(query, listed name, same?, kind of variation, schema) pairs."""
    rng = random.Random(seed)
    variants = yaml.safe_load((HERE / "data" / "name_variants.yaml").read_text())
    groups = [(g, "Person") for g in variants["person"]] + [(g, "Organization") for g in variants["organization"]]
    pairs: list[tuple[str, str, bool, str, str]] = []
    for group, schema in groups:
        listed = group[0]
        for v in group[1:]:
            kind = "script" if not LATIN.match(v) else "transliteration"
            pairs.append((v, listed, True, kind, schema))
    latin = [(g[0], "Person") for g, s in groups if s == "Person"] + [(n, "Person") for n in _donor_names()]
    for name, schema in latin:
        words = name.split()
        pairs.append((" ".join(words[::-1]), name, True, "word order", schema))
        pairs.append((f"{words[0][0]}. {' '.join(words[1:])}", name, True, "initials", schema))
        pairs.append((_typo(name, rng), name, True, "typo", schema))
        if re.search("[äöüß]", name):
            spelled = name.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
            pairs.append((spelled, name, True, "umlaut spelling", schema))
    # hard negatives: another person sharing a first name or a surname
    people = [n for n, _ in latin]
    for name in people:
        first, last = name.split()[0], name.split()[-1]
        other = rng.choice([p for p in people if p != name])
        pairs.append((f"{first} {other.split()[-1]}", name, False, "same first name", "Person"))
        pairs.append((f"{other.split()[0]} {last}", name, False, "same surname", "Person"))
        pairs.append((other, name, False, "different person", "Person"))
    for (a, _), (b, sb) in zip(groups, groups[1:] + groups[:1], strict=True):
        pairs.append((rng.choice(a), b[0], False, "different person", sb))
    return pairs


def _proxy(name: str, schema: str, ident: str):  # type: ignore[no-untyped-def]
    proxy = model.make_entity(schema)
    proxy.id = ident
    proxy.add("name", name)
    return proxy


def quality(pairs: list[tuple[str, str, bool, str, str]]) -> dict[str, object]:
    config = ScoringConfig.defaults()
    ids = iter(range(10**9))  # nomenklatura caches per entity id: every proxy gets its own
    methods: dict[str, Callable[[str, str, str], float]] = {
        "palermo": lambda q, n, s: score_candidate(Query(q), ListEntity("x", s, n, (n,))).score,
        "rapidfuzz_wratio": lambda q, n, s: fuzz.WRatio(q, n, processor=default_process),
        "nomenklatura_logic_v2": lambda q, n, s: LogicV2.compare(
            _proxy(q, s, f"q{next(ids)}"), _proxy(n, s, f"c{next(ids)}"), config).score,
    }
    out: dict[str, object] = {}
    for method, fn in methods.items():
        tp = fp = fn_ = 0
        by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for q, n, same, kind, schema in pairs:
            hit = fn(q, n, schema) >= THRESHOLDS[method]
            tp += hit and same
            fp += hit and not same
            fn_ += (not hit) and same
            by_kind[kind][0] += int(hit == same)
            by_kind[kind][1] += 1
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn_) if tp + fn_ else 0.0
        out[method] = {"threshold": THRESHOLDS[method], "precision": round(precision, 3), "recall": round(recall, 3),
                       "f1": round(2 * precision * recall / (precision + recall), 3) if precision + recall else 0.0,
                       "correct_by_kind": {k: f"{v[0]}/{v[1]}" for k, v in sorted(by_kind.items())}}
    return out


SYLLABLES = ["ka", "lo", "mi", "ne", "ra", "to", "va", "shi", "dor", "ben", "ova", "ski", "ma", "ri", "an", "el",
             "go", "zu", "pe", "tin", "ov", "ich", "sen", "berg", "han", "ul", "sa", "ko", "de", "mir"]


def synthetic_list(pairs: list[tuple[str, str, bool, str, str]], size: int, seed: int = 2) -> WatchList:
    rng = random.Random(seed)
    entities: dict[str, ListEntity] = {}
    for i, name in enumerate(sorted({n for _, n, _, _, _ in pairs})):
        entities[f"real-{i}"] = ListEntity(f"real-{i}", "Person", name, (name,))
    while len(entities) < size:
        first = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
        last = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()
        ident = f"syn-{len(entities)}"
        entities[ident] = ListEntity(ident, "Person", f"{first} {last}", (f"{first} {last}",))
    wl = WatchList(name="benchmark", version=f"synthetic-{size}", entities=entities)
    wl.build_index()
    return wl


def throughput(wl: WatchList, queries: list[str]) -> dict[str, object]:
    names = [e.names[0] for e in wl.entities.values()]
    config = ScoringConfig.defaults()
    out: dict[str, object] = {}
    started = time.perf_counter()
    found = sum(1 for q in queries if screen(Query(q), wl))
    s = time.perf_counter() - started
    out["palermo"] = {"names_per_s": round(len(queries) / s, 1), "with_match": found}
    started = time.perf_counter()
    found = sum(1 for q in queries if process.extractOne(q, names, scorer=fuzz.WRatio, processor=default_process,
                                                         score_cutoff=THRESHOLDS["rapidfuzz_wratio"]))
    s = time.perf_counter() - started
    out["rapidfuzz_wratio"] = {"names_per_s": round(len(queries) / s, 1), "with_match": found,
                               "note": "scans all listed names"}
    from palermo.finance.screening import candidates
    proxies = {i: _proxy(e.names[0], "Person", i) for i, e in wl.entities.items()}
    started = time.perf_counter()
    found = 0
    for i, q in enumerate(queries):
        qp = _proxy(q, "Person", f"query-{i}")
        scores = [LogicV2.compare(qp, proxies[c.id], config).score for c in candidates(Query(q), wl)]
        found += any(x >= THRESHOLDS["nomenklatura_logic_v2"] for x in scores)
    s = time.perf_counter() - started
    out["nomenklatura_logic_v2"] = {"names_per_s": round(len(queries) / s, 1), "with_match": found,
                                    "note": "scores Palermo's index candidates (as yente scores its index's)"}
    return out


def main() -> None:
    pairs = labelled_pairs()
    console.print(f"{len(pairs)} labelled pairs ({sum(p[2] for p in pairs)} same, {sum(not p[2] for p in pairs)} "
                  "different)")
    q = quality(pairs)
    wl = synthetic_list(pairs, 100_000)
    rng = random.Random(3)
    queries = [p[0] for p in rng.sample(pairs, 500)] + [
        "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize() + " "
        + "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize() for _ in range(500)]
    t = throughput(wl, queries)
    result = {"benchmark": "screening", "when": datetime.now(UTC).isoformat(timespec="seconds"),
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
              "pairs": len(pairs), "positives": sum(p[2] for p in pairs), "quality": q,
              "list_size": len(wl.entities), "queries": len(queries), "throughput": t}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "screening.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    table = Table(title=f"Screening: {len(pairs)} labelled pairs; {len(wl.entities):,}-entity list")
    for col in ("method", "threshold", "precision", "recall", "F1", "names/s"):
        table.add_column(col)
    for method, m in q.items():
        assert isinstance(m, dict)
        speed = t[method]
        assert isinstance(speed, dict)
        table.add_row(method, str(m["threshold"]), str(m["precision"]), str(m["recall"]), str(m["f1"]),
                      f"{speed['names_per_s']:,}")
    console.print(table)
    for method, m in q.items():
        assert isinstance(m, dict)
        console.print(f"{method}: {m['correct_by_kind']}")


if __name__ == "__main__":
    main()
