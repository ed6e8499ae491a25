"""Benchmark: watchlist screening quality and speed, Palermo next to plain rapidfuzz and nomenklatura's logic-v2.

Quality, on two labelled parts, precision/recall/F1 of each method at its default threshold and the share right
per kind of difficulty:
- development (looked at and tuned on): pairs built from real-world variation (data/name_variants.yaml: the same
  person or organisation across scripts and transliteration systems; on those names and the real German donor
  names of ../shared/data/ftm_samples, word order, initials, typos, umlaut spellings; hard negatives sharing a word)
  and data/name_pairs_dev.yaml (one or two pairs per failure class of issue 16);
- held out (never tuned on): data/name_pairs_heldout.yaml (public names and the donation register's own
  variation, labelled by hand) and every alias pair of the yente sample list's entities.

Speed, in the same run: each method in a fresh process, its one-off start (name tables, transliterators), then
pairs scored per second on a first pass (every name read afresh) and again (the best of a few passes); and names
screened per second against a 100,000-entity list (the labelled names plus seeded synthetic ones): rapidfuzz
scans every listed name (C++), logic-v2 scores the candidates of Palermo's index, Palermo those of them that can
reach its threshold.

    .venv/bin/pip install --target .venv/peer --no-deps nomenklatura==4.17.4 'fingerprints>=1.3.1,<2' shortuuid
    PYTHONPATH=.venv/peer .venv/bin/python benchmarks/screening.py

(nomenklatura 4.17 pins duckdb<2 and scikit-learn, which would replace the duckdb Palermo's ledger needs; its
matching needs neither, hence beside the venv rather than in it.)
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
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path

import yaml
from followthemoney import model
from nomenklatura.matching import LogicV2, ScoringConfig
from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process
from rich.console import Console
from rich.table import Table

from palermo.finance.screening import ListEntity, Query, WatchList, candidates, score_candidate, screen

HERE = Path(__file__).parent
RESULTS = HERE / "results"
SAMPLES = [Path(p) / "ftm_samples" for p in (os.environ.get("PALERMO_SHARED_DATA", ""),
                                              HERE.parent.parent / "shared" / "data", "/work/shared/data") if p]
DONATIONS = [p / "nomenklatura_donations.ftm.json" for p in SAMPLES]
YENTE = [p / "yente_t1_entities.ftm.json" for p in SAMPLES]
Pair = tuple[str, str, bool, str, str]
console = Console(stderr=True)
REPEAT = 3
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


def _yaml_pairs(name: str) -> list[Pair]:
    rows = yaml.safe_load((HERE / "data" / name).read_text())["pairs"]
    return [(str(q), str(n), bool(same), str(kind), str(schema)) for q, n, same, kind, schema in rows]


def heldout_pairs() -> list[Pair]:
    """The held-out part: hand-labelled public names, and the yente sample list's aliases (same within an entity,
    different across entities of one schema)."""
    pairs = _yaml_pairs("name_pairs_heldout.yaml")
    for path in YENTE:
        if path.is_file():
            entities = [json.loads(line) for line in path.read_text().splitlines()]
            named = [(e["schema"], e["properties"].get("name", [])) for e in entities if e["properties"].get("name")]
            for i, (schema, names) in enumerate(named):
                pairs += [(a, names[0], True, "list aliases", schema) for a in names[1:]]
                for other_schema, other in named[i + 1:]:
                    if other_schema == schema:
                        pairs += [(a, other[0], False, "list aliases", schema) for a in names]
            return pairs
    console.print("[yellow]../shared/data/ftm_samples not found: the yente aliases left out[/]")
    return pairs


def labelled_pairs(seed: int = 1) -> list[Pair]:
    """The development part: (query, listed name, same?, kind of variation, schema) pairs."""
    rng = random.Random(seed)
    variants = yaml.safe_load((HERE / "data" / "name_variants.yaml").read_text())
    groups = [(g, "Person") for g in variants["person"]] + [(g, "Organization") for g in variants["organization"]]
    pairs: list[Pair] = []
    for group, schema in groups:
        listed = group[0]
        for v in group[1:]:
            kind = "script" if not LATIN.match(v) else "transliteration"
            pairs.append((v, listed, True, kind, schema))
    latin = [(g[0], "Person") for g, s in groups if s == "Person"] + [(n, "Person") for n in _donor_names()]
    for name, schema in latin:
        words = name.split()
        pairs.append((" ".join(words[-1:] + words[:-1]), name, True, "word order", schema))  # family name first
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
    return pairs + _yaml_pairs("name_pairs_dev.yaml")


def _proxy(name: str, schema: str, ident: str):  # type: ignore[no-untyped-def]
    proxy = model.make_entity(schema)
    proxy.id = ident
    proxy.add("name", name)
    return proxy


WARM_UP = [("Владимир Путин", "Vladimir Putin", "Person"), ("习近平", "Xi Jinping", "Person"),
           ("محمد بن سلمان", "Mohammed bin Salman", "Person"), ("김정은", "Kim Jong Un", "Person"),
           ("Κυριάκος Μητσοτάκης", "Kyriakos Mitsotakis", "Person"), ("ООО Ромашка", "Romashka LLC", "Company"),
           ("ሰላም", "Selam", "Person"), ("Warm Up", "Warm Up Ltd", "Company")]
"""Names in the main scripts, scored by every method before any is timed: transliterators and name tables load
once per process, whoever asks first."""


def _methods() -> dict[str, Callable[[str, str, str], float]]:
    config = ScoringConfig.defaults()
    ids = iter(range(10**9))  # nomenklatura caches per entity id: every proxy gets its own
    return {
        "palermo": lambda q, n, s: score_candidate(Query(q), ListEntity("x", s, n, (n,))).score,
        "rapidfuzz_wratio": lambda q, n, s: fuzz.WRatio(q, n, processor=default_process),
        "nomenklatura_logic_v2": lambda q, n, s: LogicV2.compare(
            _proxy(q, s, f"q{next(ids)}"), _proxy(n, s, f"c{next(ids)}"), config).score,
    }


def _timed(method: str, pairs: list[Pair]) -> tuple[list[float], dict[str, float]]:
    """In a fresh process: load the method's tables (the warm-up names), then score every pair twice."""
    fn = _methods()[method]
    started = time.perf_counter()
    for q, n, schema in WARM_UP:
        fn(q, n, schema)
    speed = {"start_s": round(time.perf_counter() - started, 2)}
    started = time.perf_counter()
    values = [fn(q, n, schema) for q, n, _, _, schema in pairs]
    speed["first"] = round(len(pairs) / (time.perf_counter() - started), 1)
    took = []
    for _ in range(REPEAT):  # the machine is shared: the best of a few passes is the method's own speed
        started = time.perf_counter()
        for q, n, _, _, schema in pairs:
            fn(q, n, schema)
        took.append(time.perf_counter() - started)
    speed["second"] = round(len(pairs) / min(took), 1)
    return values, speed


