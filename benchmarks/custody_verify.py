"""Benchmark: verifying a custody log of 1,000,000 events, next to the raw speed of its cryptography.

    .venv/bin/python benchmarks/custody_verify.py            # 1,000,000 events (about 10 minutes on 2 cores)
    .venv/bin/python benchmarks/custody_verify.py 100000     # a smaller log

In one run: SHA-256 (hashlib) over the log's own leaves and Ed25519 verification (cryptography) on one core; the
raw limit on 2 cores (two worker processes doing nothing but, per event, one Ed25519 verification and the two
SHA-256 a Merkle tree needs, fed in the same chunks and the same way as the verifier's pool) and
``verify_log(..., workers=2)`` (every event parsed, validated, checked for canonical form, key and validity,
signature, numbering, times, exhibit chains, and every signed tree head, one per 1,000 events, recomputed), in the
order raw, verify, verify, raw, with wall and CPU time; the same two on one core over 50,000 events; then proof
sizes and times at 1,000,000 leaves. Writes benchmarks/results/custody_verify.json.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import platform
import random
import resource
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from rich.console import Console
from rich.table import Table

from palermo.custody.keys import SigningKey, TrustStore, b64encode, timestamp
from palermo.custody.merkle import Frontier, Tree, leaf_hash, verify_consistency, verify_inclusion
from palermo.custody.records import EVENT_CONTEXT, SignedEvent, sign_head
from palermo.custody.verify import CHUNK, verify_log

HERE = Path(__file__).parent
LOG = "MT-POLICE/CASE-2026-0042/custody"
T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
HEAD_EVERY = 1000
GEN_CHUNK = 10_000
WORKERS = 2
console = Console(stderr=True)

ACTORS = [{"user": "u-17", "name": "Insp. Maria Borg", "agency": "MT-POLICE", "state": "MT"},
          {"user": "u-90", "name": "Dr. Jonas Weber", "agency": "DE-BKA", "state": "DE"}]
TRANSFER = {"from_holder": "Insp. Maria Borg", "from_agency": "MT-POLICE", "from_state": "MT",
            "to_holder": "Dr. Jonas Weber", "to_agency": "DE-BKA", "to_state": "DE"}


def generate(args: tuple[int, int, bytes, bytes]) -> list[bytes]:
    """Events start..end-1: exhibits of their own (so chunks are independent), times one second apart."""
    start, end, police_raw, lab_raw = args
    keys = [SigningKey.from_private_bytes(police_raw), SigningKey.from_private_bytes(lab_raw)]
    rng = random.Random(start)
    tips: dict[str, tuple[int, str]] = {}
    exhibits: list[str] = []
    out = []
    for seq in range(start, end):
        recorded = T0 + timedelta(seconds=seq)
        if not exhibits or rng.random() < 0.05:
            exhibit = f"EX-{start // GEN_CHUNK}-{len(exhibits) + 1}"
            exhibits.append(exhibit)
            kind, details, who = "seizure", {"legal_basis": f"Search warrant {seq}/2026, Court of Magistrates",
                                             "seized_in": "MT", "seals": [f"MT-{seq:07d}"]}, 0
        else:
            exhibit = rng.choice(exhibits)
            who = rng.randrange(2)
            kind, details = rng.choice([("transfer", TRANSFER), ("examination", {"method": "visual inspection"}),
                                        ("seal", {"seals": [f"S-{seq:07d}"]}), ("unseal", {"seals": [f"S-{seq:07d}"]}),
                                        ("intake", {"description": "returned to the evidence room"})])
        key = keys[who]
        event: dict[str, Any] = {
            "version": 1, "log": LOG, "seq": seq, "exhibit": exhibit, "kind": kind,
            "at": timestamp(recorded - timedelta(minutes=2)), "recorded": timestamp(recorded),
            "actor": ACTORS[who], "place": "Evidence room 2, Police Headquarters, Floriana",
            "purpose": f"{kind} of exhibit {exhibit} in case 2026-0042", "details": details, "key": key.key_id}
        if exhibit in tips:
            event["prev"] = {"seq": tips[exhibit][0], "leaf": tips[exhibit][1]}
        body = orjson.dumps(event, option=orjson.OPT_SORT_KEYS)
        line = orjson.dumps({"event": event, "signature": b64encode(key.sign(EVENT_CONTEXT + body))},
                            option=orjson.OPT_SORT_KEYS)
        tips[exhibit] = (seq, leaf_hash(line).hex())
        out.append(line)
    return out


_RAW_KEYS: dict[str, Ed25519PublicKey] = {}


def _raw_init(keys: dict[str, bytes]) -> None:
    _RAW_KEYS.update({k: Ed25519PublicKey.from_public_bytes(v) for k, v in keys.items()})


def raw_batch(items: list[tuple[str, bytes, bytes, bytes]]) -> int:
    """Per event only the cryptography: one Ed25519 verification, the leaf hash and one node hash."""
    sha = hashlib.sha256
    bad = 0
    for kid, sig, msg, leaf in items:
        try:
            _RAW_KEYS[kid].verify(sig, msg)
        except InvalidSignature:
            bad += 1
        h = sha(b"\x00" + leaf).digest()
        sha(b"\x01" + h + h).digest()
    return bad


def raw_limit(items: list[tuple[str, bytes, bytes, bytes]], keys: dict[str, bytes]) -> float:
    """Seconds for the raw work of all items in a pool of 2 spawned processes, chunked like the verifier."""
    started = time.perf_counter()
    with ProcessPoolExecutor(WORKERS, mp_context=get_context("spawn"), initializer=_raw_init,
                             initargs=(keys,)) as pool:
        futures = [pool.submit(raw_batch, items[i:i + CHUNK]) for i in range(0, len(items), CHUNK)]
        assert sum(f.result() for f in futures) == 0
    return time.perf_counter() - started


def crypto_inputs(lines: list[bytes]) -> list[tuple[str, bytes, bytes, bytes]]:
    """What the raw limit works on, prepared outside its timing: key id, signature, signed bytes, leaf."""
    items = []
    for line in lines:
        obj = orjson.loads(line)
        event = obj["event"]
        items.append((event["key"], base64.b64decode(obj["signature"]),
                      EVENT_CONTEXT + orjson.dumps(event, option=orjson.OPT_SORT_KEYS), line))
    return items


def measured(fn: Any, *args: Any, **kwargs: Any) -> tuple[float, float, Any]:
    """Wall seconds, CPU seconds (this process and the worker processes it waited for) and result of a call."""
    def cpu() -> float:
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    c0, t0 = cpu(), time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - t0, cpu() - c0, result


def per_second(fn: Any, items: list[Any], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(items)
        best = min(best, time.perf_counter() - t0)
    return len(items) / best


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    police, lab = SigningKey.generate(), SigningKey.generate()
    since = T0 - timedelta(days=30)
    trust = TrustStore([police.record("MT-POLICE", "MT", since), lab.record("DE-BKA", "DE", since)])
    console.print(f"generating {n:,} signed events on {WORKERS} cores ...")
    t0 = time.perf_counter()
    with ProcessPoolExecutor(WORKERS, mp_context=get_context("spawn")) as pool:
        chunks = pool.map(generate, [(s, min(s + GEN_CHUNK, n), police.private_bytes(), lab.private_bytes())
                                     for s in range(0, n, GEN_CHUNK)])
        lines = [line for chunk in chunks for line in chunk]
    generate_s = time.perf_counter() - t0
    SignedEvent.from_leaf(lines[0])
    SignedEvent.from_leaf(lines[-1])  # the generated events are valid custody events
    frontier, heads = Frontier(), []
    for i, line in enumerate(lines):
        frontier.append(leaf_hash(line))
        if (i + 1) % HEAD_EVERY == 0 or i == n - 1:
            heads.append(sign_head(LOG, i + 1, frontier.root(), T0 + timedelta(seconds=i), police).data)
    mean_line = statistics.fmean(len(x) for x in lines[:10_000])
    console.print(f"generated in {generate_s:.0f} s; {len(heads)} signed tree heads; mean event {mean_line:.0f} bytes")

    # ---------------------------------------------------------------- raw speeds, one core
    sample = lines[:50_000]
    sha_rate = per_second(lambda xs: [hashlib.sha256(b"\x00" + x).digest() for x in xs], sample)
    node = [b"\x01" + hashlib.sha256(x).digest() * 2 for x in sample]
    node_rate = per_second(lambda xs: [hashlib.sha256(x).digest() for x in xs], node)
    keys = {r.key: r.raw for r in trust.records}
    loaded = {k: Ed25519PublicKey.from_public_bytes(v) for k, v in keys.items()}
    ed_rate = per_second(lambda xs: [loaded[k].verify(s, m) for k, s, m, _ in xs], crypto_inputs(lines[:20_000]))
    per_event_raw = 1 / ed_rate + 1 / sha_rate + 1 / node_rate
    console.print(f"one core: SHA-256 {sha_rate:,.0f} leaves/s, {node_rate:,.0f} nodes/s; Ed25519 verify "
                  f"{ed_rate:,.0f}/s; raw limit {1 / per_event_raw:,.0f} events/s")

    # ---------------------------------------------------------------- raw limit and verification on 2 cores
    # in the order raw, verify, verify, raw (so that a drift in the machine's load cancels out); wall time and the
    # CPU time of this process and its workers, which other load on a shared machine hardly changes
    runs: dict[str, list[tuple[float, float]]] = {"raw": [], "verify": []}
    for what in ("raw", "verify", "verify", "raw"):
        if what == "raw":
            items = crypto_inputs(lines)
            wall, cpu, _ = measured(raw_limit, items, keys)
            del items
        else:
            wall, cpu, report = measured(verify_log, lines, heads, trust, workers=WORKERS)
            assert report.ok, report.lines()[:5]
        runs[what].append((wall, cpu))
        console.print(f"{what} on {WORKERS} cores: {n / wall:,.0f} events/s ({wall:.1f} s, {cpu / n * 1e6:.0f} µs "
                      f"CPU per event)")
    raw_wall = sum(w for w, _ in runs["raw"])
    verify_wall = sum(w for w, _ in runs["verify"])
    raw_cpu = sum(c for _, c in runs["raw"])
    verify_cpu = sum(c for _, c in runs["verify"])
    # one core, the same way (raw, verify, verify, raw) over the first 50,000 events
    one_n = min(n, 50_000)
    one_heads = [h for h in heads if orjson.loads(h)["head"]["size"] <= one_n]
    one_items = crypto_inputs(lines[:one_n])
    _raw_init(keys)
    one: dict[str, list[tuple[float, float]]] = {"raw": [], "verify": []}
    for what in ("raw", "verify", "verify", "raw"):
        if what == "raw":
            wall, cpu, _ = measured(raw_batch, one_items)
        else:
            wall, cpu, single = measured(verify_log, lines[:one_n], one_heads, trust, workers=1)
            assert single.ok
        one[what].append((wall, cpu))
    one_raw_s = sum(w for w, _ in one["raw"]) / 2
    one_verify_s = sum(w for w, _ in one["verify"]) / 2
    one_cpu_ratio = sum(c for _, c in one["raw"]) / sum(c for _, c in one["verify"])
    console.print(f"one core, {one_n:,} events: raw {one_n / one_raw_s:,.0f}/s, verify {one_n / one_verify_s:,.0f}/s")

    # ---------------------------------------------------------------- proofs at n leaves
    hashes = [leaf_hash(x) for x in lines]
    del lines
    t0 = time.perf_counter()
    tree = Tree(hashes)
    tree_s = time.perf_counter() - t0
    root = tree.root()
    rng = random.Random(1)
    indices = [rng.randrange(n) for _ in range(1000)]
    t0 = time.perf_counter()
    proofs = [tree.inclusion_proof(i) for i in indices]
    inc_make = (time.perf_counter() - t0) / len(indices)
    t0 = time.perf_counter()
    assert all(verify_inclusion(hashes[i], i, n, p, root) for i, p in zip(indices, proofs, strict=True))
    inc_verify = (time.perf_counter() - t0) / len(indices)
    consistency = []
    for old in sorted({1, n // 2, n - 1, rng.randrange(1, n), 1 << (n.bit_length() - 1)} - {n}):
        t0 = time.perf_counter()
        proof = tree.consistency_proof(old)
        made = time.perf_counter() - t0
        old_root = tree.root(old)
        t0 = time.perf_counter()
        assert verify_consistency(old, n, old_root, root, proof)
        checked = time.perf_counter() - t0
        consistency.append({"old_size": old, "hashes": len(proof), "bytes": 32 * len(proof),
                            "make_ms": round(made * 1000, 3), "verify_ms": round(checked * 1000, 3)})
    fr = Frontier()
    t0 = time.perf_counter()
    for h in hashes:
        fr.append(h)
    append_rate = n / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    assert fr.root() == root
    frontier_root_us = (time.perf_counter() - t0) * 1e6

    result = {
        "date": datetime.now(UTC).date().isoformat(), "events": n, "tree_heads": len(heads),
        "mean_event_bytes": round(mean_line), "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                                                          "load_average_after": os.getloadavg()},
        "generate_s": round(generate_s, 1),
        "one_core": {"sha256_leaves_per_s": round(sha_rate), "sha256_nodes_per_s": round(node_rate),
                     "ed25519_verify_per_s": round(ed_rate), "events": one_n, "order": "raw, verify, verify, raw",
                     "raw_events_per_s": round(one_n / one_raw_s), "verify_events_per_s": round(one_n / one_verify_s),
                     "ratio": round(one_raw_s / one_verify_s, 3), "cpu_ratio": round(one_cpu_ratio, 3)},
        "two_cores": {
            "order": "raw, verify, verify, raw",
            "raw_s": [round(w, 2) for w, _ in runs["raw"]], "verify_s": [round(w, 2) for w, _ in runs["verify"]],
            "raw_events_per_s": round(2 * n / raw_wall), "verify_events_per_s": round(2 * n / verify_wall),
            "ratio": round(raw_wall / verify_wall, 3),
            "raw_cpu_us_per_event": round(raw_cpu / (2 * n) * 1e6, 1),
            "verify_cpu_us_per_event": round(verify_cpu / (2 * n) * 1e6, 1),
            "cpu_ratio": round(raw_cpu / verify_cpu, 3)},
        "proofs": {"tree_build_s": round(tree_s, 2),
                   "inclusion": {"hashes": len(proofs[0]), "bytes_max": 32 * max(len(p) for p in proofs),
                                 "make_us": round(inc_make * 1e6, 1), "verify_us": round(inc_verify * 1e6, 1)},
                   "consistency": consistency,
                   "frontier_appends_per_s": round(append_rate), "frontier_root_us": round(frontier_root_us, 1)},
    }
    out = HERE / "results" / "custody_verify.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    table = Table(title=f"custody verification, {n:,} events, {WORKERS} cores")
    table.add_column("measure")
    table.add_column("value", justify="right")
    two = result["two_cores"]
    table.add_row("raw limit (Ed25519 + 2 SHA-256 per event), 2 processes", f"{two['raw_events_per_s']:,} events/s")  # type: ignore[index]
    table.add_row("verify_log, 2 processes", f"{two['verify_events_per_s']:,} events/s")  # type: ignore[index]
    table.add_row("ratio (wall; CPU time)", f"{two['ratio']:.2f}; {two['cpu_ratio']:.2f}")  # type: ignore[index]
    table.add_row(f"raw limit, 1 core ({one_n:,} events)", f"{one_n / one_raw_s:,.0f} events/s")
    table.add_row(f"verify_log, 1 core ({one_n:,} events)", f"{one_n / one_verify_s:,.0f} events/s")
    table.add_row("inclusion proof", f"{len(proofs[0])} hashes, make {inc_make * 1e6:.0f} µs, "
                                     f"verify {inc_verify * 1e6:.0f} µs")
    for c in consistency:
        table.add_row(f"consistency proof from {c['old_size']:,}", f"{c['hashes']} hashes, make {c['make_ms']} ms, "
                                                                   f"verify {c['verify_ms']} ms")
    console.print(table)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