def scores(pairs: list[Pair]) -> tuple[dict[str, list[float]], dict[str, dict[str, float]]]:
    """Every method's score of every pair and its speed, each method in a fresh process (no method reads names
    another has already read): the one-off start (tables and transliterators loaded by the warm-up names), pairs
    per second on the first pass (every name read afresh) and on a second pass (names read before, as with a
    loaded list)."""
    out: dict[str, list[float]] = {}
    speed: dict[str, dict[str, float]] = {}
    for method in _methods():
        with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
            out[method], speed[method] = pool.submit(_timed, method, pairs).result()
    return out, speed


def quality(pairs: list[Pair], scored: dict[str, list[float]]) -> dict[str, object]:
    """Precision, recall and F1 of each method at its default threshold, and the share right per kind."""
    out: dict[str, object] = {}
    for method, values in scored.items():
        tp = fp = fn_ = 0
        by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for (_, _, same, kind, _), value in zip(pairs, values, strict=True):
            hit = value >= THRESHOLDS[method]
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


def synthetic_list(pairs: list[Pair], size: int, seed: int = 2) -> WatchList:
    rng = random.Random(seed)
    entities: dict[str, ListEntity] = {}
    for i, (name, schema) in enumerate(sorted({(n, schema) for _, n, _, _, schema in pairs})):
        entities[f"real-{i}"] = ListEntity(f"real-{i}", schema, name, (name,))
    while len(entities) < size:
        first = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
        last = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()
        ident = f"syn-{len(entities)}"
        entities[ident] = ListEntity(ident, "Person", f"{first} {last}", (f"{first} {last}",))
    wl = WatchList(name="benchmark", version=f"synthetic-{size}", entities=entities)
    wl.build_index()
    return wl


def throughput(wl: WatchList, samples: list[list[str]]) -> dict[str, object]:
    """Names screened per second against the list by each method: the best of its runs, each run on another
    sample of queries (so no method finds a query it has read before)."""
    names = [e.names[0] for e in wl.entities.values()]
    config = ScoringConfig.defaults()
    proxies = {i: _proxy(e.names[0], e.schema, i) for i, e in wl.entities.items()}
    ids = iter(range(10**9))

    def logic_v2(q: str) -> bool:
        qp = _proxy(q, "Person", f"query-{next(ids)}")
        return any(LogicV2.compare(qp, proxies[c.id], config).score >= THRESHOLDS["nomenklatura_logic_v2"]
                   for c in candidates(Query(q), wl))

    methods: dict[str, tuple[Callable[[str], bool], str]] = {
        "palermo": (lambda q: bool(screen(Query(q), wl)), "its own candidates, those that can reach the threshold"),
        "rapidfuzz_wratio": (lambda q: bool(process.extractOne(
            q, names, scorer=fuzz.WRatio, processor=default_process,
            score_cutoff=THRESHOLDS["rapidfuzz_wratio"])), "scans all listed names"),
        "nomenklatura_logic_v2": (logic_v2, "scores Palermo's index candidates (as yente scores its index's)"),
    }
    out: dict[str, object] = {}
    for method, (fn, note) in methods.items():
        best, found = 0.0, []
        for queries in samples:
            started = time.perf_counter()
            found.append(sum(1 for q in queries if fn(q)))
            best = max(best, len(queries) / (time.perf_counter() - started))
        out[method] = {"names_per_s": round(best, 1), "with_match": found, "note": note}
    return out


def found_in_list(wl: WatchList, pairs: list[Pair]) -> float:
    """Share of the same-entity pairs whose listed name screen() finds for the query in the whole list (the index
    and the candidate bound included, which scoring a pair alone leaves out)."""
    positives = [(q, n) for q, n, same, _, _ in pairs if same]
    found = sum(1 for q, n in positives if any(n in m.entity.names for m in screen(Query(q), wl, limit=50)))
    return round(found / len(positives), 3)


def main() -> None:
    parts = {"development": labelled_pairs(), "held_out": heldout_pairs()}
    everything = [p for pairs in parts.values() for p in pairs]
    for part, pairs in parts.items():
        console.print(f"{part}: {len(pairs)} labelled pairs ({sum(p[2] for p in pairs)} same, "
                      f"{sum(not p[2] for p in pairs)} different)")
    scored, pairs_per_s = scores(everything)
    q: dict[str, dict[str, object]] = {}
    start = 0
    for part, pairs in parts.items():
        q[part] = quality(pairs, {m: v[start:start + len(pairs)] for m, v in scored.items()})
        start += len(pairs)
    started = time.perf_counter()
    wl = synthetic_list(everything, 100_000)
    build_s = round(time.perf_counter() - started, 1)
    rng = random.Random(3)
    labelled = [p[0] for p in rng.sample(everything, 400)]  # two samples, no query in both
    samples = [labelled[i::2] + [
        "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize() + " "
        + "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize() for _ in range(200)] for i in range(2)]
    t = throughput(wl, samples)
    in_list = {part: found_in_list(wl, pairs) for part, pairs in parts.items()}
    result = {"benchmark": "screening", "when": datetime.now(UTC).isoformat(timespec="seconds"),
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
              "pairs": {part: len(pairs) for part, pairs in parts.items()},
              "positives": {part: sum(p[2] for p in pairs) for part, pairs in parts.items()},
              "tuned_on": "development", "quality": q, "pairs_per_s": pairs_per_s,
              "list_size": len(wl.entities), "list_build_s": build_s, "queries": [len(s) for s in samples], "throughput": t,
              "palermo_recall_in_list": in_list}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "screening.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    table = Table(title=f"Screening: {len(everything)} labelled pairs; {len(wl.entities):,}-entity list")
    for col in ("method", "threshold", "F1 dev (P/R)", "F1 held out (P/R)", "start s", "pairs/s 1st pass",
                "2nd pass", "names/s"):
        table.add_column(col)
    for method in scored:
        dev, held = (q[part][method] for part in parts)
        assert isinstance(dev, dict) and isinstance(held, dict)
        speed = t[method]
        assert isinstance(speed, dict)
        table.add_row(method, str(dev["threshold"]), f"{dev['f1']} ({dev['precision']}/{dev['recall']})",
                      f"{held['f1']} ({held['precision']}/{held['recall']})", str(pairs_per_s[method]["start_s"]),
                      f"{pairs_per_s[method]['first']:,}",
                      f"{pairs_per_s[method]['second']:,}",
                      f"{speed['names_per_s']:,}")
    console.print(table)
    console.print(f"palermo: the {len(wl.entities):,}-entity list made and indexed in {build_s} s")
    console.print(f"palermo, same-entity pairs found by screen() in the {len(wl.entities):,}-entity list: "
                  + ", ".join(f"{part} {share}" for part, share in in_list.items()))
    for part in parts:
        for method, m in q[part].items():
            assert isinstance(m, dict)
            console.print(f"{part} {method}: {m['correct_by_kind']}")


if __name__ == "__main__":
    main()
